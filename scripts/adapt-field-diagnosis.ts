// Writes reports/adapt/field-diagnosis.{md,json}: `node bin/run-ts.js scripts/adapt-field-diagnosis.ts [seed…]`
// (default seeds 1234 and 901): NLM at growing fields against the shipped and adapted DAs on filtered noise.
import * as path from 'node:path';
import { writeFieldDiagnosis } from '../src/research/adapt/field';

const seeds = process.argv.slice(2).map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  process.stderr.write(`adapt-field-diagnosis: seeds must be integers ≥ 0, got ${process.argv.slice(2).join(' ')}\n`);
  process.exit(2);
}
writeFieldDiagnosis(
  path.join(__dirname, '..', 'reports', 'adapt'),
  seeds.length ? seeds : [1234, 901],
  `node bin/run-ts.js scripts/adapt-field-diagnosis.ts ${process.argv.slice(2).join(' ')}`.trim(),
  (s) => process.stderr.write(s + '\n'),
).catch((err: unknown) => {
  process.stderr.write(`adapt-field-diagnosis: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

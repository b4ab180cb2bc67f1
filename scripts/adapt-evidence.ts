// Writes reports/adapt/adapt-evidence.{md,json}: `node bin/run-ts.js scripts/adapt-evidence.ts [case…]`
// (cases: in-range filtered low-snr high-snr anatomy 2mm; default all; rows of other cases are kept).
import * as path from 'node:path';
import { writeAdaptEvidence } from '../src/research/adapt/evidence';

const cases = process.argv.slice(2);
writeAdaptEvidence(path.join(__dirname, '..', 'reports', 'adapt'), {
  cases,
  command: `node bin/run-ts.js scripts/adapt-evidence.ts ${cases.join(' ')}`.trim(),
  log: (s) => process.stderr.write(s + '\n'),
}).catch((err: unknown) => {
  process.stderr.write(`adapt-evidence: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

// Writes reports/adapt/adapt-evidence.{md,json}: `node bin/run-ts.js scripts/adapt-evidence.ts [case…]`
// (cases: in-range filtered low-snr high-snr anatomy 2mm; default all; rows of other cases are kept).
// `--model da-wide [--seconds N]`: da-wide is the parent, the paper's DA a further column, and the table goes to
// reports/adapt/adapt-evidence-da-wide.{md,json}.
import * as path from 'node:path';
import { writeAdaptEvidence } from '../src/research/adapt/evidence';
import { modelWeightsSource, parseModelName } from '../src/model/da/models';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const model = flag('model');
const seconds = flag('seconds');
const cases = args;
const wide = model !== undefined && parseModelName(model) !== 'da';
writeAdaptEvidence(path.join(__dirname, '..', 'reports', 'adapt'), {
  cases,
  ...(wide ? { weights: modelWeightsSource(parseModelName(model!)), paper: modelWeightsSource('da') } : {}),
  ...(wide ? { stem: `adapt-evidence-${model}` } : {}),
  ...(seconds ? { seconds: Number(seconds) } : {}),
  command: `node bin/run-ts.js scripts/adapt-evidence.ts ${process.argv.slice(2).join(' ')}`.trim(),
  log: (s) => process.stderr.write(s + '\n'),
}).catch((err: unknown) => {
  process.stderr.write(`adapt-evidence: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

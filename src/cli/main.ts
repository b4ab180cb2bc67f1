// Entry of the `sodium-denoise` CLI: one module per subcommand, each exporting `register(program)`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { registerPhantom } from './phantom';
import { registerConvert } from './convert';
import { registerInfo } from './info';
import { registerMask } from './mask';
import { registerMetrics } from './metrics';
import { registerDenoise } from './denoise';
import { registerTrain } from './train';
import { registerEvaluate } from './evaluate';
import { registerAdapt } from './adapt';
import { registerBatch } from './batch';
import { registerWatch } from './watch';
import { registerRobustness } from './robustness';
import { registerConcentration } from './concentration';
import { runAction } from './output';

const program = new Command('sodium-denoise')
  .description(
    'Sodium (23Na) MRI denoising: synthetic cohort, DICOM/NIfTI conversion, masks, metrics, DA and NLM denoising, training',
  )
  .version(packageVersion(), '-V, --version', 'print the version and exit')
  .showHelpAfterError();

/** The version in package.json (two folders up from src/cli and from the compiled build/cli alike). */
function packageVersion(): string {
  const file = path.join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

for (const register of [
  registerPhantom,
  registerConvert,
  registerInfo,
  registerMask,
  registerMetrics,
  registerDenoise,
  registerTrain,
  registerEvaluate,
  registerAdapt,
  registerBatch,
  registerWatch,
  registerRobustness,
  registerConcentration,
]) {
  register(program, runAction);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`sodium-denoise: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

// Entry of the `sodium-denoise` CLI: one module per subcommand, each exporting `register(program)`.
import { Command } from 'commander';
import { registerPhantom } from './phantom';
import { registerConvert } from './convert';
import { registerInfo } from './info';
import { registerMask } from './mask';
import { registerMetrics } from './metrics';
import { registerDenoise } from './denoise';
import { registerTrain } from './train';
import { registerEvaluate } from './evaluate';
import { runAction } from './output';

const program = new Command('sodium-denoise')
  .description(
    'Sodium (23Na) MRI denoising: synthetic cohort, DICOM/NIfTI conversion, masks, metrics, DA and NLM denoising, training',
  )
  .showHelpAfterError();

for (const register of [
  registerPhantom,
  registerConvert,
  registerInfo,
  registerMask,
  registerMetrics,
  registerDenoise,
  registerTrain,
  registerEvaluate,
]) {
  register(program, runAction);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`sodium-denoise: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

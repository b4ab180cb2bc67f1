// `sodium-denoise adapt`: fine-tunes the DA on a study's own repeated acquisitions (jobs/adapt) and writes a weights
// folder that `denoise --weights` loads: the adapted weights when they beat the parent on held-out slabs, else the
// parent's weights unchanged with a card that says so. Also the adaptation step of `denoise --adapt`.
import { readRepeatedAcquisitions } from '../io/repeats';
import { assertOutputSafe, outputForm } from '../io/output-safety';
import { modelOrFolder } from '../model/da/models';
import { log, type Register } from './output';
import { intOption, numberOption } from './parse';

interface AdaptCliOptions {
  in: string;
  out: string;
  model?: string;
  seconds?: number;
  seed?: number;
  backend?: string;
  json?: boolean;
}

export const DEFAULT_ADAPT_SECONDS = 45;

export const registerAdapt: Register = (program, run) => {
  program
    .command('adapt')
    .description(
      "Fine-tune the DA on one study's own repeated acquisitions (held-out slabs decide) and write a weights folder for denoise --weights",
    )
    .requiredOption(
      '--in <folder>',
      'the study: a DICOM folder with ≥ 2 repeated sodium series, or a folder with acq1.nii.gz, acq2.nii.gz[, acq3…]',
    )
    .requiredOption('--out <folder>', 'new (or empty) weights folder to write')
    .option(
      '--model <name|dir>',
      'parent model: da, da-wide or a weights folder (default: the model weights/default.json names)',
    )
    .addOption(
      numberOption(
        '--seconds <n>',
        'time budget of the whole adaptation',
        { min: 0, exclusiveMin: true },
        DEFAULT_ADAPT_SECONDS,
      ),
    )
    .addOption(intOption('--seed <n>', 'seed of the patch sampling', { min: 0 }, 1))
    .option('--backend <name>', 'tfjs backend: wasm or cpu')
    .option('--json', 'print one JSON object on stdout')
    .action(
      run(async (o: AdaptCliOptions) => {
        const { checkOutFolder, runAdaptation, summaryJson, summaryLine, writeAdaptedFolder } =
          await import('./adaptRun');
        const out = { flag: '--out', path: o.out };
        outputForm(out, ['folder'], 'the weights');
        const parent = modelOrFolder(o.model);
        assertOutputSafe(out, [
          { flag: '--in', path: o.in },
          { flag: '--model', path: parent },
        ]);
        await checkOutFolder(o.out);
        const study = await readRepeatedAcquisitions(o.in, log);
        const r = await runAdaptation(study, {
          model: parent,
          seconds: o.seconds,
          seed: o.seed,
          backend: o.backend,
        });
        const sha256 = await writeAdaptedFolder(o.out, r, parent);
        return {
          json: { ...summaryJson(r, study), out: o.out, sha256 },
          text: `${summaryLine(r)}\nwrote ${o.out} (load it with: denoise --method da --weights ${o.out})`,
        };
      }),
    );
};

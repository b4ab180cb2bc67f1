// `sodium-denoise mask`: the automatic sodium brain mask of a volume, written as a uint8 NIfTI (1 = brain).
import { brainMaskSteps } from '../core/brain-mask';
import { countMask, maskVolumeMl } from '../core/mask';
import { describeNonFinite, findNonFinite, zeroNonFinite } from '../core/finite';
import { estimateNoiseSigma } from '../core/noise';
import { volumeLike } from '../core/volume';
import { assertOutputSafe, outputForm } from '../io/output-safety';
import { writeVolumeOutput } from '../io/volume-file';
import { addInputOptions, loadInput, type InputOptions } from './io-options';
import { log, type Register } from './output';

interface MaskOptions extends InputOptions {
  out: string;
  json?: boolean;
}

export const registerMask: Register = (program, run) => {
  addInputOptions(
    program
      .command('mask')
      .description(
        'Automatic brain mask of a sodium volume (intracranial space without scalp, eyes and calibration tubes)',
      )
      .requiredOption('--out <path>', 'output mask: a *.nii.gz (or *.nii) file, uint8, 1 = brain'),
    'sodium volume',
  )
    .option('--json', 'print one JSON object on stdout')
    .action(
      run(async (opts: MaskOptions) => {
        const out = { flag: '--out', path: opts.out };
        outputForm(out, ['nifti']);
        assertOutputSafe(out, [{ flag: '--in', path: opts.in }]);
        const { volume, format } = await loadInput(opts);
        const nonFinite = findNonFinite(volume);
        if (nonFinite) log(`warning: ${opts.in} ${describeNonFinite(nonFinite)}; they are never labelled brain`);
        const noise = estimateNoiseSigma(zeroNonFinite(volume));
        const steps = brainMaskSteps(volume, { noiseSigma: noise.sigma });
        const voxels = countMask(steps.mask);
        const maskVolume = volumeLike(volume, Float32Array.from(steps.mask));
        await writeVolumeOutput(opts.out, maskVolume, {
          format: 'nifti',
          nifti: { datatype: 'uint8', description: 'sodium-denoise automatic brain mask' },
        });
        const json = {
          input: { path: opts.in, format },
          output: opts.out,
          voxels,
          volumeMl: maskVolumeMl(steps.mask, volume.spacing),
          noise: { sigma: noise.sigma, method: noise.method },
          levels: { brain: steps.brainLevel, scalp: steps.scalpLevel, threshold: steps.threshold },
        };
        return {
          json,
          text: `Wrote ${opts.out}: ${voxels} brain voxels, ${json.volumeMl.toFixed(1)} mL (noise σ ${noise.sigma.toPrecision(4)}, ${noise.method})`,
        };
      }),
    );
};

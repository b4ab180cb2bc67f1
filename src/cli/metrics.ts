// `sodium-denoise metrics`: the paper's pSNR and SSIM of an image against a reference over the brain mask
// (a given mask, or the automatic one computed from the reference).
import { resolveBrainMask } from '../core/brain-mask';
import { assertFiniteVolume } from '../core/finite';
import { countMask, maskVolumeMl } from '../core/mask';
import { dataRange, psnr, ssim3d } from '../core/metrics';
import { sameGrid, type Mask, type Volume } from '../core/volume';
import { readVolumeInput } from '../io/volume-file';
import { addInputOptions, loadInput, type InputOptions } from './io-options';
import { log, type Register } from './output';

interface MetricsOptions extends InputOptions {
  ref: string;
  refSeries?: string;
  mask?: string;
  json?: boolean;
}

/** Reads a mask volume (nonzero = inside) and checks it lies on the reference's grid. */
export async function readMaskFile(maskPath: string, like: Volume): Promise<Mask> {
  const { volume: m } = await readVolumeInput(maskPath, { onNote: log });
  if (!m.dims.every((d, i) => d === like.dims[i])) {
    throw new Error(
      `--mask ${maskPath} has dims [${m.dims.join(', ')}] but the reference has [${like.dims.join(', ')}]`,
    );
  }
  if (!sameGrid(m, like))
    log(
      `warning: --mask ${maskPath} has the reference's dims but another position or spacing; using it voxel by voxel`,
    );
  const mask = Uint8Array.from(m.data, (v) => (v !== 0 ? 1 : 0));
  if (countMask(mask) === 0) throw new Error(`--mask ${maskPath} is empty (no nonzero voxel)`);
  return mask;
}

export const registerMetrics: Register = (program, run) => {
  addInputOptions(
    program
      .command('metrics')
      .description("pSNR and SSIM (the paper's definitions) of an image against a reference, over the brain mask")
      .requiredOption(
        '--ref <path>',
        'reference volume (e.g. the mean of three acquisitions, or the noise-free truth): NIfTI or DICOM',
      ),
    'image to measure',
  )
    .option(
      '--ref-series <id>',
      'series of --ref when its DICOM folder holds several: SeriesNumber or SeriesInstanceUID',
    )
    .option(
      '--mask <path>',
      'brain mask (NIfTI or DICOM, nonzero = inside); default: computed automatically from --ref',
    )
    .option('--json', 'print one JSON object on stdout')
    .action(
      run(async (opts: MetricsOptions) => {
        const ref = (
          await readVolumeInput(opts.ref, { series: opts.refSeries, onNote: log }).catch((err: unknown) => {
            throw new Error(`--ref: ${err instanceof Error ? err.message : String(err)}`);
          })
        ).volume;
        const img = (await loadInput(opts)).volume;
        assertFiniteVolume(ref, `--ref ${opts.ref}`, 'pSNR and SSIM need finite values');
        assertFiniteVolume(img, `--in ${opts.in}`, 'pSNR and SSIM need finite values');
        if (!img.dims.every((d, i) => d === ref.dims[i])) {
          throw new Error(
            `--in has dims [${img.dims.join(', ')}] but --ref has [${ref.dims.join(', ')}]: both must share one grid`,
          );
        }
        if (!sameGrid(img, ref))
          log('warning: --in and --ref have the same dims but another position or spacing; comparing voxel by voxel');
        const userMask = opts.mask ? await readMaskFile(opts.mask, ref) : undefined;
        if (!userMask) log('no --mask: computing the brain mask automatically from --ref');
        const { mask, source } = resolveBrainMask(ref, userMask);
        const voxels = countMask(mask);
        const range = dataRange(ref, mask);
        const result = {
          ref: opts.ref,
          in: opts.in,
          mask: {
            source,
            ...(opts.mask ? { path: opts.mask } : {}),
            voxels,
            volumeMl: maskVolumeMl(mask, ref.spacing),
          },
          dataRange: range,
          psnr: psnr(ref, img, mask),
          ssim: ssim3d(ref, img, { mask, dataRange: range }).mean,
        };
        const text =
          `pSNR ${result.psnr.toFixed(2)} dB, SSIM ${result.ssim.toFixed(4)} over ${voxels} voxels ` +
          `(${result.mask.volumeMl.toFixed(1)} mL, ${source === 'user' ? `mask ${opts.mask}` : 'automatic brain mask from --ref'})`;
        return { json: result, text };
      }),
    );
};

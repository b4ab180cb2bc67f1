// pSNR and SSIM of a denoising run against a reference, over the brain mask (the user's, else the automatic one of
// the noisy input), for the output and for the noisy input, as the paper reports them.
import { resolveBrainMask } from '../core/brain-mask';
import { psnr, relativeImprovement, ssim3d } from '../core/metrics';
import type { Mask, Volume } from '../core/volume';

/** What the reference is: the phantom's noise-free truth, the mean of repeated acquisitions, or something else. */
export type ReferenceKind = 'noise-free' | 'mean-of-repeats' | 'reference';

export interface DenoiseMetrics {
  /** Output vs reference, dB. */
  psnr: number;
  /** Output vs reference, mean 3D SSIM over the mask. */
  ssim: number;
  /** The noisy input vs the same reference. */
  input: { psnr: number; ssim: number };
  /** Relative improvement over the input, percent (the paper's Tables 2 and 3). */
  improvement: { psnrPercent: number; ssimPercent: number };
  referenceKind: ReferenceKind;
  maskSource: 'user' | 'automatic';
  maskVoxels: number;
}

/** What the metrics need before the output exists: the mask and the noisy input's own pSNR/SSIM. */
export interface MetricsBasis {
  mask: Mask;
  maskSource: 'user' | 'automatic';
  maskVoxels: number;
  input: { psnr: number; ssim: number };
}

/**
 * The half of measureDenoising that does not need the output, so a job can compute it while the method runs.
 * @param automaticMask - the input's automatic brain mask when the caller has it (else computed here)
 */
export function metricsBasis(
  input: Volume,
  reference: Volume,
  opts: { mask?: Mask; automaticMask?: Mask } = {},
): MetricsBasis {
  // The automatic mask comes from the input: it is an acquisition, the kind of image the mask is built for, while a
  // reference may be a noise-free phantom truth, on which the noise-floor head detection over-segments.
  const { mask, source } =
    opts.mask || !opts.automaticMask
      ? resolveBrainMask(input, opts.mask)
      : { mask: opts.automaticMask, source: 'automatic' as const };
  let maskVoxels = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) maskVoxels++;
  return {
    mask,
    maskSource: source,
    maskVoxels,
    input: { psnr: psnr(reference, input, mask), ssim: ssim3d(reference, input, { mask }).mean },
  };
}

export function measureDenoising(
  input: Volume,
  output: Volume,
  reference: Volume,
  opts: { mask?: Mask; referenceKind?: ReferenceKind; basis?: MetricsBasis } = {},
): DenoiseMetrics {
  const basis = opts.basis ?? metricsBasis(input, reference, opts);
  const { mask } = basis;
  const out = { psnr: psnr(reference, output, mask), ssim: ssim3d(reference, output, { mask }).mean };
  const before = basis.input;
  return {
    ...out,
    input: before,
    improvement: {
      psnrPercent: relativeImprovement(before.psnr, out.psnr),
      ssimPercent: relativeImprovement(before.ssim, out.ssim),
    },
    referenceKind: opts.referenceKind ?? 'reference',
    maskSource: basis.maskSource,
    maskVoxels: basis.maskVoxels,
  };
}

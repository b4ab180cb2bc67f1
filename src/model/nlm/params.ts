// NLM parameters with DIPY's names and defaults (dipy.denoise.nlmeans), and the checks every implementation shares.
import { assertFiniteVolume } from '../../core/finite';
import { estimateNoiseSigma, type NoiseEstimate } from '../../core/noise';
import { quantile } from '../../core/stats';
import type { Mask, Volume } from '../../core/volume';
import { assertSameDims } from '../../core/volume';
import { abs } from '../../core/math';

/**
 * DIPY's `nlmeans(arr, sigma, mask, patch_radius=1, block_radius=5, rician=True)` (the classic voxelwise version,
 * dipy/denoise/denspeed.pyx). As in DIPY, a moving patch must lie inside the block around the voxel, so the search
 * radius is `blockRadius − patchRadius`; weights are exp(−‖Δpatch‖²/|patch| / (√2·σ̄²)) with σ̄ the mean σ over the
 * moving patch; the estimate is the weighted mean of x², and the Rician correction is √max(E[x²] − 2σ², 0).
 */
export interface NlmParams {
  /** Noise standard deviation: one value, or one per voxel (same grid as the volume). Must be > 0. */
  sigma: number | Float32Array;
  /** Patch size is 2·patchRadius + 1 (DIPY default 1). */
  patchRadius?: number;
  /** Block size is 2·blockRadius + 1 (DIPY default 5). */
  blockRadius?: number;
  /** Rician bias correction (default true); false returns √E[x²] as DIPY does. */
  rician?: boolean;
}

export interface ResolvedNlmParams {
  sigma: number | Float32Array;
  patchRadius: number;
  blockRadius: number;
  rician: boolean;
}

export const NLM_DEFAULTS = { patchRadius: 1, blockRadius: 5, rician: true } as const;

/** Largest radii accepted: beyond these the cost is absurd for a volume and almost surely a typo. */
const MAX_RADIUS = 32;

/**
 * Whether NLM's block fits the grid: it pads by reflection, so every dimension must exceed the block radius.
 * @example blockFits([64, 64, 5], 5) // false: 5 slices
 */
export function blockFits(dims: readonly number[], blockRadius: number): boolean {
  return dims.every((d) => d > blockRadius);
}

/** Checks the volume, mask and parameters and fills in DIPY's defaults; throws one clear message per problem. */
export function resolveNlmParams(volume: Volume, params: NlmParams, mask?: Mask): ResolvedNlmParams {
  const patchRadius = params.patchRadius ?? NLM_DEFAULTS.patchRadius;
  const blockRadius = params.blockRadius ?? NLM_DEFAULTS.blockRadius;
  const rician = params.rician ?? NLM_DEFAULTS.rician;
  if (!Number.isInteger(patchRadius) || patchRadius < 0 || patchRadius > MAX_RADIUS) {
    throw new Error(`patch_radius must be an integer in [0, ${MAX_RADIUS}], got ${patchRadius}`);
  }
  if (!Number.isInteger(blockRadius) || blockRadius < 1 || blockRadius > MAX_RADIUS) {
    throw new Error(`block_radius must be an integer in [1, ${MAX_RADIUS}], got ${blockRadius}`);
  }
  if (blockRadius <= patchRadius) {
    throw new Error(
      `block_radius (${blockRadius}) must exceed patch_radius (${patchRadius}): patches move inside the block, so the search radius is their difference`,
    );
  }
  const { dims, data } = volume;
  if (!blockFits(dims, blockRadius)) {
    throw new Error(
      `every dimension must exceed block_radius = ${blockRadius} (the volume is padded by reflection), but dims are [${dims.join(', ')}]; use a smaller block_radius`,
    );
  }
  assertSameDims(volume, data.length, 'volume data');
  assertFiniteVolume(volume, 'the volume', 'NLM needs finite input');
  const sigma = params.sigma;
  if (typeof sigma === 'number') {
    checkNlmSigma(volume, sigma);
  } else {
    assertSameDims(volume, sigma.length, 'sigma map');
    for (let i = 0; i < sigma.length; i++) {
      if (!Number.isFinite(sigma[i]) || sigma[i] < 0)
        throw new Error(`the sigma map holds ${sigma[i]} at voxel ${i}; sigma must be finite and ≥ 0`);
    }
  }
  if (mask) {
    assertSameDims(volume, mask.length, 'mask');
    if (!mask.some((v) => v !== 0)) throw new Error('the mask is empty: no voxel to denoise');
  }
  return { sigma, patchRadius, blockRadius, rician };
}

/** The percentile of the voxel magnitudes taken as the image's robust signal level (bright tissue, not outliers). */
const SIGNAL_PERCENTILE = 0.99;

/**
 * The one check of a scalar NLM σ against its image: positive, finite, and σ·√2 below the robust signal level (the
 * 99th percentile of |voxel|). Rician correction returns √max(E[x²] − 2σ², 0), so a larger σ zeroes nearly every
 * voxel; a true σ always passes, since even pure Rayleigh noise has its 99th percentile at 3.03σ.
 */
export function checkNlmSigma(volume: Volume, sigma: number): void {
  if (!Number.isFinite(sigma) || sigma <= 0)
    throw new Error(`NLM noise sigma must be a positive finite number, got ${sigma}`);
  const level = robustSignalLevel(volume);
  if (!(sigma * Math.SQRT2 < level)) {
    throw new Error(
      `NLM noise sigma ${sigma.toPrecision(4)} is not below the image's signal level (σ·√2 must stay under the 99th percentile of the non-zero voxels, ${level.toPrecision(4)}): NLM would return zeros; σ is the noise standard deviation in the image's own units`,
    );
  }
}

function robustSignalLevel(volume: Volume): number {
  const { data } = volume;
  // Exact zeros are padding or masking, not signal. A strided sample keeps this cheap on large volumes; the
  // percentile of ~65k voxels is stable to well under 1 %.
  // A typed sample: the selection then sees one element type, as it does for the noise estimate's medians.
  const step = Math.max(1, Math.floor(data.length / 65536));
  const sample = new Float64Array(Math.ceil(data.length / step));
  let n = 0;
  for (let i = 0; i < data.length; i += step) if (data[i] !== 0) sample[n++] = abs(data[i]);
  return n === 0 ? 0 : quantile(sample.subarray(0, n), SIGNAL_PERCENTILE);
}

/**
 * The σ NLM runs with: the one given (checked), or the Rician estimate from the image background. A volume with too
 * little background has no trustworthy estimate (a local estimator would see anatomy as noise), so it needs σ given.
 * @example resolveNlmSigma(volume) // { sigma: 19.8, source: 'estimated: background-rayleigh-median' }
 */
export function resolveNlmSigma(
  volume: Volume,
  given?: number,
  /** estimateNoiseSigma(volume), when the caller has it already. */
  estimated?: NoiseEstimate,
): { sigma: number; source: string } {
  assertFiniteVolume(volume, 'the volume', 'NLM needs finite input');
  if (given !== undefined) {
    checkNlmSigma(volume, given);
    return { sigma: given, source: 'given' };
  }
  const estimate = estimated ?? estimateNoiseSigma(volume);
  if (estimate.method.startsWith('local')) {
    throw new Error(
      `the volume has too little background (${estimate.backgroundVoxels} voxels) to estimate the noise sigma from; give it explicitly (--sigma on the command line)`,
    );
  }
  checkNlmSigma(volume, estimate.sigma);
  return { sigma: estimate.sigma, source: `estimated: ${estimate.method}` };
}

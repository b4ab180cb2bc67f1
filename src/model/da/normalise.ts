// The DA's intensity normalisation: a robust scale of the input itself (no tfjs), so callers never guess units.
// The network sees input / scale and its output is multiplied by the same scale; training uses the identical rule.
// Two rules: 'intensity' (the paper's: a high percentile of the head) and 'sigma' (a multiple of the background's
// noise σ̂, so the network sees one noise level whatever the SNR — the choice for weights trained across regimes).
import { estimateNoiseSigma } from '../../core/noise';
import type { Volume } from '../../core/volume';

/** How the scale is computed; stored in the model card and read back by inference. */
export interface DANormalisation {
  /** Percentile of the region's voxel values used as the scale (99 → the 99th percentile). */
  percentile: number;
  /** 'head': voxels above `headFraction` × the volume's `robustMaxPercentile` percentile; 'all': every voxel. */
  region: 'head' | 'all';
  /** Percentile of all voxels that defines the robust maximum for the head threshold. */
  robustMaxPercentile: number;
  /** Head threshold as a fraction of the robust maximum. */
  headFraction: number;
  /** One sentence for people reading the card. */
  description: string;
  /** 'intensity' (default, the percentile rule above) or 'sigma': scale = sigmaMultiple × the background σ̂. */
  by?: 'intensity' | 'sigma';
  /** With by 'sigma': the multiple of σ̂ (e.g. 20, so brain tissue at SNR 3–30 sees inputs of about 0.15–1.5). */
  sigmaMultiple?: number;
}

/** The σ rule (see DANormalisation.by): the network sees the input in units of sigmaMultiple × σ̂. */
export function sigmaNormalisation(sigmaMultiple = 20): DANormalisation {
  return {
    ...DEFAULT_NORMALISATION,
    by: 'sigma',
    sigmaMultiple,
    description: `scale = ${sigmaMultiple} × the noise σ̂ estimated from the background (Rayleigh); the network sees input/scale and its output is multiplied by scale`,
  };
}

/**
 * The scale the DA divides this volume by, under either rule. Throws on empty, non-finite or signal-free data.
 * @example computeVolumeScale(volume, model.card.normalisation) // e.g. 812.4
 */
export function computeVolumeScale(volume: Volume, norm: DANormalisation = DEFAULT_NORMALISATION): number {
  if (norm.by !== 'sigma') return computeDAScale(volume.data, norm);
  validateNormalisation(norm);
  const scale = norm.sigmaMultiple! * estimateNoiseSigma(volume).sigma;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new Error(`cannot normalise by σ: the background σ̂ gives scale ${scale} (no background noise found)`);
  return scale;
}

export const DEFAULT_NORMALISATION: DANormalisation = {
  percentile: 99,
  region: 'head',
  robustMaxPercentile: 99.9,
  headFraction: 0.1,
  description:
    "scale = 99th percentile of the voxels above 10% of the volume's 99.9th percentile (a head mask); " +
    'the network sees input/scale and its output is multiplied by scale',
};

/** Volumes larger than this are subsampled (every k-th voxel) for the percentiles: the scale needs ~1e6 samples, not 1e8. */
const MAX_SAMPLES = 4_000_000;

/** Linear-interpolated percentile (numpy's default) of an ascending-sorted array. */
export function percentileOfSorted(sorted: Float32Array, p: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty set');
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The voxels above the head threshold (the normalisation's region), as a 0/1 mask. */
export function normalisationRegion(data: Float32Array, norm: DANormalisation = DEFAULT_NORMALISATION): Uint8Array {
  const mask = new Uint8Array(data.length);
  if (norm.region === 'all') return mask.fill(1);
  const threshold = headThreshold(sampleSorted(data), norm);
  for (let i = 0; i < data.length; i++) mask[i] = data[i] > threshold ? 1 : 0;
  return mask;
}

function sampleSorted(data: Float32Array): Float32Array {
  const step = Math.max(1, Math.ceil(data.length / MAX_SAMPLES));
  const sample = new Float32Array(Math.ceil(data.length / step));
  for (let i = 0, j = 0; i < data.length; i += step, j++) sample[j] = data[i];
  return sample.sort();
}

function headThreshold(sortedAll: Float32Array, norm: DANormalisation): number {
  const robustMax = percentileOfSorted(sortedAll, norm.robustMaxPercentile);
  if (!(robustMax > 0)) {
    throw new Error(
      `cannot normalise: the volume's ${norm.robustMaxPercentile}th percentile is ${robustMax} (no positive signal)`,
    );
  }
  return norm.headFraction * robustMax;
}

/** The scale the DA divides its input by. Throws on empty, non-finite or signal-free data. */
export function computeDAScale(data: Float32Array, norm: DANormalisation = DEFAULT_NORMALISATION): number {
  validateNormalisation(norm);
  if (norm.by === 'sigma') throw new Error('the σ normalisation needs the whole volume: use computeVolumeScale');
  if (data.length === 0) throw new Error('cannot normalise an empty volume');
  const sorted = sampleSorted(data);
  if (!Number.isFinite(sorted[0]) || !Number.isFinite(sorted[sorted.length - 1])) {
    throw new Error('cannot normalise: the volume holds NaN or infinite values');
  }
  let region = sorted;
  if (norm.region === 'head') {
    const threshold = headThreshold(sorted, norm);
    // sorted ascending: the head is the tail above the threshold
    let first = sorted.length;
    while (first > 0 && sorted[first - 1] > threshold) first--;
    region = sorted.subarray(first);
  }
  const scale = percentileOfSorted(region, norm.percentile);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`cannot normalise: scale ${scale} is not positive`);
  return scale;
}

export function validateNormalisation(norm: DANormalisation): void {
  const pct = (v: unknown) => typeof v === 'number' && v > 0 && v <= 100;
  if (!norm || !pct(norm.percentile))
    throw new Error(`normalisation.percentile must be in (0, 100], got ${norm?.percentile}`);
  if (norm.by !== undefined && norm.by !== 'intensity' && norm.by !== 'sigma')
    throw new Error(`normalisation.by must be 'intensity' or 'sigma', got ${String(norm.by)}`);
  if (
    norm.by === 'sigma' &&
    !(typeof norm.sigmaMultiple === 'number' && norm.sigmaMultiple > 0 && Number.isFinite(norm.sigmaMultiple))
  )
    throw new Error(`normalisation.sigmaMultiple must be a positive number, got ${norm.sigmaMultiple}`);
  if (norm.region !== 'head' && norm.region !== 'all')
    throw new Error(`normalisation.region must be 'head' or 'all', got ${String(norm.region)}`);
  if (norm.region === 'head') {
    if (!pct(norm.robustMaxPercentile))
      throw new Error(`normalisation.robustMaxPercentile must be in (0, 100], got ${norm.robustMaxPercentile}`);
    if (!(norm.headFraction >= 0 && norm.headFraction < 1))
      throw new Error(`normalisation.headFraction must be in [0, 1), got ${norm.headFraction}`);
  }
}

// Reference-free noise estimation for magnitude MR images: Rician σ from the automatically found background,
// SNR, and DIPY's local estimator (estimate_sigma), which NLM uses for its automatic σ.
import type { Mask, Volume } from './volume';
import { assertSameDims } from './volume';
import { assertFiniteVolume } from './finite';
import { BlurCache, gaussianFilter } from './filters';
import { atOrBelowMask, aboveMask, countMask, dilate, fillHoles, not } from './mask';
import { histogram, maskedValues, median, otsuThreshold } from './stats';

/** How σ is read from the background's Rayleigh distribution. */
export type BackgroundEstimator = 'median' | 'mean' | 'mode';

export interface NoiseEstimateOptions {
  /** Default 'median' (robust to stray object voxels): σ = median / √(2 ln 2). */
  estimator?: BackgroundEstimator;
  /** Use these voxels as background instead of finding them. */
  background?: Mask;
  /** Margin kept between the object and the background, mm (default 3 voxels' worth, at least 8 mm). */
  marginMm?: number;
}

export interface NoiseEstimate {
  /** Standard deviation of the Gaussian noise on the real and imaginary channels (the Rician σ). */
  sigma: number;
  /** How it was found, e.g. 'background-rayleigh-median'. */
  method: string;
  backgroundVoxels: number;
}

/** Fewer background voxels than this and the Rayleigh statistics are not trusted. */
export const MIN_BACKGROUND_VOXELS = 200;
const RAYLEIGH_MEAN = Math.sqrt(Math.PI / 2);
const RAYLEIGH_MEDIAN = Math.sqrt(2 * Math.LN2);

/** σ of a Rayleigh sample (the magnitude of pure complex Gaussian noise). */
export function rayleighSigma(values: ArrayLike<number>, estimator: BackgroundEstimator = 'median'): number {
  if (values.length === 0) throw new Error('rayleighSigma needs at least one value');
  if (estimator === 'median') return median(values) / RAYLEIGH_MEDIAN;
  if (estimator === 'mean') {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[i];
    return s / values.length / RAYLEIGH_MEAN;
  }
  // Mode of a Rayleigh density is σ itself. The peak is broad, so: a coarse histogram over the bulk of the data,
  // smoothed over a few bins, then a parabola through the peak bin and its neighbours.
  const hi = 3 * (median(values) / RAYLEIGH_MEDIAN);
  const bins = 48;
  const raw = histogram(values, bins, 0, hi);
  const { lo, width } = raw;
  const counts = gaussianFilter(raw.counts, [bins, 1, 1], [1.5, 0, 0], { mode: 'nearest' });
  let peak = 0;
  for (let b = 1; b < bins; b++) if (counts[b] > counts[peak]) peak = b;
  let offset = 0;
  if (peak > 0 && peak < bins - 1) {
    const [a, b, c] = [counts[peak - 1], counts[peak], counts[peak + 1]];
    const den = a - 2 * b + c;
    if (den < 0) offset = (0.5 * (a - c)) / den;
  }
  return lo + (peak + 0.5 + offset) * width;
}

/**
 * Finds the background of a magnitude image: everything well away from the object (head, tubes, their blurred
 * edges). Two passes: Otsu on a smoothed copy gives a first background and σ; the object is then every voxel whose
 * smoothed value rises clearly above the noise floor, hole-filled and dilated by a margin in mm.
 */
export function findBackground(volume: Volume, opts: { marginMm?: number; blurs?: BlurCache } = {}): Mask {
  const { dims, spacing, data } = volume;
  // Smooth ~1 voxel so the threshold sees the object, not single noise spikes.
  const smooth = (opts.blurs ?? new BlurCache(volume)).blur([1, 1, 1]);
  const t1 = otsuThreshold(smooth);
  const firstValues = nonZeroValues(data, atOrBelowMask(smooth, t1));
  if (firstValues.length < MIN_BACKGROUND_VOXELS)
    throw new Error(`only ${firstValues.length} voxels look like background; the object fills the field of view`);
  const sigma0 = rayleighSigma(firstValues, 'median');
  // The smoothed background has mean σ·√(π/2) and a standard deviation well under 0.66σ: 3σ above its mean is
  // far outside the noise yet far below tissue at any usable SNR.
  const t2 = Math.min(t1, sigma0 * (RAYLEIGH_MEAN + 3));
  const object = fillHoles(aboveMask(smooth, t2), dims);
  const margin = opts.marginMm ?? Math.max(8, 3 * Math.max(...spacing));
  const grown = dilate(object, dims, spacing, margin);
  // Exact zeros are padding or masking by the scanner, not noise.
  const bg = not(grown);
  for (let i = 0; i < bg.length; i++) if (data[i] === 0) bg[i] = 0;
  return bg;
}

/** The non-zero values of `data` inside `mask`, in voxel order (one pass to count, one to copy). */
function nonZeroValues(data: ArrayLike<number>, mask: Mask): Float64Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] && data[i] !== 0) n++;
  const out = new Float64Array(n);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i] && data[i] !== 0) out[j++] = data[i];
  return out;
}

/**
 * Rician noise σ of a magnitude image without a reference: Rayleigh statistics of the automatically found
 * background. Falls back to DIPY's local estimator when the object leaves too little background (method says so).
 * Meant for one magnitude acquisition: an average of N repeats has a narrower, non-Rayleigh background (its σ is
 * about σ/√N but this estimator does not model that). Spatially correlated noise (k-space apodisation) keeps its
 * per-voxel Rayleigh marginal, so this estimate holds there too, unlike estimateSigmaLocal.
 */
export function estimateNoiseSigma(volume: Volume, opts: NoiseEstimateOptions = {}): NoiseEstimate {
  const estimator = opts.estimator ?? 'median';
  assertFiniteVolume(volume, 'the image', 'the noise cannot be estimated from non-finite values');
  if (opts.background) assertSameDims(volume, opts.background.length, 'background mask');
  let bg: Mask | null = opts.background ?? null;
  if (!bg) {
    try {
      bg = findBackground(volume, { marginMm: opts.marginMm });
    } catch {
      bg = null;
    }
  }
  const n = bg ? countMask(bg) : 0;
  if (!bg || n < MIN_BACKGROUND_VOXELS) {
    if (opts.background)
      throw new Error(`the background mask has ${n} voxels; at least ${MIN_BACKGROUND_VOXELS} are needed`);
    const sigma = estimateSigmaLocal(volume);
    if (!(sigma > 0)) throw new Error('no noise found: the image is constant (empty, masked or already denoised?)');
    return { sigma, method: 'local-dipy (too little background)', backgroundVoxels: n };
  }
  const sigma = rayleighSigma(maskedValues(volume.data, bg), estimator);
  if (!(sigma > 0))
    throw new Error('the background is constant: no noise to estimate (was the image masked or denoised?)');
  return { sigma, method: `background-rayleigh-${estimator}`, backgroundVoxels: n };
}

export interface SnrEstimate {
  snr: number;
  signalMean: number;
  sigma: number;
}

/**
 * SNR = mean signal over the region / Rician σ. The region is the brain mask when given, otherwise the object
 * (everything clearly above the noise floor, without margin), which includes scalp and tubes.
 */
export function estimateSnr(volume: Volume, brainMask?: Mask, sigma?: number): SnrEstimate {
  if (brainMask) assertSameDims(volume, brainMask.length, 'brain mask');
  const s = sigma ?? estimateNoiseSigma(volume).sigma;
  if (!(s > 0) || !Number.isFinite(s)) throw new Error(`noise sigma must be positive and finite, got ${s}`);
  const region = brainMask ?? objectMask(volume, s);
  const values = maskedValues(volume.data, region);
  if (values.length === 0) throw new Error('the signal region is empty');
  let sum = 0;
  for (const v of values) sum += v;
  const signalMean = sum / values.length;
  return { snr: signalMean / s, signalMean, sigma: s };
}

/** Voxels whose lightly smoothed value is clearly above the Rayleigh noise floor of σ, holes filled. */
export function objectMask(volume: Volume, sigma: number): Mask {
  const smooth = gaussianFilter(volume.data, volume.dims, [1, 1, 1], { mode: 'nearest' });
  const t = sigma * (RAYLEIGH_MEAN + 3);
  return fillHoles(aboveMask(smooth, t), volume.dims);
}

/** Koay & Basser 2006 correction factors for N receiver coils, as tabulated in DIPY (0 = no correction). */
const KOAY_FACTOR: Readonly<Record<number, number>> = {
  0: 1,
  1: 0.42920367320510366,
  4: 0.4834941393603609,
  6: 0.4891759468548269,
  8: 0.49195420135894175,
  12: 0.4946862482541263,
  16: 0.4960339908122364,
  20: 0.4968365823718557,
  24: 0.49736907650825657,
  32: 0.49803177052530145,
  64: 0.49901964176235936,
};

/**
 * DIPY's `estimate_sigma` for one 3D volume: r = √(6/7)·(x − mean of its 6 face neighbours), whose variance is σ²
 * for white noise; σ = √(mean(r²) / factor(N)). Neighbours beyond the edge mirror back (scipy 'reflect').
 * DIPY averages over every voxel by default (its background-masking flag is inverted in the code); `mask` restricts
 * the average. `coils` selects the Koay correction factor (DIPY's N; 0 = none, its default).
 * It assumes white noise: neighbour differences of spatially correlated noise are smaller, so on apodised
 * acquisitions it underestimates σ (by ~15 % on sub-01 of the phantom's default cohort).
 */
export function estimateSigmaLocal(volume: Volume, opts: { coils?: number; mask?: Mask } = {}): number {
  const coils = opts.coils ?? 0;
  const factor = KOAY_FACTOR[coils];
  if (factor === undefined)
    throw new Error(`coils = ${coils} is not supported; choose one of ${Object.keys(KOAY_FACTOR).join(', ')}`);
  if (opts.mask) assertSameDims(volume, opts.mask.length, 'mask');
  const { data, dims } = volume;
  const [nx, ny, nz] = dims;
  const c = Math.sqrt(6 / 7);
  let sum = 0;
  let n = 0;
  for (let k = 0, idx = 0; k < nz; k++) {
    const km = k > 0 ? k - 1 : 0,
      kp = k < nz - 1 ? k + 1 : nz - 1;
    for (let j = 0; j < ny; j++) {
      const jm = j > 0 ? j - 1 : 0,
        jp = j < ny - 1 ? j + 1 : ny - 1;
      for (let i = 0; i < nx; i++, idx++) {
        if (opts.mask && !opts.mask[idx]) continue;
        const im = i > 0 ? i - 1 : 0,
          ip = i < nx - 1 ? i + 1 : nx - 1;
        const row = nx * (j + ny * k);
        const nb =
          data[im + row] +
          data[ip + row] +
          data[i + nx * (jm + ny * k)] +
          data[i + nx * (jp + ny * k)] +
          data[i + nx * (j + ny * km)] +
          data[i + nx * (j + ny * kp)];
        const r = c * (data[idx] - nb / 6);
        sum += r * r;
        n++;
      }
    }
  }
  if (n === 0) throw new Error('estimateSigmaLocal: the mask is empty');
  return Math.sqrt(sum / n / factor);
}

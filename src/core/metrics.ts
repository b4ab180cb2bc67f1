// The seed paper's image-quality metrics: pSNR and 3D SSIM over brain voxels, and relative improvement in percent.
import type { Mask, Volume } from './volume';
import { assertSameDims, voxelCount } from './volume';
import { filterAxis, gaussianKernel1d } from './filters';

export { summarize, type Summary } from './stats';

function checkPair(ref: Volume, img: Volume, mask: Mask | undefined): void {
  if (!ref.dims.every((d, i) => d === img.dims[i])) {
    throw new Error(`reference [${ref.dims.join(', ')}] and image [${img.dims.join(', ')}] differ in dims`);
  }
  if (mask) assertSameDims(ref, mask.length, 'mask');
}

/** max − min of the reference over the mask (whole volume without one). */
export function dataRange(ref: Volume, mask?: Mask): number {
  if (mask) assertSameDims(ref, mask.length, 'mask');
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ref.data.length; i++) {
    if (mask && !mask[i]) continue;
    const v = ref.data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) throw new Error('the mask is empty: no voxels to measure');
  return hi - lo;
}

/**
 * pSNR(Ref, Img) = 10·log10((max Ref − min Ref)² / MSE), max, min and MSE over the mask voxels (all without one),
 * in dB. Identical images give +Infinity.
 */
export function psnr(ref: Volume, img: Volume, mask?: Mask): number {
  checkPair(ref, img, mask);
  const range = dataRange(ref, mask);
  const mse = maskedMse(ref.data, img.data, mask);
  if (!Number.isFinite(mse)) throw new Error('pSNR: the images hold non-finite values');
  return 10 * Math.log10((range * range) / mse);
}

/**
 * Mean squared difference of two equally long arrays over the mask voxels (all without one); NaN for an empty mask.
 * @example maskedMse(denoised.data, truth.data, brain)
 */
export function maskedMse(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask && !mask[i]) continue;
    const d = a[i] - b[i];
    se += d * d;
    n++;
  }
  return se / n;
}

export interface SsimOptions {
  /** Voxels to average the SSIM map over (the whole volume without one). */
  mask?: Mask;
  /** Gaussian window σ in voxels (1.5, Wang et al. 2004); truncated at 3.5σ as scikit-image does. */
  sigma?: number;
  k1?: number;
  k2?: number;
  /** L in C1 = (K1·L)², C2 = (K2·L)²; default max − min of the reference over the mask. */
  dataRange?: number;
  /** Also return the SSIM map over the whole grid. */
  full?: boolean;
}

export interface SsimResult {
  mean: number;
  map?: Float32Array;
}

/**
 * 3D SSIM with Gaussian-weighted local statistics, equal to scikit-image's
 * structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=L) map
 * (mirror-symmetric boundaries, population covariance), then averaged over the mask voxels instead of skimage's
 * border-cropped mean, as the paper averages over brain voxels.
 */
export function ssim3d(ref: Volume, img: Volume, opts: SsimOptions = {}): SsimResult {
  checkPair(ref, img, opts.mask);
  const sigma = opts.sigma ?? 1.5;
  const k1 = opts.k1 ?? 0.01;
  const k2 = opts.k2 ?? 0.03;
  const L = opts.dataRange ?? dataRange(ref, opts.mask);
  if (!(L > 0) || !Number.isFinite(L))
    throw new Error(
      `SSIM data range must be positive and finite, got ${L} (is the reference constant inside the mask?)`,
    );
  const dims = ref.dims;
  const n = voxelCount(dims);
  const kernel = gaussianKernel1d(sigma, 3.5);
  const blur = (a: Float64Array): Float64Array => {
    let cur = a;
    for (const axis of [0, 1, 2] as const) cur = filterAxis(cur, dims, axis, kernel, 'reflect');
    return cur;
  };
  const x = Float64Array.from(ref.data);
  const y = Float64Array.from(img.data);
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const ux = blur(x);
  const uy = blur(y);
  const uxx = blur(xx);
  const uyy = blur(yy);
  const uxy = blur(xy);
  const c1 = (k1 * L) ** 2;
  const c2 = (k2 * L) ** 2;
  const map = opts.full ? new Float32Array(n) : undefined;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const mx = ux[i];
    const my = uy[i];
    const vx = uxx[i] - mx * mx;
    const vy = uyy[i] - my * my;
    const vxy = uxy[i] - mx * my;
    const s = ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
    if (map) map[i] = s;
    if (opts.mask && !opts.mask[i]) continue;
    sum += s;
    count++;
  }
  if (count === 0) throw new Error('the mask is empty: no voxels to measure');
  return map ? { mean: sum / count, map } : { mean: sum / count };
}

/** Relative improvement of a metric in percent: 100 · (after − before) / |before|. */
export function relativeImprovement(before: number, after: number): number {
  if (!Number.isFinite(before) || !Number.isFinite(after))
    throw new Error(`relative improvement needs finite values, got ${before} → ${after}`);
  if (before === 0) throw new Error('relative improvement from 0 is undefined');
  return (100 * (after - before)) / Math.abs(before);
}

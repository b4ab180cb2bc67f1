// The acquisition regime of a magnitude image, from the image alone: noise σ, brain SNR, the noise's spatial
// correlation, voxel size and matrix — what decides whether a learned denoiser is on familiar ground.
import { backgroundOf, brainMaskSteps, type BrainMaskSteps, type KnownBackground } from './brain-mask';
import { andNot, dilate } from './mask';
import { estimateNoiseSigma } from './noise';
import type { Mask, Vec3, Volume } from './volume';
import type { AxisCorrelations } from './whitening';

export interface RegimeEstimate {
  /** Rician σ of the noise per complex channel (background Rayleigh estimate). */
  sigma: number;
  /** Mean magnitude over the automatic brain mask ÷ σ; null when no brain was found. */
  brainSnr: number | null;
  /**
   * Lag-1 correlation of the complex noise along x, y, z (0: white; ≈ 0.63 after a Hamming k-space window), from the
   * autocorrelation of the background's Rayleigh magnitudes; null when the background is too small to tell.
   */
  noiseCorrelation: Vec3 | null;
  voxelSizeMm: Vec3;
  matrix: Vec3;
}

/** Fewer background voxel pairs than this along an axis and the correlation is not reported. */
const MIN_PAIRS = 2000;
/** Margin (mm) kept between the background used for the correlation and anything above the noise floor. */
const OBJECT_MARGIN_MM = 8;

/** Complete elliptic integrals K(k) and E(k) (modulus k) by the arithmetic–geometric mean. */
function ellipticKE(k: number): { K: number; E: number } {
  let a = 1,
    b = Math.sqrt(1 - k * k),
    c = k,
    sum = 0.5 * c * c,
    pow = 0.5;
  for (let i = 0; i < 30 && Math.abs(c) > 1e-15; i++) {
    const an = (a + b) / 2;
    c = (a - b) / 2;
    b = Math.sqrt(a * b);
    a = an;
    pow *= 2;
    sum += pow * c * c;
  }
  const K = Math.PI / (2 * a);
  return { K, E: K * (1 - sum) };
}

/**
 * Correlation of two Rayleigh magnitudes whose complex Gaussians correlate by ρ:
 * [E(ρ) − (1 − ρ²)K(ρ)/2 − π/4] / (1 − π/4) (≈ 0.92 ρ²), increasing from 0 at ρ = 0 to 1 at ρ = 1.
 */
export function rayleighEnvelopeCorrelation(rho: number): number {
  const k = Math.min(Math.abs(rho), 1 - 1e-12);
  const { K, E } = ellipticKE(k);
  return (E - ((1 - k * k) * K) / 2 - Math.PI / 4) / (1 - Math.PI / 4);
}

/** ρ of the complex noise from the correlation of its magnitudes (bisection on the formula above); ≤ 0 → 0. */
export function complexCorrelationFromEnvelope(r: number): number {
  if (!(r > 0)) return 0;
  if (r >= 1) return 1;
  let lo = 0,
    hi = 1;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (rayleighEnvelopeCorrelation(mid) < r) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Pearson correlation of `data` at `lag` voxels along one axis over pairs with both voxels in `mask`, and the pairs. */
function lagCorrelation(
  data: Float32Array,
  dims: Vec3,
  mask: Mask,
  axis: 0 | 1 | 2,
  lag: number,
): { r: number | null; pairs: number } {
  const [nx, ny, nz] = dims;
  const step = (axis === 0 ? 1 : axis === 1 ? nx : nx * ny) * lag;
  let n = 0,
    sa = 0,
    sb = 0,
    saa = 0,
    sbb = 0,
    sab = 0;
  for (let k = 0, idx = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        const along = axis === 0 ? i : axis === 1 ? j : k;
        if (along + lag >= dims[axis] || !mask[idx] || !mask[idx + step]) continue;
        const a = data[idx],
          b = data[idx + step];
        n++;
        sa += a;
        sb += b;
        saa += a * a;
        sbb += b * b;
        sab += a * b;
      }
  if (n === 0) return { r: null, pairs: 0 };
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return { r: va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : null, pairs: n };
}

/** Lag-1 correlation along one axis; null if too few pairs. */
function lag1Correlation(data: Float32Array, dims: Vec3, mask: Mask, axis: 0 | 1 | 2): number | null {
  const { r, pairs } = lagCorrelation(data, dims, mask, axis, 1);
  return pairs < MIN_PAIRS ? null : r;
}

/**
 * The background where only noise is: `background` less everything within 8 mm of `head` (a neck cut by the field of
 * view would otherwise pass its smooth signal off as correlated noise). Read only.
 */
function farBackground(volume: Volume, background: KnownBackground | undefined, head: Mask | null): Mask {
  const bg = backgroundOf(volume, background);
  return head ? andNot(bg, dilate(head, volume.dims, volume.spacing, OBJECT_MARGIN_MM)) : bg;
}

/** P(f) = 1 + 2 Σ r_k cos(2πfk) over 0…½ cycle/voxel: its negative area (a power spectrum is never negative). */
function negativeSpectrumArea(r: Float64Array): number {
  let area = 0;
  for (let j = 0; j <= 128; j++) {
    let p = 1;
    for (let k = 1; k < r.length; k++) p += 2 * r[k] * Math.cos((Math.PI * j * k) / 128);
    if (p < 0) area -= p;
  }
  return area;
}

/**
 * The complex noise's correlation per axis at lags 0…maxLag from ONE magnitude image: the far background's Rayleigh
 * magnitudes correlate by ≈ 0.92ρ² (rayleighEnvelopeCorrelation), which gives |ρ| but not its sign. Lags within 3
 * standard errors of 0 are 0; the signs are those whose spectrum has the least negative area, with the first odd lag
 * positive (a reconstruction's k-space window or zero-filling is a low-pass; flipping every odd lag mirrors the
 * spectrum and leaves the area as it is). Null when the background is too small to tell (as the regime's).
 * @example const r = noiseCorrelationsFromBackground(acq, { background, head }, 8); // r[0][1] ≈ 0.63 (Hamming)
 */
export function noiseCorrelationsFromBackground(
  volume: Volume,
  opts: { background?: KnownBackground; head?: Mask | null },
  maxLag: number,
): AxisCorrelations | null {
  if (!(Number.isInteger(maxLag) && maxLag >= 1 && maxLag <= 16))
    throw new Error(`maxLag must be an integer in [1, 16], got ${maxLag}`);
  let bg: Mask;
  try {
    bg = farBackground(volume, opts.background, opts.head ?? null);
  } catch {
    return null; // no background
  }
  const axes: Float64Array[] = [];
  for (const axis of [0, 1, 2] as const) {
    const mag = new Float64Array(maxLag + 1);
    mag[0] = 1;
    for (let lag = 1; lag <= maxLag; lag++) {
      const { r, pairs } = lagCorrelation(volume.data, volume.dims, bg, axis, lag);
      if (lag === 1 && (pairs < MIN_PAIRS || r === null)) return null; // too little background, or no noise in it
      mag[lag] = r !== null && pairs > 0 && r > 3 / Math.sqrt(pairs) ? complexCorrelationFromEnvelope(r) : 0;
    }
    const firstOdd = [...mag.keys()].find((k) => k % 2 === 1 && mag[k] > 0);
    const free = [...mag.keys()].filter((k) => k > 0 && mag[k] > 0 && k !== firstOdd);
    let best = Float64Array.from(mag);
    let bestArea = negativeSpectrumArea(best);
    // At most 2^(maxLag − 1) sign patterns (128 at the product's 8 lags).
    for (let bits = 1; bits < 1 << free.length; bits++) {
      const r = Float64Array.from(mag);
      free.forEach((k, b) => {
        if (bits & (1 << b)) r[k] = -r[k];
      });
      const area = negativeSpectrumArea(r);
      if (area < bestArea - 1e-9) {
        best = r;
        bestArea = area;
      }
    }
    axes.push(best);
  }
  return axes as AxisCorrelations;
}

/** What estimateRegime may be given instead of computing it (a caller that has them already: the denoise job). */
export interface RegimeInputs {
  /** The user's brain mask (brain SNR is read there). */
  brainMask?: Mask;
  /** estimateNoiseSigma(volume).sigma. */
  noiseSigma?: number;
  /** brainMaskSteps(volume, { noiseSigma }), or null when it found no brain. */
  steps?: BrainMaskSteps | null;
  /** findBackground(volume), or null when it found none. */
  background?: KnownBackground;
}

/**
 * Estimates the regime of a single magnitude acquisition. The noise correlation is read only where nothing but
 * noise is: the automatic background without anything within 8 mm of the head or of any other object (a neck cut
 * by the field of view would otherwise pass its smooth signal off as correlated noise).
 *
 * @example const { sigma, brainSnr, noiseCorrelation } = estimateRegime(acquisition);
 */
export function estimateRegime(volume: Volume, opts: RegimeInputs = {}): RegimeEstimate {
  const sigma = opts.noiseSigma ?? estimateNoiseSigma(volume).sigma;
  let brain: Mask | null = opts.brainMask ?? null;
  let head: Mask | null = null;
  try {
    const steps = opts.steps ?? brainMaskSteps(volume, { noiseSigma: sigma, background: opts.background });
    if (steps === null) throw new Error('no brain');
    head = steps.head;
    brain ??= steps.mask;
  } catch {
    // No head or brain to be found: SNR unknown, the correlation is still read from the background.
  }
  let brainSnr: number | null = null;
  if (brain) {
    let sum = 0,
      n = 0;
    for (let i = 0; i < brain.length; i++)
      if (brain[i]) {
        sum += volume.data[i];
        n++;
      }
    if (n > 0) brainSnr = sum / n / sigma;
  }
  let noiseCorrelation: Vec3 | null = null;
  try {
    const bg = farBackground(volume, opts.background, head);
    const r = ([0, 1, 2] as const).map((a) => lag1Correlation(volume.data, volume.dims, bg, a));
    if (r.every((x) => x !== null))
      noiseCorrelation = r.map((x) => complexCorrelationFromEnvelope(x as number)) as Vec3;
  } catch {
    // No background: correlation unknown.
  }
  return {
    sigma,
    brainSnr,
    noiseCorrelation,
    voxelSizeMm: [...volume.spacing] as Vec3,
    matrix: [...volume.dims] as Vec3,
  };
}

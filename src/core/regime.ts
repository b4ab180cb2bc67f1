// The acquisition regime of a magnitude image, from the image alone: noise σ, brain SNR, the noise's spatial
// correlation, voxel size and matrix — what decides whether a learned denoiser is on familiar ground.
import { backgroundOf, brainMaskSteps, type BrainMaskSteps, type KnownBackground } from './brain-mask';
import { dilate, not } from './mask';
import { estimateNoiseSigma } from './noise';
import type { Mask, Vec3, Volume } from './volume';

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

/** Lag-1 Pearson correlation of `data` along one axis over pairs with both voxels in `mask`; null if too few pairs. */
function lag1Correlation(data: Float32Array, dims: Vec3, mask: Mask, axis: 0 | 1 | 2): number | null {
  const [nx, ny, nz] = dims;
  const step = axis === 0 ? 1 : axis === 1 ? nx : nx * ny;
  let n = 0,
    sa = 0,
    sb = 0,
    saa = 0,
    sbb = 0,
    sab = 0;
  for (let k = 0, idx = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        const last = axis === 0 ? i === nx - 1 : axis === 1 ? j === ny - 1 : k === nz - 1;
        if (last || !mask[idx] || !mask[idx + step]) continue;
        const a = data[idx],
          b = data[idx + step];
        n++;
        sa += a;
        sb += b;
        saa += a * a;
        sbb += b * b;
        sab += a * b;
      }
  if (n < MIN_PAIRS) return null;
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : null;
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
    const bg = new Uint8Array(backgroundOf(volume, opts.background)); // a copy: narrowed below
    if (head) {
      const near = dilate(head, volume.dims, volume.spacing, OBJECT_MARGIN_MM);
      const far = not(near);
      for (let i = 0; i < bg.length; i++) bg[i] &= far[i];
    }
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

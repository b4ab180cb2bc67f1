// Prewhitening for spatially correlated noise. On a scanner whose reconstruction applies a k-space window H (the
// 'apodised' case), noise and signal pass the same window: x = H ∗ (s + n). A study's repeats hold pure noise in their
// residuals (aᵢ − mean of the repeats: the signal cancels), so the noise power spectrum P ∝ |H|² can be measured from
// the study itself, never from the scanner's settings. Assumed separable, P(f) = Px(fx)·Py(fy)·Pz(fz): a scanner's
// window is applied per k-space axis. Then W = 1/max(|H|, floor)^s whitens (s = 1: fully) and G = |H|^s re-colours to
// the acquisition's resolution, G·W = 1 wherever |H| ≥ floor. Both are short zero-phase FIR kernels applied per axis
// with mirrored borders, so any matrix size works (no FFT).
import { filterAxis } from './filters';
import { cos, max, sqrt } from './math';
import { type Mask, type Volume, volumeLike } from './volume';

/** Normalised noise autocorrelation per axis (x, y, z): r[0] = 1, r[k] at a lag of k voxels. */
export type AxisCorrelations = [Float64Array, Float64Array, Float64Array];

/** One zero-phase FIR kernel per axis (x, y, z), odd length, centre tap in the middle. */
export type AxisKernels = [Float64Array, Float64Array, Float64Array];

/**
 * Autocorrelation of the repeats' noise along each axis, from the residuals aᵢ − mean (the signal cancels; the noise
 * keeps its spatial structure, scaled by 1 − 1/n), over voxel pairs that both lie in `mask`. Use a mask where the
 * signal is well above the noise (the brain): there magnitude noise is close to Gaussian, while in the background
 * (Rayleigh) the correlation of magnitudes is weaker than that of the complex noise.
 * @example const r = noiseAxisCorrelations([a1, a2, a3], brain, 6); // r[0][1] ≈ 0.62 for Hamming-apodised noise
 */
export function noiseAxisCorrelations(acquisitions: readonly Volume[], mask: Mask, maxLag: number): AxisCorrelations {
  if (acquisitions.length < 2) throw new Error('the noise spectrum needs at least 2 repeated acquisitions');
  if (!Number.isInteger(maxLag) || maxLag < 1) throw new Error(`maximum lag must be an integer ≥ 1, got ${maxLag}`);
  const [nx, ny, nz] = acquisitions[0].dims;
  const n = nx * ny * nz;
  if (mask.length !== n) throw new Error(`the mask has ${mask.length} voxels, the acquisitions ${n}`);
  for (const [i, a] of acquisitions.entries())
    if (a.data.length !== n) throw new Error(`acquisition ${i + 1} is not on acquisition 1's grid`);
  const residuals = acquisitions.map(() => new Float64Array(n));
  for (let v = 0; v < n; v++) {
    if (!mask[v]) continue;
    let s = 0;
    for (const a of acquisitions) s += a.data[v];
    const m = s / acquisitions.length;
    for (let i = 0; i < acquisitions.length; i++) residuals[i][v] = acquisitions[i].data[v] - m;
  }
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  return [0, 1, 2].map((axis) => {
    const c = new Float64Array(maxLag + 1);
    const stride = strides[axis];
    for (let lag = 0; lag <= maxLag; lag++) {
      let sum = 0;
      let count = 0;
      for (let z = 0, v = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++, v++) {
            const along = axis === 0 ? x : axis === 1 ? y : z;
            if (along + lag >= sizes[axis] || !mask[v] || !mask[v + lag * stride]) continue;
            for (const r of residuals) sum += r[v] * r[v + lag * stride];
            count++;
          }
      c[lag] = count > 0 ? sum / count : 0;
    }
    if (!(c[0] > 0)) throw new Error('the repeats do not differ inside the mask: no noise to measure');
    return c.map((x) => x / c[0]);
  }) as AxisCorrelations;
}

/** Frequencies (cycles per voxel) the kernels are designed on: 0…0.5 in `steps` steps. */
function frequencyGrid(steps = 256): Float64Array {
  return Float64Array.from({ length: steps + 1 }, (_, j) => (0.5 * j) / steps);
}

/**
 * The window's magnitude |H(f)| = √(P(f)/P(0)) at `freqs` (cycles per voxel), P(f) = r₀ + 2 Σₖ rₖ cos(2πfk) from the
 * measured lags (floored at 10⁻⁶·P(0), so a noisy estimate never goes negative).
 */
export function windowMagnitude(r: Float64Array, freqs: ArrayLike<number>): Float64Array {
  const p = (f: number) => {
    let s = r[0];
    for (let k = 1; k < r.length; k++) s += 2 * r[k] * cos(2 * Math.PI * f * k);
    return s;
  };
  const p0 = p(0);
  if (!(p0 > 0)) throw new Error('the noise spectrum has no power at zero frequency');
  return Float64Array.from(freqs, (f) => sqrt(max(p(f), 1e-6 * p0) / p0));
}

/** Zero-phase FIR taps (length 2·radius + 1) of a real even response sampled on 0…0.5, scaled to DC gain response[0]. */
function firFromResponse(freqs: Float64Array, response: Float64Array, radius: number): Float64Array {
  const taps = new Float64Array(2 * radius + 1);
  const df = freqs[1] - freqs[0];
  for (let k = 0; k <= radius; k++) {
    let s = 0;
    for (let j = 0; j < freqs.length; j++) {
      const trapezoid = j === 0 || j === freqs.length - 1 ? 0.5 : 1;
      s += trapezoid * response[j] * cos(2 * Math.PI * freqs[j] * k);
    }
    taps[radius + k] = taps[radius - k] = 2 * s * df;
  }
  let sum = 0;
  for (const t of taps) sum += t;
  return taps.map((t) => (t * response[0]) / sum);
}

export interface WhiteningOptions {
  /** Floor on |H| (a fraction of |H(0)|) where W stops amplifying: 1/floor is W's largest gain. Default 0.25. */
  floor?: number;
  /** 1: whiten fully; 0.5: halfway (W = |H|^-0.5, G = |H|^0.5). Default 1. */
  strength?: number;
  /** Kernel radius in voxels (2·radius + 1 taps). Default 8. */
  radius?: number;
}

export interface WhiteningFilters {
  whiten: AxisKernels;
  recolour: AxisKernels;
  floor: number;
  strength: number;
}

/**
 * Whitening and re-colouring kernels from the measured axis correlations (see the module comment).
 * @example const f = whiteningFilters(noiseAxisCorrelations(repeats, brain, 6), { strength: 0.5 });
 *          const out = filterSeparable(denoise(filterSeparable(acq, f.whiten)), f.recolour);
 */
export function whiteningFilters(r: AxisCorrelations, opts: WhiteningOptions = {}): WhiteningFilters {
  const floor = opts.floor ?? 0.25;
  const strength = opts.strength ?? 1;
  const radius = opts.radius ?? 8;
  if (!(floor > 0 && floor <= 1)) throw new Error(`the floor on |H| must be in (0, 1], got ${floor}`);
  if (!(strength > 0 && strength <= 1)) throw new Error(`the whitening strength must be in (0, 1], got ${strength}`);
  if (!Number.isInteger(radius) || radius < 1) throw new Error(`kernel radius must be an integer ≥ 1, got ${radius}`);
  const freqs = frequencyGrid();
  const whiten: Float64Array[] = [];
  const recolour: Float64Array[] = [];
  for (const ra of r) {
    const h = windowMagnitude(ra, freqs);
    whiten.push(
      firFromResponse(
        freqs,
        h.map((x) => max(x, floor) ** -strength),
        radius,
      ),
    );
    recolour.push(
      firFromResponse(
        freqs,
        h.map((x) => x ** strength),
        radius,
      ),
    );
  }
  return { whiten: whiten as AxisKernels, recolour: recolour as AxisKernels, floor, strength };
}

/** The volume filtered by one kernel per axis (mirrored borders): a new volume, the input untouched. */
export function filterSeparable(volume: Volume, kernels: AxisKernels): Volume {
  let data: Float64Array = Float64Array.from(volume.data);
  for (const axis of [0, 1, 2] as const) data = filterAxis(data, volume.dims, axis, kernels[axis], 'reflect', data);
  return volumeLike(volume, Float32Array.from(data));
}

/**
 * Whitening as a model card stores it: the measured correlations and the design options, from which
 * `whiteningFromSpec` rebuilds the same kernels on every runner (CLI, workers, the viewer).
 */
export interface WhiteningSpec {
  /** Noise autocorrelation along x, y, z at lags 0…L (r[0] = 1), measured on a study's repeats. */
  correlations: [number[], number[], number[]];
  floor: number;
  strength: number;
  radius: number;
}

/** The largest kernel radius a spec may ask for (a kernel reads 2·radius + 1 voxels per axis). */
export const MAX_WHITENING_RADIUS = 16;
/** The smallest floor on |H| a spec may ask for: W's gain stays ≤ 100. */
export const MIN_WHITENING_FLOOR = 0.01;

/** The kernels a spec describes (validated first). */
export function whiteningFromSpec(spec: WhiteningSpec): WhiteningFilters {
  validateWhiteningSpec(spec);
  const r = spec.correlations.map((c) => Float64Array.from(c)) as AxisCorrelations;
  return whiteningFilters(r, { floor: spec.floor, strength: spec.strength, radius: spec.radius });
}

/** Throws a one-line error naming the field when `spec` (e.g. parsed JSON) is not a usable WhiteningSpec. */
export function validateWhiteningSpec(spec: unknown): asserts spec is WhiteningSpec {
  if (!spec || typeof spec !== 'object') throw new Error('whitening must be an object');
  const s = spec as Partial<WhiteningSpec>;
  const c = s.correlations;
  if (!Array.isArray(c) || c.length !== 3)
    throw new Error('whitening.correlations must hold one array per axis (x, y, z)');
  for (const [axis, r] of c.entries()) {
    if (
      !Array.isArray(r) ||
      r.length < 2 ||
      r.length > 33 ||
      r[0] !== 1 ||
      !r.every((x) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= 1)
    )
      throw new Error(
        `whitening.correlations[${axis}] must be 2–33 lags with r[0] = 1 and every |r| ≤ 1, got ${JSON.stringify(r)?.slice(0, 80)}`,
      );
  }
  // W's largest gain is 1/floor^strength: a floor near 0 from a hostile card would blow the input up to Infinity.
  if (!(typeof s.floor === 'number' && s.floor >= MIN_WHITENING_FLOOR && s.floor <= 1))
    throw new Error(`whitening.floor must be in [${MIN_WHITENING_FLOOR}, 1], got ${JSON.stringify(s.floor)}`);
  if (!(typeof s.strength === 'number' && s.strength > 0 && s.strength <= 1))
    throw new Error(`whitening.strength must be in (0, 1], got ${JSON.stringify(s.strength)}`);
  if (!(Number.isInteger(s.radius) && s.radius! >= 1 && s.radius! <= MAX_WHITENING_RADIUS))
    throw new Error(
      `whitening.radius must be an integer in 1…${MAX_WHITENING_RADIUS}, got ${JSON.stringify(s.radius)}`,
    );
}

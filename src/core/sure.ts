// Stein's unbiased risk estimate (SURE) of a denoiser's error without the truth, and the SURE-optimal blend of two
// denoisers. For y = x + n with Gaussian n of covariance C and a denoiser f, over a set M of voxels
//   E‖(f(y) − x)_M‖² = E‖(y − f(y))_M‖² − tr(C_M) + 2·E tr_M(J_f C)
// (J_f the Jacobian). The last term is estimated by Monte Carlo (Ramani, Blu & Unser 2008): for a probe b ~ N(0, C),
// b_Mᵀ(f(y + εb) − f(y))_M / ε, one extra run of f per probe. A blend f_α = f_A + α(f_B − f_A) is linear in α given
// both outputs, so its SURE is a quadratic in α: the α that minimises it needs no further run (SURE-LET's idea).
import { Xoshiro128, splitmix32Words } from './random';
import { type Mask, type Volume, volumeLike } from './volume';
import { type AxisCorrelations, type AxisKernels, filterSeparable, whiteningFilters } from './whitening';

/** One denoiser's output on the input and its Monte-Carlo divergence term. */
export interface SureRun {
  output: ArrayLike<number>;
  /** Estimate of tr_M(J_f C): b_Mᵀ(f(y + εb) − f(y))_M / ε (see mcDivergence). */
  divergence: number;
}

/**
 * Monte-Carlo estimate of tr_M(J_f C) from one probe b ~ N(0, C) (not scaled by ε) and the denoiser's outputs on y and
 * on y + ε·b, summed over `mask`.
 * @example const div = mcDivergence(probe, f(y), f(y + 0.05·probe), 0.05, brain);
 */
export function mcDivergence(
  probe: ArrayLike<number>,
  output: ArrayLike<number>,
  perturbed: ArrayLike<number>,
  epsilon: number,
  mask: Mask,
): number {
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new Error(`the probe step ε must be > 0, got ${epsilon}`);
  checkLengths(mask.length, [probe, output, perturbed], ['probe', 'output', 'perturbed output']);
  let s = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) s += probe[i] * (perturbed[i] - output[i]);
  return s / epsilon;
}

/**
 * SURE of one denoiser: the estimated mean squared error per voxel of `run.output` against the unknown truth, over
 * `mask`, for noise of per-voxel variance `noiseVariance` (tr(C_M) = |M|·variance).
 * @example const mse = sureMse(y, { output: nlm, divergence }, brain, sigma ** 2);
 */
export function sureMse(input: ArrayLike<number>, run: SureRun, mask: Mask, noiseVariance: number): number {
  checkLengths(mask.length, [input, run.output], ['input', 'output']);
  let sse = 0,
    n = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      const r = input[i] - run.output[i];
      sse += r * r;
      n++;
    }
  if (n === 0) throw new Error('SURE needs a non-empty mask');
  return (sse - n * noiseVariance + 2 * run.divergence) / n;
}

export interface SureBlend {
  /** Weight of B in f_A + α(f_B − f_A), in [0, 1]. */
  alpha: number;
  /** SURE (mean squared error per voxel) of A (α = 0), B (α = 1) and the chosen blend. */
  sureA: number;
  sureB: number;
  sureBlend: number;
  /** Voxels in the mask. */
  voxels: number;
}

/**
 * The α ∈ [0, 1] that minimises the SURE of f_A + α(f_B − f_A) over `mask`: the quadratic
 * SURE(α) = ‖r_A − αd‖² − tr(C_M) + 2(div_A + α(div_B − div_A)), with r_A = y − f_A and d = f_B − f_A, so
 * α* = (⟨r_A, d⟩ − (div_B − div_A)) / ‖d‖², clipped to [0, 1] (A when the outputs agree everywhere).
 * @example const { alpha } = sureBlendWeight(y, da, nlm, brain, sigma ** 2); // out = da + alpha·(nlm − da)
 */
export function sureBlendWeight(
  input: ArrayLike<number>,
  a: SureRun,
  b: SureRun,
  mask: Mask,
  noiseVariance: number,
): SureBlend {
  checkLengths(mask.length, [input, a.output, b.output], ['input', 'output A', 'output B']);
  if (!(noiseVariance >= 0 && Number.isFinite(noiseVariance)))
    throw new Error(`the noise variance must be finite and ≥ 0, got ${noiseVariance}`);
  let rr = 0,
    rd = 0,
    dd = 0,
    n = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      const r = input[i] - a.output[i];
      const d = b.output[i] - a.output[i];
      rr += r * r;
      rd += r * d;
      dd += d * d;
      n++;
    }
  if (n === 0) throw new Error('SURE needs a non-empty mask');
  const trace = n * noiseVariance;
  const sure = (alpha: number) =>
    (rr - 2 * alpha * rd + alpha * alpha * dd - trace + 2 * (a.divergence + alpha * (b.divergence - a.divergence))) / n;
  const raw = dd > 0 ? (rd - (b.divergence - a.divergence)) / dd : 0;
  const alpha = Math.min(1, Math.max(0, raw));
  return { alpha, sureA: sure(0), sureB: sure(1), sureBlend: sure(alpha), voxels: n };
}

function checkLengths(n: number, arrays: ArrayLike<number>[], names: string[]): void {
  for (const [i, a] of arrays.entries())
    if (a.length !== n) throw new Error(`the ${names[i]} has ${a.length} voxels, the mask ${n}`);
}

/** Reach of the probe's colouring kernels, voxels (the correlations are measured to lag 8). */
const COLOURING_RADIUS = 12;

/** True when no lag beyond 0 correlates on any axis. */
export function isWhite(r: AxisCorrelations): boolean {
  return r.every((axis) => axis.every((x, k) => k === 0 || x === 0));
}

/**
 * A Monte-Carlo probe b ~ N(0, σ²·C) on the volume's grid: white normals from `seed` (the same input and seed give the
 * same probe, so a run is reproducible), coloured per axis to the correlations `r` (null or white: none) by kernels
 * with |G| = √(P/P(0)) scaled to unit energy, so each voxel keeps variance σ².
 * @example const b = sureProbe(acq, sigma, noiseCorrelationsFromBackground(acq, { background, head }, 8), 1);
 */
export function sureProbe(like: Volume, sigma: number, r: AxisCorrelations | null, seed: number): Float32Array {
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new Error(`the probe's σ must be > 0, got ${sigma}`);
  const rng = new Xoshiro128(splitmix32Words(seed >>> 0));
  const white = new Float32Array(like.data.length);
  for (let i = 0; i < white.length; i++) white[i] = rng.normal();
  const coloured = r && !isWhite(r) ? filterSeparable(volumeLike(like, white), colouringKernels(r)).data : white;
  for (let i = 0; i < coloured.length; i++) coloured[i] *= sigma;
  return coloured;
}

/** Colouring kernels with |G| = √(P/P(0)) per axis, scaled to unit energy (a unit-variance probe per voxel). */
function colouringKernels(r: AxisCorrelations): AxisKernels {
  const g = whiteningFilters(r, { strength: 1, radius: COLOURING_RADIUS, floor: 1 }).recolour;
  return g.map((taps) => {
    const e = Math.sqrt(taps.reduce((s, t) => s + t * t, 0));
    return taps.map((t) => t / e);
  }) as AxisKernels;
}

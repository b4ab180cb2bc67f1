// A convex blend of two denoisers' outputs, out = a + w·(b − a), and its weight fitted by least squares against labels.
// Two denoisers whose errors are not identical (the DA's 5³ receptive field and NLM's 11³ search read different
// evidence) blend to a smaller error than either; with labels whose noise is independent of both outputs (the mean of
// the other repeats), the fitted weight is unbiased for the weight against the noise-free image.
import type { Mask } from './volume';

/** The least-squares weight and what it leaves. */
export interface BlendFit {
  /** w in [0, 1]: 0 keeps `a`, 1 takes `b`. */
  weight: number;
  /** Mean squared difference from the labels of `a`, of `b` and of the blend, over the voxels fitted. */
  mseA: number;
  mseB: number;
  mseBlend: number;
  voxels: number;
}

/**
 * The weight w in [0, 1] minimising Σ (a + w·(b − a) − label)² over `mask`, pooled over the pairs of outputs given
 * (e.g. one per acquisition, each with its own label).
 * @example const fit = fitBlendWeight([daOut], [nlmOut], [meanOfOthers], heldOutBrain); // fit.weight ≈ 0.7
 */
export function fitBlendWeight(
  a: readonly Float32Array[],
  b: readonly Float32Array[],
  labels: readonly Float32Array[],
  mask: Mask,
): BlendFit {
  if (a.length === 0 || a.length !== b.length || a.length !== labels.length)
    throw new Error('a blend fit needs the same number (≥ 1) of outputs of each method and labels');
  for (const arr of [...a, ...b, ...labels])
    if (arr.length !== mask.length) throw new Error('every output and label must be on the mask grid');
  let cross = 0;
  let spread = 0;
  let sa = 0;
  let sb = 0;
  let voxels = 0;
  for (let k = 0; k < a.length; k++) {
    const [ak, bk, lk] = [a[k], b[k], labels[k]];
    for (let v = 0; v < mask.length; v++) {
      if (!mask[v]) continue;
      const d = bk[v] - ak[v];
      const r = lk[v] - ak[v];
      cross += d * r;
      spread += d * d;
      sa += r * r;
      sb += (lk[v] - bk[v]) ** 2;
      voxels++;
    }
  }
  if (voxels === 0) throw new Error('a blend fit needs at least one voxel in the mask');
  const weight = spread > 0 ? Math.min(1, Math.max(0, cross / spread)) : 0;
  // ‖a + w·d − l‖² = ‖r‖² − 2w·d·r + w²‖d‖², with r = l − a.
  const mseBlend = (sa - 2 * weight * cross + weight * weight * spread) / voxels;
  return { weight, mseA: sa / voxels, mseB: sb / voxels, mseBlend: Math.max(0, mseBlend), voxels };
}

/**
 * a + w·(b − a) on the mask (every voxel without one); a new array, inputs untouched. Outside the mask: `a`.
 * @example const out = blendOutputs(da.data, nlm.data, 0.7, region);
 */
export function blendOutputs(a: Float32Array, b: Float32Array, weight: number, mask?: Mask): Float32Array {
  if (!(Number.isFinite(weight) && weight >= 0 && weight <= 1))
    throw new Error(`a blend weight must be a number in [0, 1], got ${weight}`);
  if (a.length !== b.length || (mask && mask.length !== a.length))
    throw new Error('blended outputs (and the mask) must be on one grid');
  const out = Float32Array.from(a);
  for (let v = 0; v < out.length; v++) if (!mask || mask[v]) out[v] = a[v] + weight * (b[v] - a[v]);
  return out;
}

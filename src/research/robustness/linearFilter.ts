// The best linear 5×5×5 filter for a regime: least squares from one acquisition's 5³ patches (+ a bias) to the
// noise-free centre voxel, fitted on a subject of that regime and applied to another. It bounds what any 5³ filter
// trained on that regime can do linearly, so a DA below it is limited by its training, not by its window.
import type { Mask, Volume } from '../../core/volume';
import { volumeLike } from '../../core/volume';
import { PATCH_VOXELS } from '../../model/da/architecture';
import { extractPatches } from '../../model/da/patches';

const TAPS = PATCH_VOXELS + 1; // 125 weights and a bias
/** Patches per fit: plenty for 126 unknowns, cheap enough for a matrix of cells. */
const MAX_FIT_PATCHES = 60000;
/** Ridge added to the normal equations' diagonal (relative to its mean): keeps them positive definite. */
const RIDGE = 1e-6;

export interface LinearFilter {
  /** 125 weights in the patch layout of extractPatches, then the bias (image units). */
  weights: Float64Array;
  patches: number;
}

/** Every `step`-th voxel of the mask, so a fit samples the whole brain evenly. */
function sampleCentres(mask: Mask, max: number): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  if (n === 0) throw new Error('linear filter: the mask is empty');
  const step = Math.max(1, Math.ceil(n / max));
  const out: number[] = [];
  for (let i = 0, seen = 0; i < mask.length; i++) if (mask[i] && seen++ % step === 0) out.push(i);
  return Int32Array.from(out);
}

/** Fits the filter: inputs' patches at mask voxels → target's centre values (several inputs: pooled). */
export function fitLinearFilter(inputs: readonly Volume[], target: Volume, mask: Mask): LinearFilter {
  const ata = new Float64Array(TAPS * TAPS);
  const atb = new Float64Array(TAPS);
  const centres = sampleCentres(mask, Math.ceil(MAX_FIT_PATCHES / inputs.length));
  const patches = new Float32Array(centres.length * PATCH_VOXELS);
  const row = new Float64Array(TAPS);
  for (const input of inputs) {
    extractPatches(input.data, input.dims, centres, 1, patches);
    for (let c = 0; c < centres.length; c++) {
      for (let t = 0; t < PATCH_VOXELS; t++) row[t] = patches[c * PATCH_VOXELS + t];
      row[PATCH_VOXELS] = 1;
      const y = target.data[centres[c]];
      for (let a = 0; a < TAPS; a++) {
        const ra = row[a];
        atb[a] += ra * y;
        const base = a * TAPS;
        for (let b = 0; b <= a; b++) ata[base + b] += ra * row[b];
      }
    }
  }
  // The ridge acts on the 125 weights only: a penalised bias would be pulled towards 0.
  let trace = 0;
  for (let a = 0; a < PATCH_VOXELS; a++) trace += ata[a * TAPS + a];
  for (let a = 0; a < PATCH_VOXELS; a++) ata[a * TAPS + a] += (RIDGE * trace) / PATCH_VOXELS;
  return { weights: choleskySolve(ata, atb, TAPS), patches: centres.length * inputs.length };
}

/** Solves A x = b for symmetric positive definite A (lower triangle used), in place of a copy. */
function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error('linear filter: the normal equations are not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Applies the filter at the mask's voxels; the rest keep the input. */
export function applyLinearFilter(input: Volume, filter: LinearFilter, mask: Mask): Volume {
  const out = new Float32Array(input.data);
  const centres = sampleCentres(mask, Infinity);
  const chunk = 4096;
  const patches = new Float32Array(chunk * PATCH_VOXELS);
  const w = filter.weights;
  for (let start = 0; start < centres.length; start += chunk) {
    const part = centres.subarray(start, Math.min(centres.length, start + chunk));
    extractPatches(input.data, input.dims, part, 1, patches);
    for (let c = 0; c < part.length; c++) {
      let s = w[PATCH_VOXELS];
      for (let t = 0; t < PATCH_VOXELS; t++) s += w[t] * patches[c * PATCH_VOXELS + t];
      out[part[c]] = s;
    }
  }
  return volumeLike(input, out);
}

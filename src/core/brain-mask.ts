// Automatic brain mask for sodium MRI (the paper used FSL BET, unavailable here): the head from the noise floor, the
// brain as the bright region inside the dark skull (threshold between scalp and brain levels, then an edge-midpoint
// refinement), with scalp, eyes and calibration tubes cut away by depth, anatomy and connectivity. Sizes are in mm.
import type { Mask, Volume } from './volume';
import { assertSameDims, voxelToPatient } from './volume';
import { BlurCache, boxExtremum, gaussianFilter } from './filters';
import { estimateNoiseSigma, findBackground } from './noise';
import {
  aboveMask,
  and,
  andNot,
  connectedComponents,
  countMask,
  dilate,
  erode,
  fillHolesSlices,
  largestComponent,
  squaredDistanceToMask,
  not,
  thresholdMask,
} from './mask';
import { maskedValues, median } from './stats';
import { findNonFinite, zeroNonFinite } from './finite';
import { isFiniteNumber } from './math';

export interface BrainMaskOptions {
  /** Rician σ of the image; estimated from the background when absent. */
  noiseSigma?: number;
  /** Where the threshold sits between the scalp level (0) and the deep-brain level (1); default 0.5. */
  threshold?: number;
  /** Scalp and skull depth under the head surface that never belongs to the brain, mm (default 6). */
  scalpMm?: number;
  /** Radius of the opening that cuts thin bridges (brain to scalp, eyes, optic canal), mm (default 5). */
  openingMm?: number;
  /** Half-width of the band around the coarse surface where the boundary is refined, mm (default 1.5 voxels). */
  bandMm?: number;
  /** Where the boundary sits between the local minimum (0) and maximum (1) of the edge; default 0.6. */
  edgeFraction?: number;
  /** Margin beyond the eyeball's radius that is excluded, mm (default one voxel: the blur spreads vitreous sodium). */
  eyeMarginMm?: number;
  /** findBackground(volume), when the caller has it (null: it found none); default: found here. */
  background?: KnownBackground;
}

/** Mean of a Rayleigh distribution is σ·√(π/2); 3σ above it is outside the noise, smoothed or not. */
const NOISE_FLOOR = Math.sqrt(Math.PI / 2) + 3;
/** Smoothed background standard deviations above its mean that count as object. */
const FLOOR_SDS = 4;
/** Gaussian σ (mm) of the smoothing the head is found on: the scalp must rise above the noise even at SNR 4. */
const HEAD_SMOOTHING_MM = 4;

/**
 * The level above which smoothed voxels are object, not noise: the smoothed background's mean + 4 SD, measured on
 * the image's own background (smoothing shrinks the noise, by how much depends on its correlation), and never above
 * the Rayleigh bound σ·(√(π/2) + 3). At low SNR this keeps the scalp, whose sodium is not far above the noise, in
 * the head.
 */
export function noiseFloor(volume: Volume, smooth: Float64Array, sigma: number, background?: KnownBackground): number {
  const bound = sigma * NOISE_FLOOR;
  let bg: Mask;
  try {
    bg = backgroundOf(volume, background);
  } catch {
    return bound;
  }
  const values = maskedValues(smooth, bg);
  if (values.length < 200) return bound;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return Math.min(bound, mean + FLOOR_SDS * Math.sqrt(ss / (values.length - 1)));
}

/**
 * findBackground(volume) when the caller has it already (a job computes it once for the noise estimate, the head,
 * the brain mask and the regime), or null when it threw (no background).
 */
export type KnownBackground = Mask | null;

/** The volume's background: the known one, or findBackground's (throws as it does when there is none). */
export function backgroundOf(volume: Volume, known?: KnownBackground): Mask {
  if (known === undefined) return findBackground(volume);
  if (known === null) throw new Error('the image has no background');
  assertSameDims(volume, known.length, 'background');
  return known;
}

export interface BrainMaskSteps {
  head: Mask;
  depthMm: Float64Array;
  brainLevel: number;
  scalpLevel: number;
  threshold: number;
  /** Voxels excluded as eyes (the detected eyes grown by the margin). */
  eyes: Mask;
  mask: Mask;
}

/** Automatic brain mask: the intracranial space (brain tissue and CSF) without scalp, eyes and tubes. */
export function computeBrainMask(volume: Volume, opts: BrainMaskOptions = {}): Mask {
  return brainMaskSteps(volume, opts).mask;
}

/** computeBrainMask with its intermediate results (for diagnostics and tests). */
export function brainMaskSteps(volume: Volume, opts: BrainMaskOptions = {}): BrainMaskSteps {
  // NaN / Inf voxels are no signal: computed as 0 and never labelled brain (not even as a filled hole).
  if (findNonFinite(volume)) {
    const steps = brainMaskSteps(zeroNonFinite(volume), opts);
    for (let i = 0; i < volume.data.length; i++) if (!isFiniteNumber(volume.data[i])) steps.mask[i] = 0;
    return steps;
  }
  const { dims, spacing } = volume;
  const sigma = opts.noiseSigma ?? estimateNoiseSigma(volume).sigma;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`noise sigma must be positive and finite, got ${sigma}`);
  const fraction = opts.threshold ?? 0.5;
  const scalpMm = opts.scalpMm ?? 6;
  const openingMm = opts.openingMm ?? 5;
  if (!(fraction > 0 && fraction < 1))
    throw new Error(`brain-mask threshold must lie strictly between 0 and 1, got ${fraction}`);
  for (const [name, mm] of [
    ['scalpMm', scalpMm],
    ['openingMm', openingMm],
    ['bandMm', opts.bandMm ?? 0],
    ['eyeMarginMm', opts.eyeMarginMm ?? 0],
  ] as const) {
    if (!(mm >= 0 && Number.isFinite(mm)))
      throw new Error(`brain-mask ${name} must be a finite length ≥ 0 mm, got ${mm}`);
  }
  // Light smoothing (σ ≈ 2 mm): enough to tame the noise, little enough to keep the skull's dip.
  const smooth = gaussianFilter(
    volume.data,
    dims,
    spacing.map((s) => Math.min(1, 2 / s)),
    { mode: 'nearest' },
  );

  // 1. The head (see findHead); the brain is searched inside it.
  const head = findHead(volume, { noiseSigma: sigma, background: opts.background });
  const floor = noiseFloor(volume, smooth, sigma, opts.background);
  const axial = superiorAxis(volume);

  // 2. Depth under the head surface, mm.
  const d2 = squaredDistanceToMask(not(head), dims, spacing);
  const depthMm = Float64Array.from(d2, Math.sqrt);
  let maxDepth = 0;
  for (const d of depthMm) if (d > maxDepth && Number.isFinite(d)) maxDepth = d;

  // 3. Levels: the deep core is brain (its median ignores the ventricles' CSF); the outer few mm are scalp.
  //    Scalp and muscle (15–30 mM) can be as bright as white matter (25–35 mM) but not as bright as the cortex with
  //    its sulcal and subarachnoid CSF that bounds the brain, so the threshold sits halfway: the boundary is found
  //    at the bright rim, and dim white matter inside it comes back when the holes are filled.
  const coreDepth = Math.min(25, 0.5 * maxDepth);
  const coreValues = maskedValues(
    smooth,
    thresholdMask(depthMm, (d) => d > coreDepth && d !== Infinity),
  );
  if (coreValues.length === 0) throw new Error('the object above the noise floor is too thin to hold a brain');
  const brainLevel = median(coreValues);
  const shell = thresholdMask(depthMm, (d) => d > 0.5 * scalpMm && d <= scalpMm);
  const scalpLevel = countMask(shell) > 0 ? median(maskedValues(smooth, shell)) : 0;
  const threshold = Math.max(scalpLevel + fraction * (brainLevel - scalpLevel), floor);

  // 4. Candidate brain: bright enough and below the scalp; opening cuts bridges, the largest piece is the brain.
  const candidate = new Uint8Array(head.length);
  const eyes = findEyes(volume, head, depthMm, brainLevel, opts.eyeMarginMm ?? Math.max(...spacing));
  for (let i = 0; i < head.length; i++)
    candidate[i] = head[i] && !eyes[i] && depthMm[i] > scalpMm && smooth[i] > threshold ? 1 : 0;
  const seed = largestComponent(erode(candidate, dims, spacing, openingMm), dims, 6);
  // Grow back by the opening radius, but only into candidate voxels (reconstruction of the opened brain).
  const brain = and(dilate(seed, dims, spacing, openingMm * 1.2), candidate);
  const coarse = fillHolesSlices(largestComponent(brain, dims, 6), dims, axial);
  if (countMask(coarse) === 0) {
    throw new Error(
      `no brain found: no region deeper than ${scalpMm} mm in the head is thicker than ${2 * openingMm} mm above the threshold`,
    );
  }

  // 5. Refine the boundary locally: the inner skull surface is the steepest edge of a sodium head (bright CSF and
  //    cortex inside, dark bone outside), so within a band around the coarse surface a voxel is inside when it is
  //    brighter than a point between the local extremes (Bernsen's midpoint, nudged). Voxels inward of the bright rim fall below that
  //    level and are restored by hole filling, which the closed rim makes possible.
  const bandMm = opts.bandMm ?? 1.5 * Math.max(...spacing);
  const inner = erode(coarse, dims, spacing, bandMm);
  const band = andNot(dilate(coarse, dims, spacing, bandMm), inner);
  const radius = spacing.map((s) => Math.max(1, Math.round(bandMm / s)));
  const lmax = boxExtremum(smooth, dims, radius, 'max');
  const lmin = boxExtremum(smooth, dims, radius, 'min');
  // A little above the midpoint: 0.5–0.65 all give Dice > 0.96 on both the phantom and the independent synthetic
  // head; 0.6 was best on both (partial-volume voxels at the skull are mostly bone).
  const edge = opts.edgeFraction ?? 0.6;
  const refined = new Uint8Array(inner);
  for (let i = 0; i < refined.length; i++) {
    if (band[i] && head[i] && !eyes[i] && depthMm[i] > scalpMm && smooth[i] > lmin[i] + edge * (lmax[i] - lmin[i]))
      refined[i] = 1;
  }
  const mask = fillHolesSlices(largestComponent(refined, dims, 6), dims, axial);
  return { head, depthMm, brainLevel, scalpLevel, threshold, eyes, mask };
}

/**
 * The head: the largest object above the noise floor (calibration tubes and other objects beside it are separate and
 * left out), cavities filled, also slice by slice across the head–foot axis so a neck cut by the field of view closes.
 * It is found on a heavier smoothing (σ = 4 mm): at low SNR the scalp (15–30 mM) is barely above the noise, and with a
 * light smoothing it fell below the floor, leaving the bright CSF rim as the "scalp". Coarser voxels already average
 * the noise (SNR grows with voxel volume) and a wide blur there spreads the head by whole voxels, so the smoothing
 * shrinks with the squared voxel size beyond 4 mm (6 mm voxels: 1.8 mm).
 *
 * @example const head = findHead(acquisition); // 1 inside the head, 0 in air, tubes and anything else
 */
export function findHead(
  volume: Volume,
  opts: { noiseSigma?: number; background?: KnownBackground; blurs?: BlurCache } = {},
): Mask {
  const { dims, spacing } = volume;
  const sigma = opts.noiseSigma ?? estimateNoiseSigma(volume).sigma;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`noise sigma must be positive and finite, got ${sigma}`);
  const headSmoothingMm = HEAD_SMOOTHING_MM * Math.min(1, (4 / Math.max(...spacing)) ** 2);
  const headSmooth = (opts.blurs ?? new BlurCache(volume)).blur(spacing.map((s) => headSmoothingMm / s));
  const headFloor = noiseFloor(volume, headSmooth, sigma, opts.background);
  // Slice-wise filling also fills every 3D cavity: a voxel that cannot reach the grid's faces in 3D cannot reach its
  // slice's edges (on those faces) in 2D either, so no separate 3D fill.
  const head = fillHolesSlices(largestComponent(aboveMask(headSmooth, headFloor), dims, 6), dims, superiorAxis(volume));
  if (countMask(head) === 0) throw new Error('no object rises above the noise floor: cannot find a head');
  return head;
}

/** The voxel axis closest to the patient's head–foot (LPS z) axis: slices along it are axial. */
export function superiorAxis(volume: Volume): 0 | 1 | 2 {
  const d = volume.direction;
  const z = [Math.abs(d[2]), Math.abs(d[5]), Math.abs(d[8])];
  return z[0] >= z[1] && z[0] >= z[2] ? 0 : z[1] >= z[2] ? 1 : 2;
}

/**
 * The eyes: vitreous humour holds CSF-like sodium (~140 mM), so an eye is a bright, compact, roughly spherical blob
 * (an adult eyeball is 22–26 mm across), several times the brain level, in the anterior-inferior part of the head
 * and within an eye's diameter of its surface — unlike the ventricles (central, deep, elongated) and the thin
 * subarachnoid CSF (never that bright once blurred). The blobs are found on an image smoothed at σ = 3 mm, enough
 * that white noise neither fragments an eye nor lets it reach the brain. Anterior and superior come from the
 * direction cosines (LPS). Returns balls of eyeball size (+ `marginMm`) around each eye.
 */
export function findEyes(
  volume: Volume,
  head: Mask,
  depthMm: Float64Array,
  brainLevel: number,
  marginMm: number,
): Mask {
  const { dims, spacing } = volume;
  const [nx, ny, nz] = dims;
  const smooth = gaussianFilter(
    volume.data,
    dims,
    spacing.map((s) => EYE_SMOOTHING_MM / s),
    { mode: 'nearest' },
  );
  const bright = new Uint8Array(head.length);
  for (let i = 0; i < head.length; i++) bright[i] = head[i] && smooth[i] > EYE_BRIGHTNESS * brainLevel ? 1 : 0;
  const { labels, sizes } = connectedComponents(bright, dims, 6);
  const out = new Uint8Array(head.length);
  if (sizes.length === 0) return out;

  // Patient positions along anterior (−y in LPS) and superior (+z), and the head's extent along both.
  const pos = (idx: number) => voxelToPatient(volume, idx % nx, Math.floor(idx / nx) % ny, Math.floor(idx / (nx * ny)));
  let headAp = 0,
    headN = 0,
    front = Infinity,
    back = -Infinity,
    vertex = -Infinity;
  let vertexCut = false;
  for (let k = 0, idx = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        if (!head[idx]) continue;
        const [, y, z] = pos(idx);
        headAp += y;
        headN++;
        front = Math.min(front, y);
        back = Math.max(back, y);
        if (z > vertex) vertex = z;
      }
  headAp /= headN;
  // When the head runs out of the field of view at its top, the vertex is unknown: skip the inferior test.
  for (let k = 0, idx = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        const onFace = i === 0 || j === 0 || k === 0 || i === nx - 1 || j === ny - 1 || k === nz - 1;
        if (onFace && head[idx] && pos(idx)[2] > vertex - Math.max(...spacing)) vertexCut = true;
      }

  // Per blob: centroid (voxel and patient), smallest depth under the head surface.
  const n = sizes.length + 1;
  const sum = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const sumAp = new Float64Array(n);
  const sumSi = new Float64Array(n);
  const minDepth = new Float64Array(n).fill(Infinity);
  for (let k = 0, idx = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        const l = labels[idx];
        if (!l) continue;
        const [, y, z] = pos(idx);
        sum[0][l] += i;
        sum[1][l] += j;
        sum[2][l] += k;
        sumAp[l] += y;
        sumSi[l] += z;
        if (depthMm[idx] < minDepth[l]) minDepth[l] = depthMm[idx];
      }
  const centre = (l: number) => [0, 1, 2].map((a) => sum[a][l] / sizes[l - 1]);
  // Largest distance (mm) of a blob voxel from its centroid: an eye's bright core fits inside the eyeball.
  const reach = new Float64Array(n);
  const centres = [...Array(n).keys()].map((l) => (l === 0 ? [0, 0, 0] : centre(l)));
  for (let k = 0, idx = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        const l = labels[idx];
        if (!l) continue;
        const c = centres[l];
        const d = Math.hypot((i - c[0]) * spacing[0], (j - c[1]) * spacing[1], (k - c[2]) * spacing[2]);
        if (d > reach[l]) reach[l] = d;
      }

  const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  const apLength = back - front;
  const halfVoxel = 0.5 * Math.hypot(...spacing);
  for (let l = 1; l < n; l++) {
    const ml = sizes[l - 1] * voxelMl;
    const anterior = (headAp - sumAp[l] / sizes[l - 1]) / (headAp - front);
    const belowVertex = (vertex - sumSi[l] / sizes[l - 1]) / apLength;
    const isEye =
      ml <= EYE_MAX_ML &&
      reach[l] <= EYE_RADIUS_MM + halfVoxel &&
      anterior > EYE_MIN_ANTERIOR &&
      (vertexCut || belowVertex > EYE_MIN_BELOW_VERTEX) &&
      minDepth[l] < 2 * EYE_RADIUS_MM;
    if (!isEye) continue;
    // Exclude a ball of the eye's anatomical radius (or the core's, if larger) around its centre, plus the margin.
    const coreRadius = Math.cbrt((3 * ml * 1e3) / (4 * Math.PI));
    const r = Math.max(coreRadius, EYE_RADIUS_MM) + marginMm;
    const c = centres[l];
    for (let k = 0, idx = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++, idx++) {
          const d2 = ((i - c[0]) * spacing[0]) ** 2 + ((j - c[1]) * spacing[1]) ** 2 + ((k - c[2]) * spacing[2]) ** 2;
          if (d2 <= r * r) out[idx] = 1;
        }
  }
  return out;
}

/** Smoothing (Gaussian σ, mm) of the image eyes are found on: white noise must not fragment a 24-mm eye. */
const EYE_SMOOTHING_MM = 3;
/** An eye's bright core is at least this many times the brain level (vitreous ~140 mM vs brain ~35 mM). */
const EYE_BRIGHTNESS = 3;
/** An eye is ~7 mL; its bright core is smaller. Anything larger is not an eye. */
const EYE_MAX_ML = 12;
/** Radius of an adult eyeball, mm. */
const EYE_RADIUS_MM = 12;
/** Eyes lie in the anterior part of the head: (head centre − blob) along anterior / (head centre − front). */
const EYE_MIN_ANTERIOR = 0.45;
/** Eyes lie low in the head: their centre is ≥ 0.35 head lengths (front to back) below the vertex (adults: ~0.6). */
const EYE_MIN_BELOW_VERTEX = 0.35;

/** A user-supplied mask always wins; otherwise the automatic one. Says which. */
export function resolveBrainMask(volume: Volume, userMask?: Mask): { mask: Mask; source: 'user' | 'automatic' } {
  if (userMask) {
    assertSameDims(volume, userMask.length, 'brain mask');
    if (countMask(userMask) === 0) throw new Error('the supplied brain mask is empty');
    return { mask: userMask, source: 'user' };
  }
  return { mask: computeBrainMask(volume), source: 'automatic' };
}

// Calibration tubes beside the head: found automatically as small, bright, roughly cylindrical, homogeneous objects
// apart from the head, or taken from positions a user gives; each measured over its core (its partial-volume edge
// left out) for the sodium calibration.
import { estimateNoiseSigma } from './noise';
import { noiseFloor } from './brain-mask';
import { connectedComponents, fillHoles, thresholdMask } from './mask';
import { gaussianFilter } from './filters';
import { median, quantile } from './stats';
import { assertFiniteVolume } from './finite';
import { linearIndex, patientToVoxel, voxelToPatient, type Mask, type Vec3, type Volume } from './volume';
import type { CalibrationPoint } from './calibration';

/** A tube-like region and its signal. */
export interface TubeRegion {
  /** Voxels measured (1 inside): the tube's core, or the ball around a user's point. */
  mask: Mask;
  /** Voxels in `mask`. */
  voxels: number;
  /** Patient position (mm, LPS) of the region's centroid. */
  centreMm: Vec3;
  /** Cylinder fitted to the whole object (moments); for a ball around a point, its radius and diameter. */
  radiusMm: number;
  lengthMm: number;
  /** Unit axis direction (patient); [0, 0, 0] for a ball. */
  axis: Vec3;
  meanSignal: number;
  sdSignal: number;
  /** 'detected': an object found by detectTubes; 'ball': a ball around a given point inside no detected tube. */
  kind: 'detected' | 'ball';
}

/** An object that looked like a tube candidate but was not taken, and why (for messages and debugging). */
export interface RejectedObject {
  centreMm: Vec3;
  volumeMl: number;
  reason: string;
}

export interface TubeDetectionOptions {
  /** Rician σ of the image; estimated from the background when absent. */
  noiseSigma?: number;
  /** Smallest tube, ml (default 0.3: smaller objects are too few voxels to calibrate with). */
  minVolumeMl?: number;
  /** Largest tube, ml (default 250: a head, a calf or a knee is far larger). */
  maxVolumeMl?: number;
}

export interface TubeDetection {
  /** Tubes, by increasing mean signal. */
  tubes: TubeRegion[];
  rejected: RejectedObject[];
  noiseSigma: number;
}

/** Mean of a Rayleigh distribution over σ: the background level of a magnitude image. */
const RAYLEIGH_MEAN = Math.sqrt(Math.PI / 2);
const DEFAULTS = { minVolumeMl: 0.3, maxVolumeMl: 250 };
/** The two cross-section moments of a round tube are equal; voxelisation and blur allow this much difference. */
const MIN_CROSS_SECTION_RATIO = 0.5;
/** Voxel count / volume of the moment-fitted cylinder (1 for a solid cylinder, ~1.08 for a ball). */
const FILL_RANGE: [number, number] = [0.6, 1.4];
/** A tube is at least half as long as it is wide: thin sheets are not tubes. */
const MIN_LENGTH_TO_DIAMETER = 0.5;
/** A tube's core (voxels clear of its edge) holds at least this many voxels: correlated noise makes blobs of a few. */
const MIN_CORE_VOXELS = 8;
/** A tube's mean signal stands this many noise σ above the background's mean (noise blobs do not). */
const MIN_CONTRAST_SIGMAS = 3;
/** A tube stands in air, apart from the anatomy; touching it along a line still leaves most of its surface in air. */
const MIN_AIR_FRACTION = 0.5;
/** Signal variation beyond the noise, as a fraction of the mean: a tube holds one homogeneous solution. */
const MAX_EXCESS_CV = 0.3;

/**
 * Finds calibration tubes: objects above the noise floor that are separate from the largest object (the head or other
 * anatomy), between `minVolumeMl` and `maxVolumeMl`, round in cross-section, filling their moment-fitted cylinder,
 * and homogeneous. Tube positions, sizes and counts are not assumed. Tubes touching the head, or too faint to rise
 * above the noise, are not found: give their positions to `tubesAtPositions` instead. The volume is only read.
 * @example const { tubes } = detectTubes(acquisition); // tubes[0] is the faintest
 */
export function detectTubes(volume: Volume, opts: TubeDetectionOptions = {}): TubeDetection {
  assertFiniteVolume(volume, 'the image', 'tubes cannot be found in non-finite values');
  const minMl = opts.minVolumeMl ?? DEFAULTS.minVolumeMl;
  const maxMl = opts.maxVolumeMl ?? DEFAULTS.maxVolumeMl;
  if (!(minMl > 0) || !(maxMl > minMl))
    throw new Error(`tube volume limits must satisfy 0 < min < max, got ${minMl}, ${maxMl} ml`);
  const sigma = opts.noiseSigma ?? estimateNoiseSigma(volume).sigma;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`noise sigma must be positive and finite, got ${sigma}`);
  const { dims, spacing } = volume;
  const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  // Objects: lightly smoothed signal clearly above the smoothed background (brain-mask's noise floor; and above 2 % of
  // the bright end, so a noise-free image still separates its objects), holes filled.
  const smooth = gaussianFilter(volume.data, dims, [1, 1, 1], { mode: 'nearest' });
  const floor = objectLevel(volume, smooth, sigma);
  const top = quantile(smooth, 0.999);
  const tubes: TubeRegion[] = [];
  const rejected: RejectedObject[] = [];
  const taken = new Uint8Array(smooth.length);
  const reported = new Uint8Array(smooth.length);
  // Components at a ladder of levels, so a tube the blur joins to the head at the noise floor separates higher up.
  for (let level = floor; level === floor || level < 0.6 * top; level *= 1.5) {
    const objects = fillHoles(
      thresholdMask(smooth, (v) => v > level),
      dims,
    );
    const { labels, sizes } = connectedComponents(objects, dims, 6);
    const members = groupByLabel(labels, sizes);
    for (let l = 1; l <= sizes.length; l++) {
      if (sizes[l - 1] * voxelMl < minMl) break; // sizes decrease: the rest are noise specks
      if (members[l - 1].some((i) => taken[i])) continue;
      const verdict = judgeObject(volume, smooth, members[l - 1], { sigma, floor, minMl, maxMl });
      if ('tube' in verdict) {
        tubes.push(verdict.tube);
        for (const i of members[l - 1]) taken[i] = 1;
      } else if (level === floor || !members[l - 1].some((i) => reported[i])) {
        // Each object is reported once, at the lowest level it shows apart.
        rejected.push(verdict.rejected);
        // The anatomy is not marked: what separates from it higher up (a tube the blur joined to it) is reported too.
        if (verdict.rejected.volumeMl <= maxMl) for (const i of members[l - 1]) reported[i] = 1;
      }
    }
  }
  tubes.sort((a, b) => a.meanSignal - b.meanSignal);
  return { tubes, rejected, noiseSigma: sigma };
}

/** Smoothed signal above which a voxel is object (a tube, anatomy), not air: brain-mask's noise floor, and at least
 * 2 % of the bright end so a noise-free image still separates its objects. `smooth`: the image blurred by σ = 1 voxel. */
function objectLevel(volume: Volume, smooth: Float64Array, sigma: number): number {
  return Math.max(noiseFloor(volume, smooth, sigma), 0.02 * quantile(smooth, 0.999));
}

/**
 * Whether one object is a tube: its proper extent (above half its plateau: a blurred edge crosses half height at the
 * true boundary) has a tube's size, is a round, filled cylinder, lies mostly against air (not inside the anatomy, like
 * an eye or a ventricle seen at a high level) and is homogeneous beyond the noise.
 */
function judgeObject(
  volume: Volume,
  smooth: Float64Array,
  component: readonly number[],
  limits: { sigma: number; floor: number; minMl: number; maxMl: number },
): { tube: TubeRegion } | { rejected: RejectedObject } {
  const { dims, spacing } = volume;
  const { sigma, floor, minMl, maxMl } = limits;
  const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  // The plateau, twice: first the 90th percentile of the object, then the median of the core that gives, so the
  // level does not depend on how much blurred edge the noise floor let into the object.
  const above = (level: number) => component.filter((i) => smooth[i] >= (level + sigma * RAYLEIGH_MEAN) / 2);
  const first = above(
    quantile(
      component.map((i) => smooth[i]),
      0.9,
    ),
  );
  const firstCore = interior(first, dims);
  const voxels = above(median((firstCore.length >= 4 ? firstCore : first).map((i) => smooth[i])));
  const volumeMl = voxels.length * voxelMl;
  const shape = cylinderOf(volume, voxels.length ? voxels : component);
  const reject = (reason: string) => ({ rejected: { centreMm: shape.centreMm, volumeMl, reason } });
  if (volumeMl > maxMl) return reject(`larger than ${maxMl} ml`);
  if (volumeMl < minMl) return reject(`smaller than ${minMl} ml`);
  const problem = shapeProblem(shape, volumeMl, Math.min(...spacing));
  if (problem) return reject(problem);
  if (airFraction(component, dims, smooth, floor) < MIN_AIR_FRACTION) return reject('inside other tissue');
  // Measured over the core, one voxel in from the edge, where partial volume no longer lowers the signal.
  const core = interior(voxels, dims);
  if (core.length < MIN_CORE_VOXELS) return reject(`fewer than ${MIN_CORE_VOXELS} voxels clear of its edge`);
  const tube = measure(volume, core, shape, 'detected');
  if (tube.meanSignal < sigma * (RAYLEIGH_MEAN + MIN_CONTRAST_SIGMAS))
    return reject(`too faint: less than ${MIN_CONTRAST_SIGMAS} σ above the background`);
  const excess = Math.sqrt(Math.max(0, tube.sdSignal ** 2 - sigma ** 2));
  if (excess > MAX_EXCESS_CV * tube.meanSignal) return reject('not homogeneous');
  return { tube };
}

/**
 * Of the voxels two face-steps outside a region (beyond the blurred edge; within the grid), the fraction that is air
 * (smoothed ≤ floor): near 1 for a tube in air, even one the blur joins to the head; low for an eye or a ventricle.
 */
function airFraction(region: readonly number[], dims: readonly number[], smooth: Float64Array, floor: number): number {
  const [nx, ny, nz] = dims;
  const neighbours = (idx: number): number[] => {
    const [i, j, k] = indexToIjk(dims, idx);
    const out: number[] = [];
    if (i > 0) out.push(idx - 1);
    if (i < nx - 1) out.push(idx + 1);
    if (j > 0) out.push(idx - nx);
    if (j < ny - 1) out.push(idx + nx);
    if (k > 0) out.push(idx - nx * ny);
    if (k < nz - 1) out.push(idx + nx * ny);
    return out;
  };
  const seen = new Set(region);
  let front: number[] = [...region];
  for (let step = 0; step < 2; step++) {
    const next: number[] = [];
    for (const idx of front)
      for (const n of neighbours(idx))
        if (!seen.has(n)) {
          seen.add(n);
          next.push(n);
        }
    front = next;
  }
  if (front.length === 0) return 0;
  let air = 0;
  for (const idx of front) if (smooth[idx] <= floor) air++;
  return air / front.length;
}

/** A tube given by a point (patient mm) and its known concentration. */
export interface TubePosition {
  positionMm: Vec3;
  concentrationMM: number;
}

/**
 * The tubes at given positions: the detected tube containing the point (or next to it), else a ball of
 * `ballRadiusMm` (default 1.5 voxels) around the point (`detected`: detectTubes' tubes, when already found) — also for a reference inside the anatomy (e.g. vitreous).
 * @throws when a point lies outside the volume or two points fall in the same detected tube
 * @example tubesAtPositions(acq, [{ positionMm: [104, 0, 0], concentrationMM: 50 }, …])
 */
export function tubesAtPositions(
  volume: Volume,
  positions: readonly TubePosition[],
  opts: TubeDetectionOptions & { ballRadiusMm?: number; detected?: readonly TubeRegion[] } = {},
): TubeRegion[] {
  const { dims } = volume;
  const voxelsAt = positions.map((p, n) => {
    if (p.positionMm.length !== 3 || p.positionMm.some((v) => !Number.isFinite(v)))
      throw new Error(`tube position #${n + 1} must be three finite numbers (mm), got [${p.positionMm.join(', ')}]`);
    const ijk = patientToVoxel(volume, p.positionMm).map(Math.round);
    if (ijk.some((v, a) => v < 0 || v >= dims[a]))
      throw new Error(
        `tube position #${n + 1} (${p.positionMm.map((v) => v.toFixed(1)).join(', ')} mm) lies outside the volume`,
      );
    return ijk as Vec3;
  });
  const detected = opts.detected ?? detectTubes(volume, opts).tubes;
  const ballRadiusMm = opts.ballRadiusMm ?? defaultBallRadiusMm(volume);
  if (!(ballRadiusMm > 0)) throw new Error(`tube ball radius must be positive, got ${ballRadiusMm} mm`);
  const used = new Map<TubeRegion, number>();
  return voxelsAt.map((ijk, n) => {
    const hit = detected.find((t) => nearMask(t.mask, dims, ijk));
    if (hit) {
      if (used.has(hit)) throw new Error(`tube positions #${used.get(hit)! + 1} and #${n + 1} fall in the same tube`);
      used.set(hit, n);
      return hit;
    }
    const ball = ballAround(volume, ijk, ballRadiusMm);
    return measure(volume, ball, cylinderOf(volume, ball), 'ball', ballRadiusMm);
  });
}

/** The ball measured around a given point that lies in no detected tube: 1.5 voxels (the coarsest axis). */
function defaultBallRadiusMm(volume: Volume): number {
  return 1.5 * Math.max(...volume.spacing);
}

/** What checkTubePlacement compares a point with: the image's object level (computed once per series). */
export interface TubePlacementContext {
  /** Mean signal over a placement's ball must exceed this: detectTubes' level between air and object. */
  objectLevel: number;
  /** Radius (mm) of the ball a placement measures and of the zone where a second one is a duplicate. */
  ballRadiusMm: number;
}

/**
 * The levels a click-placed tube is checked against, from the whole image (noise estimated from its background, as
 * detectTubes does). Computed once per series; the volume is only read.
 * @example const ctx = tubePlacementContext(acq); checkTubePlacement(acq, ctx, [104, 0, 0], [])
 */
export function tubePlacementContext(volume: Volume, opts: { noiseSigma?: number } = {}): TubePlacementContext {
  assertFiniteVolume(volume, 'the image', 'tubes cannot be placed on non-finite values');
  const sigma = opts.noiseSigma ?? estimateNoiseSigma(volume).sigma;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`noise sigma must be positive and finite, got ${sigma}`);
  const smooth = gaussianFilter(volume.data, volume.dims, [1, 1, 1], { mode: 'nearest' });
  return { objectLevel: objectLevel(volume, smooth, sigma), ballRadiusMm: defaultBallRadiusMm(volume) };
}

/**
 * Checks a tube position a user gave (patient mm) before it is used: inside the volume, not in air (the mean over
 * its ball above the object level), and not a duplicate (within the ball radius of an earlier one, `placedMm`).
 * Returns the voxel index it falls in.
 * @throws one line saying which rule the point breaks
 * @example const ijk = checkTubePlacement(acq, ctx, clickMm, placed.map((t) => t.positionMm))
 */
export function checkTubePlacement(
  volume: Volume,
  context: TubePlacementContext,
  positionMm: readonly number[],
  placedMm: readonly (readonly number[])[] = [],
): Vec3 {
  const where = () => `(${positionMm.map((v) => v.toFixed(1)).join(', ')} mm)`;
  if (positionMm.length !== 3 || positionMm.some((v) => !Number.isFinite(v)))
    throw new Error(`a tube position must be three finite numbers (mm), got [${positionMm.join(', ')}]`);
  const ijk = patientToVoxel(volume, positionMm).map(Math.round) as Vec3;
  if (ijk.some((v, a) => v < 0 || v >= volume.dims[a]))
    throw new Error(`the point ${where()} lies outside the series (${volume.dims.join('×')} voxels): click on a tube`);
  const ball = ballAround(volume, ijk, context.ballRadiusMm);
  let sum = 0;
  for (const i of ball) sum += volume.data[i];
  const mean = sum / ball.length;
  if (!(mean > context.objectLevel))
    throw new Error(
      `the point ${where()} is in air (signal ${mean.toPrecision(3)} ≤ object level ` +
        `${context.objectLevel.toPrecision(3)}): click inside a tube`,
    );
  const near = placedMm.findIndex(
    (p) => Math.hypot(p[0] - positionMm[0], p[1] - positionMm[1], p[2] - positionMm[2]) < context.ballRadiusMm,
  );
  if (near >= 0)
    throw new Error(
      `the point ${where()} is within ${context.ballRadiusMm.toFixed(1)} mm of tube #${near + 1}: a tube is placed once`,
    );
  return ijk;
}

/** Calibration points of tubes with their known concentrations (same order). */
export function calibrationPoints(
  tubes: readonly TubeRegion[],
  concentrationsMM: readonly number[],
): CalibrationPoint[] {
  if (tubes.length !== concentrationsMM.length)
    throw new Error(`${tubes.length} tubes but ${concentrationsMM.length} concentrations`);
  return tubes.map((t, i) => ({
    signal: t.meanSignal,
    concentrationMM: concentrationsMM[i],
    signalStdError: t.voxels > 1 ? t.sdSignal / Math.sqrt(t.voxels) : undefined,
  }));
}

/**
 * Pairs detected tubes (sorted by signal) with known concentrations: sodium signal rises with concentration, so the
 * faintest tube holds the lowest concentration.
 * @throws when the counts differ (then the user must say which tube is which)
 */
export function matchConcentrations(
  tubes: readonly TubeRegion[],
  concentrationsMM: readonly number[],
): CalibrationPoint[] {
  if (tubes.length !== concentrationsMM.length)
    throw new Error(
      `found ${tubes.length} calibration tube${tubes.length === 1 ? '' : 's'} but ${concentrationsMM.length} concentrations ` +
        `were given (${concentrationsMM.join(', ')} mM): give the tubes' positions instead`,
    );
  const bySignal = [...tubes].sort((a, b) => a.meanSignal - b.meanSignal);
  const byConcentration = [...concentrationsMM].sort((a, b) => a - b);
  return calibrationPoints(bySignal, byConcentration);
}

interface CylinderShape {
  centreMm: Vec3;
  axis: Vec3;
  radiusMm: number;
  lengthMm: number;
  /** Cross-section moment ratio (smaller / larger), 1 for a round tube. */
  roundness: number;
}

/** The cylinder with the voxels' second moments: two equal eigenvalues r²/4 (cross-section), one L²/12 (axis). */
function cylinderOf(volume: Volume, voxels: readonly number[]): CylinderShape {
  const pts = voxels.map((idx) => voxelToPatient(volume, ...indexToIjk(volume.dims, idx)));
  const n = pts.length;
  const c: Vec3 = [0, 0, 0];
  for (const p of pts) for (let a = 0; a < 3; a++) c[a] += p[a] / n;
  const cov = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const p of pts)
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) cov[3 * a + b] += ((p[a] - c[a]) * (p[b] - c[b])) / n;
  // A voxel is a box, not a point: add its own second moment (s²/12 per axis) so one-voxel-thin objects have width.
  const [sx, sy, sz] = volume.spacing;
  const d = volume.direction;
  for (let a = 0; a < 3; a++)
    for (let b = 0; b < 3; b++)
      cov[3 * a + b] += (d[a] * d[b] * sx * sx + d[3 + a] * d[3 + b] * sy * sy + d[6 + a] * d[6 + b] * sz * sz) / 12;
  const { values, vectors } = symmetricEigen3(cov);
  // Which eigenvalue is the axis: the one whose other two are the closest pair.
  const pairRatio = (x: number, y: number) => Math.min(x, y) / Math.max(x, y);
  const candidates = [0, 1, 2].map((axisIdx) => {
    const [p, q] = [0, 1, 2].filter((i) => i !== axisIdx).map((i) => values[i]);
    return { axisIdx, roundness: pairRatio(p, q), cross: (p + q) / 2 };
  });
  const best = candidates.reduce((a, b) => (b.roundness > a.roundness ? b : a));
  return {
    centreMm: c,
    axis: vectors[best.axisIdx],
    radiusMm: 2 * Math.sqrt(best.cross),
    lengthMm: Math.sqrt(12 * values[best.axisIdx]),
    roundness: best.roundness,
  };
}

function shapeProblem(s: CylinderShape, volumeMl: number, minSpacing: number): string | undefined {
  if (s.roundness < MIN_CROSS_SECTION_RATIO) return 'not round in cross-section';
  if (s.radiusMm < minSpacing) return 'thinner than two voxels';
  if (s.lengthMm < MIN_LENGTH_TO_DIAMETER * 2 * s.radiusMm) return 'flat, not a tube';
  const fill = (volumeMl * 1000) / (Math.PI * s.radiusMm ** 2 * s.lengthMm);
  if (fill < FILL_RANGE[0] || fill > FILL_RANGE[1]) return 'does not fill a cylinder';
  return undefined;
}

function measure(
  volume: Volume,
  voxels: readonly number[],
  shape: CylinderShape,
  kind: TubeRegion['kind'],
  ballRadiusMm?: number,
): TubeRegion {
  const mask = new Uint8Array(volume.data.length);
  let sum = 0;
  for (const i of voxels) {
    mask[i] = 1;
    sum += volume.data[i];
  }
  const mean = sum / voxels.length;
  let ss = 0;
  for (const i of voxels) ss += (volume.data[i] - mean) ** 2;
  const ball = ballRadiusMm !== undefined;
  return {
    mask,
    voxels: voxels.length,
    centreMm: shape.centreMm,
    radiusMm: ball ? ballRadiusMm : shape.radiusMm,
    lengthMm: ball ? 2 * ballRadiusMm : shape.lengthMm,
    axis: ball ? [0, 0, 0] : shape.axis,
    meanSignal: mean,
    sdSignal: voxels.length > 1 ? Math.sqrt(ss / (voxels.length - 1)) : 0,
    kind,
  };
}

/** The voxels of a region whose 6 face neighbours are all in it (neighbours beyond the grid count as inside). */
function interior(voxels: readonly number[], dims: readonly number[]): number[] {
  const inside = new Set(voxels);
  const [nx, ny, nz] = dims;
  return voxels.filter((idx) => {
    const [i, j, k] = indexToIjk(dims, idx);
    return (
      (i === 0 || inside.has(idx - 1)) &&
      (i === nx - 1 || inside.has(idx + 1)) &&
      (j === 0 || inside.has(idx - nx)) &&
      (j === ny - 1 || inside.has(idx + nx)) &&
      (k === 0 || inside.has(idx - nx * ny)) &&
      (k === nz - 1 || inside.has(idx + nx * ny))
    );
  });
}

function groupByLabel(labels: Int32Array, sizes: readonly number[]): number[][] {
  const groups = sizes.map(() => [] as number[]);
  for (let i = 0; i < labels.length; i++) if (labels[i]) groups[labels[i] - 1].push(i);
  return groups;
}

function indexToIjk(dims: readonly number[], idx: number): Vec3 {
  const i = idx % dims[0];
  const j = Math.floor(idx / dims[0]) % dims[1];
  return [i, j, Math.floor(idx / (dims[0] * dims[1]))];
}

/** Whether the mask holds the voxel or one of its 26 neighbours (a click on a tube's blurred edge still counts). */
function nearMask(mask: Mask, dims: readonly number[], [i, j, k]: Vec3): boolean {
  for (let dk = -1; dk <= 1; dk++)
    for (let dj = -1; dj <= 1; dj++)
      for (let di = -1; di <= 1; di++) {
        const a = i + di,
          b = j + dj,
          c = k + dk;
        if (a >= 0 && b >= 0 && c >= 0 && a < dims[0] && b < dims[1] && c < dims[2] && mask[linearIndex(dims, a, b, c)])
          return true;
      }
  return false;
}

/** Voxels whose centres lie within radiusMm of voxel ijk's centre (at least that voxel). */
function ballAround(volume: Volume, ijk: Vec3, radiusMm: number): number[] {
  const { dims, spacing } = volume;
  const reach = spacing.map((s) => Math.floor(radiusMm / s));
  const out: number[] = [];
  for (let dk = -reach[2]; dk <= reach[2]; dk++)
    for (let dj = -reach[1]; dj <= reach[1]; dj++)
      for (let di = -reach[0]; di <= reach[0]; di++) {
        const [a, b, c] = [ijk[0] + di, ijk[1] + dj, ijk[2] + dk];
        if (a < 0 || b < 0 || c < 0 || a >= dims[0] || b >= dims[1] || c >= dims[2]) continue;
        if ((di * spacing[0]) ** 2 + (dj * spacing[1]) ** 2 + (dk * spacing[2]) ** 2 <= radiusMm ** 2 * (1 + 1e-9))
          out.push(linearIndex(dims, a, b, c));
      }
  return out;
}

/** Eigenvalues (descending) and unit eigenvectors of a symmetric 3×3 matrix (row-major), by cyclic Jacobi rotations. */
function symmetricEigen3(m: readonly number[]): { values: [number, number, number]; vectors: [Vec3, Vec3, Vec3] } {
  const a = [
    [m[0], m[1], m[2]],
    [m[3], m[4], m[5]],
    [m[6], m[7], m[8]],
  ];
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
    if (off < 1e-24 * (a[0][0] ** 2 + a[1][1] ** 2 + a[2][2] ** 2 + 1e-300)) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      if (a[p][q] === 0) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const cs = 1 / Math.sqrt(t * t + 1);
      const sn = t * cs;
      for (let k = 0; k < 3; k++) {
        const akp = a[k][p],
          akq = a[k][q];
        a[k][p] = cs * akp - sn * akq;
        a[k][q] = sn * akp + cs * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k],
          aqk = a[q][k];
        a[p][k] = cs * apk - sn * aqk;
        a[q][k] = sn * apk + cs * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p],
          vkq = v[k][q];
        v[k][p] = cs * vkp - sn * vkq;
        v[k][q] = sn * vkp + cs * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((x, y) => a[y][y] - a[x][x]);
  return {
    values: order.map((i) => a[i][i]) as [number, number, number],
    vectors: order.map((i) => [v[0][i], v[1][i], v[2][i]]) as [Vec3, Vec3, Vec3],
  };
}

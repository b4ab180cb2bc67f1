// Slice-stack geometry: orientation checks, sorting along the slice normal, and even-spacing validation.
import type { Mat3, Vec3 } from '../../core/volume';

export const dot = (a: readonly number[], b: readonly number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

export function cross(a: readonly number[], b: readonly number[]): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function normalize(a: readonly number[]): Vec3 {
  const n = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / n, a[1] / n, a[2] / n];
}

/** Tolerance on direction cosines when comparing orientations (about 0.006°). */
const ORIENTATION_TOL = 1e-4;

/** One image plane of a stack: where it is and how it is oriented. */
export interface PlaneGeometry {
  /** ImagePositionPatient: centre of the first transmitted pixel, mm (LPS). */
  position: Vec3;
  /** ImageOrientationPatient: row cosine (direction of increasing column) then column cosine. */
  orientation: [number, number, number, number, number, number];
}

export interface StackGeometry {
  /** Plane indices in ascending position along the slice normal. */
  order: number[];
  /** Distance between adjacent slices along the normal, mm. */
  sliceSpacing: number;
  /** Position of the first slice in sorted order. */
  origin: Vec3;
  direction: Mat3;
}

/** Throws with `prefix` when the planes do not form one evenly spaced stack; otherwise sorts them. */
export function stackGeometry(planes: readonly PlaneGeometry[], prefix: string): StackGeometry {
  if (planes.length < 2) {
    throw new Error(`${prefix} has a single slice; a volume needs at least two parallel slices`);
  }
  const first = planes[0].orientation;
  const row = normalize(first.slice(0, 3));
  const col = normalize(first.slice(3, 6));
  if (Math.abs(dot(row, col)) > 1e-3) {
    throw new Error(`${prefix} has an ImageOrientationPatient whose row and column cosines are not perpendicular`);
  }
  for (const p of planes) {
    const r = normalize(p.orientation.slice(0, 3));
    const c = normalize(p.orientation.slice(3, 6));
    if ([...r, ...c].some((v, i) => Math.abs(v - [...row, ...col][i]) > ORIENTATION_TOL)) {
      throw new Error(
        `${prefix} mixes slice orientations (ImageOrientationPatient ${fmt(first)} and ${fmt(p.orientation)}); ` +
          'it is not one volume (a localizer or a multi-plane series?)',
      );
    }
  }
  const normal = normalize(cross(row, col));
  const distances = planes.map((p) => dot(p.position, normal));
  const order = planes.map((_, i) => i).sort((a, b) => distances[a] - distances[b]);
  const sorted = order.map((i) => distances[i]);
  const extent = sorted[sorted.length - 1] - sorted[0];
  const sliceSpacing = extent / (planes.length - 1);
  const tol = Math.max(0.01, 0.01 * sliceSpacing);
  const gaps = sorted.slice(1).map((d, k) => d - sorted[k]);
  // The median gap is the intended spacing; the first gap far from it is the one to report.
  const typical = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
  gaps.forEach((gap, k) => {
    if (gap <= tol) {
      throw new Error(
        `${prefix} has ${planes.length} slices but several share position ${sorted[k + 1].toFixed(3)} mm along the normal ` +
          '(several echoes, time points or b-values in one series are not a single volume)',
      );
    }
  });
  gaps.forEach((gap, k) => {
    if (Math.abs(gap - typical) > tol) {
      throw new Error(
        `${prefix} has uneven slice gaps: ${gap.toFixed(3)} mm between slices ${k + 1} and ${k + 2} but ` +
          `${typical.toFixed(3)} mm elsewhere (missing slices?)`,
      );
    }
  });
  // Slices must stack along the normal; a lateral drift means a sheared (gantry-tilted) grid.
  const p0 = planes[order[0]].position;
  for (let k = 1; k < order.length; k++) {
    const p = planes[order[k]].position;
    const along = k * sliceSpacing;
    const drift = Math.hypot(...([0, 1, 2].map((a) => p[a] - p0[a] - normal[a] * along) as Vec3));
    if (drift > tol) {
      throw new Error(
        `${prefix} has slices that do not stack along the slice normal (slice ${k + 1} is offset ${drift.toFixed(3)} mm ` +
          'sideways: gantry tilt or a sheared grid is not supported)',
      );
    }
  }
  return { order, sliceSpacing, origin: [...p0], direction: [...row, ...col, ...normal] as Mat3 };
}

function fmt(v: readonly number[]): string {
  return `[${v.map((x) => Number(x.toFixed(4))).join(', ')}]`;
}

// Statistics of a volume inside a planar region of interest drawn on one slice (an ellipse or a rectangle given by
// its handle points in patient coordinates, as a viewer's annotation tools store them).
import { patientToVoxel, voxelToPatient, linearIndex, type Vec3, type Volume } from './volume';

/**
 * An ellipse by the ends of its two axes, [bottom, top, left, right] (Cornerstone's EllipticalROI handles), or a
 * rectangle by its four corners in order around it or as [topLeft, topRight, bottomLeft, bottomRight]. Patient mm.
 */
export interface PlanarRoi {
  shape: 'ellipse' | 'rectangle';
  points: readonly Vec3[];
}

export interface RoiStats {
  mean: number;
  /** Sample standard deviation (0 for one voxel). */
  sd: number;
  min: number;
  max: number;
  /** Voxels inside: centres within the shape and within half a voxel of its plane. */
  voxels: number;
  /** Area of the shape, mm². */
  areaMm2: number;
}

const sub = (a: readonly number[], b: readonly number[]): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: readonly number[], b: readonly number[]): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const norm = (a: readonly number[]) => Math.sqrt(dot(a, a));

/** Centre, two in-plane half-axes and the test of whether an offset from the centre is inside. */
function roiFrame(roi: PlanarRoi): { centre: Vec3; u: Vec3; v: Vec3; inside: (s: number, t: number) => boolean } {
  const p = roi.points;
  if (p.length !== 4 || p.some((q) => q.length !== 3 || q.some((x) => !Number.isFinite(x))))
    throw new Error(`an ROI needs four finite points (mm), got ${p.length}`);
  if (roi.shape === 'ellipse') {
    const [bottom, top, left, right] = p;
    const centre: Vec3 = [0, 1, 2].map((a) => (bottom[a] + top[a] + left[a] + right[a]) / 4) as Vec3;
    const u = sub(top, bottom).map((x) => x / 2) as Vec3;
    const v = sub(right, left).map((x) => x / 2) as Vec3;
    return { centre, u, v, inside: (s, t) => s * s + t * t <= 1 + 1e-9 };
  }
  if (roi.shape !== 'rectangle') throw new Error(`ROI shape must be ellipse or rectangle, got ${String(roi.shape)}`);
  const centre: Vec3 = [0, 1, 2].map((a) => (p[0][a] + p[1][a] + p[2][a] + p[3][a]) / 4) as Vec3;
  // Half-axes along two edges from the first corner: to its neighbours (the farthest corner is the opposite one).
  const d = [1, 2, 3].map((i) => norm(sub(p[i], p[0])));
  const far = d.indexOf(Math.max(...d)) + 1;
  const [a, b] = [1, 2, 3].filter((i) => i !== far);
  const u = sub(p[a], p[0]).map((x) => x / 2) as Vec3;
  const v = sub(p[b], p[0]).map((x) => x / 2) as Vec3;
  return { centre, u, v, inside: (s, t) => Math.abs(s) <= 1 + 1e-9 && Math.abs(t) <= 1 + 1e-9 };
}

/**
 * Mean ± SD (and min, max, count) of `volume` inside the ROI: voxels whose centres lie inside the shape and within
 * half a voxel (along the slice normal) of its plane.
 * @throws when the shape is degenerate, or no voxel centre lies inside (an ROI smaller than a voxel, or off the volume)
 * @example planarRoiStats(tsc, { shape: 'ellipse', points: annotation.data.handles.points }) // { mean: 41.3, sd: 3.9, … }
 */
export function planarRoiStats(volume: Volume, roi: PlanarRoi): RoiStats {
  const { centre, u, v, inside } = roiFrame(roi);
  const lu = norm(u);
  const lv = norm(v);
  const normal = cross(u, v);
  const ln = norm(normal);
  if (!(lu > 1e-6) || !(lv > 1e-6) || !(ln > 1e-9 * lu * lv))
    throw new Error('the ROI is degenerate: its points do not span an area');
  const n: Vec3 = normal.map((x) => x / ln) as Vec3;
  // Half a voxel along the normal, measured with the voxel's extent along that direction.
  const d = volume.direction;
  const halfThickness =
    0.5 *
    (Math.abs(dot(n, d.slice(0, 3))) * volume.spacing[0] +
      Math.abs(dot(n, d.slice(3, 6))) * volume.spacing[1] +
      Math.abs(dot(n, d.slice(6, 9))) * volume.spacing[2]);
  // Voxel-index box around the shape's corners.
  const corners = [-1, 1].flatMap((s) =>
    [-1, 1].map((t) =>
      patientToVoxel(
        volume,
        [0, 1, 2].map((a) => centre[a] + s * u[a] + t * v[a]),
      ),
    ),
  );
  const lo = [0, 1, 2].map((a) => Math.max(0, Math.floor(Math.min(...corners.map((c) => c[a]))) - 1));
  const hi = [0, 1, 2].map((a) => Math.min(volume.dims[a] - 1, Math.ceil(Math.max(...corners.map((c) => c[a]))) + 1));
  let count = 0;
  let sum = 0;
  let sumSq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let k = lo[2]; k <= hi[2]; k++)
    for (let j = lo[1]; j <= hi[1]; j++)
      for (let i = lo[0]; i <= hi[0]; i++) {
        const r = sub(voxelToPatient(volume, i, j, k), centre);
        if (Math.abs(dot(r, n)) > halfThickness + 1e-6) continue;
        if (!inside(dot(r, u) / (lu * lu), dot(r, v) / (lv * lv))) continue;
        const value = volume.data[linearIndex(volume.dims, i, j, k)];
        count++;
        sum += value;
        sumSq += value * value;
        if (value < min) min = value;
        if (value > max) max = value;
      }
  if (count === 0) throw new Error('no voxel centre lies inside the ROI (smaller than a voxel, or off the volume)');
  const mean = sum / count;
  const sd = count > 1 ? Math.sqrt(Math.max(0, (sumSq - count * mean * mean) / (count - 1))) : 0;
  const areaMm2 = roi.shape === 'ellipse' ? Math.PI * lu * lv : 4 * lu * lv;
  return { mean, sd, min, max, voxels: count, areaMm2 };
}

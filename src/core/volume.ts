// The one image type of the project: a 3D scalar volume in DICOM patient coordinates (LPS).

/** Voxel index (i, j, k) maps to patient position origin + direction · (i·sx, j·sy, k·sz). */
export interface Volume {
  /** Voxel values, x fastest: index = i + j*nx + k*nx*ny. */
  data: Float32Array;
  /** [nx, ny, nz]: columns, rows, slices. */
  dims: [number, number, number];
  /** Voxel size in mm along i, j, k. */
  spacing: [number, number, number];
  /** Patient position (mm, LPS) of voxel (0, 0, 0)'s centre. */
  origin: [number, number, number];
  /** Row-major 3×3 direction cosines: [rowCosine(i) x,y,z, columnCosine(j) x,y,z, sliceNormal(k) x,y,z]. */
  direction: [number, number, number, number, number, number, number, number, number];
}

/** A binary (0/1) or label volume sharing a Volume's grid. */
export type Mask = Uint8Array;

export type Vec3 = [number, number, number];
export type Mat3 = Volume['direction'];

export const IDENTITY_DIRECTION: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function voxelCount(dims: readonly number[]): number {
  return dims[0] * dims[1] * dims[2];
}

export interface VolumeInit {
  dims: Vec3;
  spacing?: Vec3;
  origin?: Vec3;
  direction?: Mat3;
  data?: Float32Array;
}

/** Makes a Volume, checking that its data fits its dims and its geometry is finite. */
export function createVolume(init: VolumeInit): Volume {
  const dims: Vec3 = [init.dims[0], init.dims[1], init.dims[2]];
  if (init.dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`Volume dims must be three positive integers, got [${init.dims.join(', ')}]`);
  }
  const n = voxelCount(dims);
  const data = init.data ?? new Float32Array(n);
  if (data.length !== n) {
    throw new Error(`Volume data has ${data.length} values but dims [${dims.join(', ')}] need ${n}`);
  }
  const spacing: Vec3 = init.spacing ? [...init.spacing] : [1, 1, 1];
  if (spacing.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new Error(`Volume spacing must be positive and finite, got [${spacing.join(', ')}]`);
  }
  const origin: Vec3 = init.origin ? [...init.origin] : [0, 0, 0];
  const direction: Mat3 = init.direction ? [...init.direction] : [...IDENTITY_DIRECTION];
  if ([...origin, ...direction].some((v) => !Number.isFinite(v))) {
    throw new Error('Volume origin and direction must be finite');
  }
  return { data, dims, spacing, origin, direction };
}

/** A new Volume on the same grid as `like`, with the given (or zeroed) data. */
export function volumeLike(like: Volume, data?: Float32Array): Volume {
  return createVolume({ dims: like.dims, spacing: like.spacing, origin: like.origin, direction: like.direction, data });
}

/** Deep copy: callers that must never modify an input work on a clone. */
export function cloneVolume(v: Volume): Volume {
  return volumeLike(v, new Float32Array(v.data));
}

/**
 * The voxelwise mean of volumes on one grid (the paper's reference: the mean of the repeated acquisitions), on the
 * first one's grid. Sums in float32 in the order given.
 * @throws when `volumes` is empty or their sizes differ
 */
export function meanVolume(volumes: readonly Volume[]): Volume {
  if (volumes.length === 0) throw new Error('No acquisitions to average');
  const out = new Float32Array(volumes[0].data.length);
  for (const v of volumes) {
    if (v.data.length !== out.length) throw new Error('Repeated acquisitions differ in size; cannot average them');
    for (let i = 0; i < out.length; i++) out[i] += v.data[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= volumes.length;
  return volumeLike(volumes[0], out);
}

export function sameGrid(a: Volume, b: Volume, tolMm = 1e-3): boolean {
  const close = (x: readonly number[], y: readonly number[], tol: number) =>
    x.every((v, i) => Math.abs(v - y[i]) <= tol);
  return (
    a.dims.every((d, i) => d === b.dims[i]) &&
    close(a.spacing, b.spacing, tolMm) &&
    close(a.origin, b.origin, tolMm) &&
    close(a.direction, b.direction, 1e-4)
  );
}

/** Throws a clear error when two volumes (or a volume and a mask) do not share a grid. */
export function assertSameDims(a: { dims: readonly number[] } | Volume, bLength: number, what: string): void {
  const n = voxelCount(a.dims);
  if (n !== bLength)
    throw new Error(`${what} has ${bLength} voxels but the volume has ${n} (dims [${a.dims.join(', ')}])`);
}

export function linearIndex(dims: readonly number[], i: number, j: number, k: number): number {
  return i + dims[0] * (j + dims[1] * k);
}

/** Patient position (mm) of voxel (i, j, k). */
export function voxelToPatient(v: Volume, i: number, j: number, k: number): Vec3 {
  const [sx, sy, sz] = v.spacing;
  const d = v.direction;
  const a = i * sx,
    b = j * sy,
    c = k * sz;
  return [
    v.origin[0] + d[0] * a + d[3] * b + d[6] * c,
    v.origin[1] + d[1] * a + d[4] * b + d[7] * c,
    v.origin[2] + d[2] * a + d[5] * b + d[8] * c,
  ];
}

/**
 * Continuous voxel index (i, j, k) of a patient position (mm): the inverse of voxelToPatient, also for direction
 * cosines that are not orthogonal.
 * @throws when the direction matrix is singular
 */
export function patientToVoxel(v: Volume, p: readonly number[]): Vec3 {
  const d = v.direction;
  // Columns of M are the axis vectors scaled by spacing: p − origin = M · (i, j, k).
  const m = [
    [d[0] * v.spacing[0], d[3] * v.spacing[1], d[6] * v.spacing[2]],
    [d[1] * v.spacing[0], d[4] * v.spacing[1], d[7] * v.spacing[2]],
    [d[2] * v.spacing[0], d[5] * v.spacing[1], d[8] * v.spacing[2]],
  ];
  const r = [p[0] - v.origin[0], p[1] - v.origin[1], p[2] - v.origin[2]];
  const det = (a: number[][]) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const dm = det(m);
  if (!(Math.abs(dm) > 1e-12))
    throw new Error('the volume direction matrix is singular: positions cannot be mapped to voxels');
  // Cramer's rule: replace column c by r.
  const solve = (c: number) => det(m.map((row, i) => row.map((x, j) => (j === c ? r[i] : x)))) / dm;
  return [solve(0), solve(1), solve(2)];
}

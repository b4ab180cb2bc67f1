// NIfTI voxel→world transforms (sform, qform; RAS+) to and from the Volume's DICOM LPS geometry.
import type { Mat3, Vec3, Volume } from '../core/volume';

/** A 3×4 affine: world = M · [i, j, k, 1], rows x, y, z. */
export type Affine = [number[], number[], number[]];

export interface VolumeGeometry {
  spacing: Vec3;
  origin: Vec3;
  direction: Mat3;
}

/** RAS+ (NIfTI) and LPS+ (DICOM) differ by negating x and y. */
const RAS_TO_LPS = [-1, -1, 1] as const;

/** The 3×4 RAS affine of a quaternion-form (qform) transform, as nifti1.h defines it. */
export function qformToAffine(
  quatern: readonly number[],
  qoffset: readonly number[],
  pixdim: readonly number[],
): Affine {
  const [b, c, d] = quatern;
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const qfac = pixdim[0] < 0 ? -1 : 1; // nifti1.h: qfac is pixdim[0], taken as 1 when 0
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const scale = [pixdim[1], pixdim[2], pixdim[3] * qfac];
  return [0, 1, 2].map((r) => [R[r][0] * scale[0], R[r][1] * scale[1], R[r][2] * scale[2], qoffset[r]]) as Affine;
}

/** Spacing, origin and direction (LPS) of a RAS affine; throws when an axis has zero length. */
export function affineToGeometry(affine: Affine, what: string): VolumeGeometry {
  const spacing = [0, 0, 0] as Vec3;
  const direction = new Array<number>(9).fill(0) as Mat3;
  for (let axis = 0; axis < 3; axis++) {
    const col = [0, 1, 2].map((r) => affine[r][axis] * RAS_TO_LPS[r]);
    const len = Math.hypot(col[0], col[1], col[2]);
    if (!(len > 0) || !Number.isFinite(len)) {
      throw new Error(`NIfTI ${what} gives voxel axis ${axis + 1} zero or undefined length (voxel size 0?)`);
    }
    spacing[axis] = len;
    for (let r = 0; r < 3; r++) direction[3 * axis + r] = col[r] / len + 0; // + 0 turns −0 into 0
  }
  const origin = [0, 1, 2].map((r) => affine[r][3] * RAS_TO_LPS[r] + 0) as Vec3;
  return { spacing, origin, direction };
}

/** The RAS affine (sform) that describes a Volume's LPS geometry exactly. */
export function volumeToAffine(v: Pick<Volume, 'spacing' | 'origin' | 'direction'>): Affine {
  return [0, 1, 2].map((r) => [
    RAS_TO_LPS[r] * v.direction[r] * v.spacing[0],
    RAS_TO_LPS[r] * v.direction[3 + r] * v.spacing[1],
    RAS_TO_LPS[r] * v.direction[6 + r] * v.spacing[2],
    RAS_TO_LPS[r] * v.origin[r],
  ]) as Affine;
}

export interface Qform {
  quatern: [number, number, number];
  qoffset: [number, number, number];
  qfac: 1 | -1;
  /** False when the direction has shear: the qform then holds the nearest rotation and only the sform is exact. */
  exact: boolean;
}

/** The quaternion form of a Volume's geometry (rotation + qfac reflection), for the NIfTI qform fields. */
export function volumeToQform(v: Pick<Volume, 'spacing' | 'origin' | 'direction'>): Qform {
  // Columns of R are the RAS unit axes; R is proper after flipping the k axis when det < 0 (qfac = -1).
  const col = (axis: number) => [0, 1, 2].map((r) => RAS_TO_LPS[r] * v.direction[3 * axis + r]);
  const [c0, c1, c2raw] = [col(0), col(1), col(2)];
  const det =
    c0[0] * (c1[1] * c2raw[2] - c1[2] * c2raw[1]) -
    c1[0] * (c0[1] * c2raw[2] - c0[2] * c2raw[1]) +
    c2raw[0] * (c0[1] * c1[2] - c0[2] * c1[1]);
  const qfac: 1 | -1 = det < 0 ? -1 : 1;
  const c2 = c2raw.map((x) => x * qfac);
  const ortho = orthonormalize([c0, c1, c2]);
  const exact = [c0, c1, c2].every((c, i) => c.every((x, r) => Math.abs(x - ortho[i][r]) < 1e-5));
  const R = (r: number, c: number) => ortho[c][r];
  // Shepperd's method: pick the largest diagonal term for numerical stability.
  const trace = R(0, 0) + R(1, 1) + R(2, 2);
  let a: number, b: number, c: number, d: number;
  if (trace > 0) {
    const s = 0.5 / Math.sqrt(trace + 1);
    a = 0.25 / s;
    b = (R(2, 1) - R(1, 2)) * s;
    c = (R(0, 2) - R(2, 0)) * s;
    d = (R(1, 0) - R(0, 1)) * s;
  } else if (R(0, 0) > R(1, 1) && R(0, 0) > R(2, 2)) {
    const s = 2 * Math.sqrt(1 + R(0, 0) - R(1, 1) - R(2, 2));
    a = (R(2, 1) - R(1, 2)) / s;
    b = 0.25 * s;
    c = (R(0, 1) + R(1, 0)) / s;
    d = (R(0, 2) + R(2, 0)) / s;
  } else if (R(1, 1) > R(2, 2)) {
    const s = 2 * Math.sqrt(1 + R(1, 1) - R(0, 0) - R(2, 2));
    a = (R(0, 2) - R(2, 0)) / s;
    b = (R(0, 1) + R(1, 0)) / s;
    c = 0.25 * s;
    d = (R(1, 2) + R(2, 1)) / s;
  } else {
    const s = 2 * Math.sqrt(1 + R(2, 2) - R(0, 0) - R(1, 1));
    a = (R(1, 0) - R(0, 1)) / s;
    b = (R(0, 2) + R(2, 0)) / s;
    c = (R(1, 2) + R(2, 1)) / s;
    d = 0.25 * s;
  }
  if (a < 0) [b, c, d] = [-b, -c, -d]; // the qform stores b, c, d only and implies a ≥ 0
  const qoffset = [0, 1, 2].map((r) => RAS_TO_LPS[r] * v.origin[r]) as Qform['qoffset'];
  return { quatern: [b, c, d], qoffset, qfac, exact };
}

/** Gram–Schmidt on three column vectors (nearest rotation for a near-orthogonal frame). */
function orthonormalize(cols: number[][]): number[][] {
  const out: number[][] = [];
  for (const c of cols) {
    const v = [...c];
    for (const u of out) {
      const dot = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
      for (let r = 0; r < 3; r++) v[r] -= dot * u[r];
    }
    const n = Math.hypot(v[0], v[1], v[2]);
    out.push(v.map((x) => x / n));
  }
  return out;
}

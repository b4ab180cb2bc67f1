// Mask basics: the grid check, counting, volume in mL, Dice, thresholds, boolean operations, centroid.
import { voxelCount, type Mask, type Vec3 } from '../volume';

export type Dims = readonly [number, number, number] | readonly number[];

/** Throws unless `mask` has one value per voxel of `dims`. */
export function checkMask(mask: Uint8Array, dims: Dims, what = 'mask'): void {
  const n = voxelCount(dims);
  if (mask.length !== n)
    throw new Error(`${what} has ${mask.length} voxels but the grid [${dims.join(', ')}] has ${n}`);
}

/** Number of non-zero voxels. */
export function countMask(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n;
}

/** Mask volume in millilitres (1 mL = 1000 mm³). */
export function maskVolumeMl(mask: Uint8Array, spacing: readonly number[]): number {
  return (countMask(mask) * spacing[0] * spacing[1] * spacing[2]) / 1000;
}

/** Dice overlap 2|A∩B| / (|A|+|B|); 1 when both are empty. */
export function dice(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`dice: masks differ in size (${a.length} vs ${b.length} voxels)`);
  let inter = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ? 1 : 0;
    const y = b[i] ? 1 : 0;
    sa += x;
    sb += y;
    inter += x & y;
  }
  return sa + sb === 0 ? 1 : (2 * inter) / (sa + sb);
}

/** A 0/1 mask of voxels where `predicate(value)` holds. */
export function thresholdMask(data: ArrayLike<number>, predicate: (v: number) => boolean): Mask {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = predicate(data[i]) ? 1 : 0;
  return out;
}

/** A 0/1 mask of voxels above `t` (thresholdMask without a call per voxel: masks are made cold, once per volume). */
export function aboveMask(data: ArrayLike<number>, t: number): Mask {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] > t ? 1 : 0;
  return out;
}

/** A 0/1 mask of voxels at or below `t`. */
export function atOrBelowMask(data: ArrayLike<number>, t: number): Mask {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] <= t ? 1 : 0;
  return out;
}

export function and(a: Uint8Array, b: Uint8Array): Mask {
  if (a.length !== b.length) throw new Error(`mask and: sizes differ (${a.length} vs ${b.length})`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] && b[i] ? 1 : 0;
  return out;
}

export function andNot(a: Uint8Array, b: Uint8Array): Mask {
  if (a.length !== b.length) throw new Error(`mask andNot: sizes differ (${a.length} vs ${b.length})`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] && !b[i] ? 1 : 0;
  return out;
}

export function or(a: Uint8Array, b: Uint8Array): Mask {
  if (a.length !== b.length) throw new Error(`mask or: sizes differ (${a.length} vs ${b.length})`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] || b[i] ? 1 : 0;
  return out;
}

export function not(a: Uint8Array): Mask {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ? 0 : 1;
  return out;
}

/** Centroid (voxel coordinates) of the non-zero voxels, or null for an empty mask. */
export function centroid(mask: Uint8Array, dims: Dims): Vec3 | null {
  checkMask(mask, dims);
  const [nx, ny] = dims;
  let n = 0,
    si = 0,
    sj = 0,
    sk = 0;
  for (let idx = 0; idx < mask.length; idx++) {
    if (!mask[idx]) continue;
    const i = idx % nx;
    const j = Math.floor(idx / nx) % ny;
    const k = Math.floor(idx / (nx * ny));
    n++;
    si += i;
    sj += j;
    sk += k;
  }
  return n === 0 ? null : [si / n, sj / n, sk / n];
}

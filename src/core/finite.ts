// NaN and ±Inf voxels: found, counted and located, so every command can say what is wrong with an image instead of
// failing later with a misleading message ("the image is constant") or silently writing NaN.
import type { Volume } from './volume';

export interface NonFiniteReport {
  count: number;
  nan: number;
  inf: number;
  /** Voxel index [i, j, k] of the first non-finite voxel (x fastest). */
  first: [number, number, number];
}

/** Counts the NaN / ±Inf voxels of a volume; undefined when every voxel is finite. */
export function findNonFinite(volume: Pick<Volume, 'data' | 'dims'>): NonFiniteReport | undefined {
  const { data, dims } = volume;
  let nan = 0;
  let inf = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v === 0) continue; // finite (NaN - NaN and Inf - Inf are NaN)
    if (Number.isNaN(v)) nan++;
    else inf++;
    if (first < 0) first = i;
  }
  if (first < 0) return undefined;
  const [nx, ny] = dims;
  return {
    count: nan + inf,
    nan,
    inf,
    first: [first % nx, Math.floor(first / nx) % ny, Math.floor(first / (nx * ny))],
  };
}

/**
 * One phrase for messages.
 * @example describeNonFinite(r) // "holds 12 NaN voxels (first at voxel [3, 4, 5])"
 */
export function describeNonFinite(r: NonFiniteReport): string {
  const parts = [r.nan ? `${r.nan} NaN` : '', r.inf ? `${r.inf} infinite` : ''].filter(Boolean).join(' and ');
  return `holds ${parts} voxel${r.count === 1 ? '' : 's'} (first at voxel [${r.first.join(', ')}])`;
}

/** Throws "<what> holds N NaN voxels (first at voxel [i, j, k]); <why>" when any voxel is not finite. */
export function assertFiniteVolume(volume: Pick<Volume, 'data' | 'dims'>, what: string, why: string): void {
  const r = findNonFinite(volume);
  if (r) throw new Error(`${what} ${describeNonFinite(r)}; ${why}`);
}

/** A copy with non-finite voxels set to 0 (the volume itself when all are finite). */
export function zeroNonFinite(volume: Volume): Volume {
  if (!findNonFinite(volume)) return volume;
  const data = Float32Array.from(volume.data, (v) => (v - v === 0 ? v : 0));
  return { ...volume, data };
}

// Tiling for DA inference: memory-bounded boxes of the volume, their reflect-padded inputs, and layer-1 im2col rows.
import { TAPS } from './architecture';
import { reflectIndex } from './patches';

/** A box of the volume [z0,z1)×[y0,y1)×[x0,x1): the bounding box of the voxels it computes. */
export interface Tile {
  z0: number;
  z1: number;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  /** Linear voxel indices to compute, ascending. */
  centres: Int32Array;
}

/** Slabs of whole x-rows (full y extent when it fits, else a y-range of one z-slice), each shrunk to the bounding box of its voxels. */
export function planTiles(
  dims: readonly number[],
  mask: Uint8Array | undefined,
  maxTileVoxels: number,
  halo: number,
): Tile[] {
  const [nx, ny, nz] = dims;
  let tz: number, ty: number;
  const slice = (nx + halo) * (ny + halo);
  if (slice * (1 + halo) <= maxTileVoxels) {
    ty = ny;
    tz = Math.min(nz, Math.max(1, Math.floor(maxTileVoxels / slice) - halo));
  } else {
    tz = 1;
    ty = Math.min(ny, Math.max(1, Math.floor(maxTileVoxels / ((nx + halo) * (1 + halo))) - halo));
  }
  const tiles: Tile[] = [];
  for (let z0 = 0; z0 < nz; z0 += tz) {
    const z1 = Math.min(nz, z0 + tz);
    for (let y0 = 0; y0 < ny; y0 += ty) {
      const y1 = Math.min(ny, y0 + ty);
      let count = 0;
      for (let z = z0; z < z1; z++)
        for (let y = y0; y < y1; y++) {
          const row = nx * (y + ny * z);
          if (!mask) count += nx;
          else for (let x = 0; x < nx; x++) count += mask[row + x] !== 0 ? 1 : 0;
        }
      if (count === 0) continue;
      const centres = new Int32Array(count);
      let c = 0;
      // Shrink the box to its voxels' bounding box: with a brain mask, layer 1 and the padded input cover far less.
      let bz0 = z1,
        bz1 = z0,
        by0 = y1,
        by1 = y0,
        bx0 = nx,
        bx1 = 0;
      for (let z = z0; z < z1; z++)
        for (let y = y0; y < y1; y++) {
          const row = nx * (y + ny * z);
          for (let x = 0; x < nx; x++) {
            if (mask && mask[row + x] === 0) continue;
            centres[c++] = row + x;
            if (z < bz0) bz0 = z;
            if (z >= bz1) bz1 = z + 1;
            if (y < by0) by0 = y;
            if (y >= by1) by1 = y + 1;
            if (x < bx0) bx0 = x;
            if (x >= bx1) bx1 = x + 1;
          }
        }
      tiles.push({ z0: bz0, z1: bz1, y0: by0, y1: by1, x0: bx0, x1: bx1, centres });
    }
  }
  return tiles;
}

/**
 * Normalised input of a tile with `margin` voxels of context on every side (reflect border), as
 * [z, y, x] of size (tz+2m)(ty+2m)(nx+2m).
 */
export function paddedTileInput(
  data: Float32Array,
  dims: readonly number[],
  tile: Tile,
  margin: number,
  inv: number,
): Float32Array {
  const [nx, ny, nz] = dims;
  const px = tile.x1 - tile.x0 + 2 * margin,
    py = tile.y1 - tile.y0 + 2 * margin,
    pz = tile.z1 - tile.z0 + 2 * margin;
  const out = new Float32Array(px * py * pz);
  const xs = new Int32Array(px);
  for (let a = 0; a < px; a++) xs[a] = reflectIndex(tile.x0 + a - margin, nx);
  let o = 0;
  for (let c = 0; c < pz; c++) {
    const z = reflectIndex(tile.z0 + c - margin, nz);
    for (let b = 0; b < py; b++) {
      const row = nx * (reflectIndex(tile.y0 + b - margin, ny) + ny * z);
      for (let a = 0; a < px; a++) out[o++] = data[row + xs[a]] * inv;
    }
  }
  return out;
}

/** Layer-1 im2col of a padded tile input: [Lz·Ly·Lx, 27] with L = padded − 2, tap index (kd·3 + kh)·3 + kw. */
export function layer1Rows(padded: Float32Array, px: number, py: number, pz: number): Float32Array {
  const lx = px - 2,
    ly = py - 2,
    lz = pz - 2;
  const rows = new Float32Array(lx * ly * lz * TAPS);
  let o = 0;
  for (let c = 0; c < lz; c++)
    for (let b = 0; b < ly; b++)
      for (let a = 0; a < lx; a++) {
        for (let kd = 0; kd < 3; kd++)
          for (let kh = 0; kh < 3; kh++) {
            const src = ((c + kd) * py + (b + kh)) * px + a;
            rows[o++] = padded[src];
            rows[o++] = padded[src + 1];
            rows[o++] = padded[src + 2];
          }
      }
  return rows;
}

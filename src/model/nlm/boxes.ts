// Splits a volume into boxes of NLM work (z slabs trimmed to the mask) and cuts each box, grown by the block radius
// with DIPY's reflection at the edges, out of the volume.
import type { Mask } from '../../core/volume';

export interface NlmBox {
  /** First voxel of the box. */
  start: [number, number, number];
  /** Box size in voxels. */
  size: [number, number, number];
}

/**
 * Up to `count` z slabs covering every masked voxel (all voxels without a mask), each trimmed to the bounding box of
 * its masked voxels so unmasked corners cost nothing.
 */
export function planNlmBoxes(dims: readonly [number, number, number], count: number, mask?: Mask): NlmBox[] {
  const [nx, ny, nz] = dims;
  const zMasked: boolean[] = [];
  for (let z = 0; z < nz; z++) zMasked.push(!mask || sliceHasMask(mask, nx * ny, z));
  const zFirst = zMasked.indexOf(true);
  const zLast = zMasked.lastIndexOf(true);
  if (zFirst < 0) return [];
  const extent = zLast - zFirst + 1;
  const slabs = Math.max(1, Math.min(Math.floor(count), extent));
  const boxes: NlmBox[] = [];
  for (let s = 0; s < slabs; s++) {
    const z0 = zFirst + Math.floor((s * extent) / slabs);
    const z1 = zFirst + Math.floor(((s + 1) * extent) / slabs);
    const bounds = maskBounds(dims, z0, z1, mask);
    if (bounds) boxes.push(bounds);
  }
  return boxes;
}

function sliceHasMask(mask: Mask, plane: number, z: number): boolean {
  for (let i = z * plane, end = i + plane; i < end; i++) if (mask[i]) return true;
  return false;
}

function maskBounds(dims: readonly [number, number, number], z0: number, z1: number, mask?: Mask): NlmBox | null {
  const [nx, ny] = dims;
  if (!mask) return { start: [0, 0, z0], size: [nx, ny, z1 - z0] };
  let x0 = nx,
    x1 = -1,
    y0 = ny,
    y1 = -1,
    zA = z1,
    zB = -1;
  for (let z = z0; z < z1; z++) {
    for (let y = 0; y < ny; y++) {
      const row = nx * (y + ny * z);
      for (let x = 0; x < nx; x++) {
        if (!mask[row + x]) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (z < zA) zA = z;
        if (z > zB) zB = z;
      }
    }
  }
  if (x1 < 0) return null;
  return { start: [x0, y0, zA], size: [x1 - x0 + 1, y1 - y0 + 1, zB - zA + 1] };
}

/** numpy's 'reflect' (edge not repeated), DIPY's padding; valid for pad < n. */
export function reflectIndex(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/** The box grown by `grow` voxels on every side, values outside the volume reflected back in. */
export function extractGrownBox(
  data: Float32Array,
  dims: readonly [number, number, number],
  box: NlmBox,
  grow: number,
): Float32Array {
  const [nx, ny, nz] = dims;
  const gx = box.size[0] + 2 * grow,
    gy = box.size[1] + 2 * grow,
    gz = box.size[2] + 2 * grow;
  const out = new Float32Array(gx * gy * gz);
  const xs = Int32Array.from({ length: gx }, (_, t) => reflectIndex(box.start[0] - grow + t, nx));
  for (let z = 0, o = 0; z < gz; z++) {
    const sz = reflectIndex(box.start[2] - grow + z, nz);
    for (let y = 0; y < gy; y++) {
      const row = nx * (reflectIndex(box.start[1] - grow + y, ny) + ny * sz);
      for (let x = 0; x < gx; x++, o++) out[o] = data[row + xs[x]];
    }
  }
  return out;
}

/**
 * Per row of the box (y + by·z), the x range [lo, hi) of its masked voxels, box-relative, 2 values a row (lo = hi:
 * none): the kernel's `rows`, so the SIMD kernel skips what the mask discards.
 */
export function boxRowRanges(mask: Mask, dims: readonly [number, number, number], box: NlmBox): Int32Array {
  const [nx, ny] = dims;
  const [bx, by, bz] = box.size;
  const [x0, y0, z0] = box.start;
  const rows = new Int32Array(2 * by * bz);
  for (let z = 0, r = 0; z < bz; z++) {
    for (let y = 0; y < by; y++, r++) {
      const at = x0 + nx * (y0 + y + ny * (z0 + z));
      let lo = 0;
      while (lo < bx && !mask[at + lo]) lo++;
      if (lo === bx) continue; // no masked voxel: [0, 0)
      let hi = bx;
      while (!mask[at + hi - 1]) hi--;
      rows[2 * r] = lo;
      rows[2 * r + 1] = hi;
    }
  }
  return rows;
}

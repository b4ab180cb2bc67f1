// Splits a volume into boxes of NLM work (z slabs trimmed to the mask) and cuts each box, grown by the block radius
// with DIPY's reflection at the edges, out of the volume.
import type { Mask } from '../../core/volume';

export interface NlmBox {
  /** First voxel of the box. */
  start: [number, number, number];
  /** Box size in voxels. */
  size: [number, number, number];
  /**
   * With a mask: per row of the box (y + by·z), the x range [lo, hi) of its masked voxels, box-relative, 2 values a
   * row ([0, 0): none), the kernel's `rows`, so the SIMD kernel skips what the mask discards.
   */
  rows?: Int32Array;
}

/**
 * Up to `count` z slabs covering every masked voxel (all voxels without a mask), each trimmed to the bounding box of
 * its masked voxels so unmasked corners cost nothing.
 */
export function planNlmBoxes(dims: readonly [number, number, number], count: number, mask?: Mask): NlmBox[] {
  const [nx, ny, nz] = dims;
  const rows = mask ? maskRowRanges(mask, dims) : null;
  const zMasked: boolean[] = [];
  for (let z = 0; z < nz; z++) zMasked.push(!rows || planeHasMask(rows, ny, z));
  const zFirst = zMasked.indexOf(true);
  const zLast = zMasked.lastIndexOf(true);
  if (zFirst < 0) return [];
  const extent = zLast - zFirst + 1;
  const slabs = Math.max(1, Math.min(Math.floor(count), extent));
  const boxes: NlmBox[] = [];
  for (let s = 0; s < slabs; s++) {
    const z0 = zFirst + Math.floor((s * extent) / slabs);
    const z1 = zFirst + Math.floor(((s + 1) * extent) / slabs);
    const box: NlmBox | null = rows ? maskedBox(rows, ny, z0, z1) : { start: [0, 0, z0], size: [nx, ny, z1 - z0] };
    if (box) boxes.push(box);
  }
  return boxes;
}

/**
 * Per row of the volume (y + ny·z), the x range [lo, hi) of its masked voxels, 2 values a row ([0, 0): none): one
 * pass over the mask serves the slabs, their bounds and the kernel's rows.
 */
export function maskRowRanges(mask: Mask, dims: readonly [number, number, number]): Int32Array {
  const [nx, ny, nz] = dims;
  const rows = new Int32Array(2 * ny * nz);
  for (let r = 0, at = 0; r < ny * nz; r++, at += nx) {
    let lo = 0;
    while (lo < nx && !mask[at + lo]) lo++;
    if (lo === nx) continue;
    let hi = nx;
    while (!mask[at + hi - 1]) hi--;
    rows[2 * r] = lo;
    rows[2 * r + 1] = hi;
  }
  return rows;
}

function planeHasMask(rows: Int32Array, ny: number, z: number): boolean {
  for (let r = ny * z, end = r + ny; r < end; r++) if (rows[2 * r + 1] > 0) return true;
  return false;
}

/** The bounding box of the masked voxels of planes z0 … z1 − 1, with its rows; null if there are none. */
function maskedBox(rows: Int32Array, ny: number, z0: number, z1: number): NlmBox | null {
  let x0 = Infinity,
    x1 = -1,
    y0 = ny,
    y1 = -1,
    zA = z1,
    zB = -1;
  for (let z = z0; z < z1; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + ny * z;
      const lo = rows[2 * r],
        hi = rows[2 * r + 1];
      if (hi === 0) continue;
      if (lo < x0) x0 = lo;
      if (hi > x1) x1 = hi;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < zA) zA = z;
      if (z > zB) zB = z;
    }
  }
  if (x1 < 0) return null;
  const by = y1 - y0 + 1,
    bz = zB - zA + 1;
  const boxRows = new Int32Array(2 * by * bz);
  for (let z = 0, b = 0; z < bz; z++) {
    for (let y = 0; y < by; y++, b++) {
      const r = y0 + y + ny * (zA + z);
      if (rows[2 * r + 1] === 0) continue;
      boxRows[2 * b] = rows[2 * r] - x0;
      boxRows[2 * b + 1] = rows[2 * r + 1] - x0;
    }
  }
  return { start: [x0, y0, zA], size: [x1 - x0, by, bz], rows: boxRows };
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
  // x = x0 … x0 + gx − 1 reflected; the run [inLo, inHi) needs no reflection and is copied as a block.
  const x0 = box.start[0] - grow;
  const inLo = Math.max(0, -x0),
    inHi = Math.min(gx, nx - x0);
  for (let z = 0, o = 0; z < gz; z++) {
    const sz = reflectIndex(box.start[2] - grow + z, nz);
    for (let y = 0; y < gy; y++, o += gx) {
      const row = nx * (reflectIndex(box.start[1] - grow + y, ny) + ny * sz);
      for (let x = 0; x < inLo; x++) out[o + x] = data[row + reflectIndex(x0 + x, nx)];
      out.set(data.subarray(row + x0 + inLo, row + x0 + inHi), o + inLo);
      for (let x = inHi; x < gx; x++) out[o + x] = data[row + reflectIndex(x0 + x, nx)];
    }
  }
  return out;
}

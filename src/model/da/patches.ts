// 5×5×5 patch extraction shared by training and tests, with the same border rule and layout as inference.
//
// Layout: patch c occupies out[c*125 .. c*125+124]; within it the index is (dz*5 + dy)*5 + dx for offsets
// dz, dy, dx ∈ 0..4 from (z-2, y-2, x-2): z-major, then y, then x — the [5,5,5,1] (depth, height, width, channel)
// input of the LayersModel. The centre voxel is index 62.
// Border: voxels outside the volume are mirrored without repeating the edge ('reflect', numpy's mode:
// -1 → 1, -2 → 2, n → n-2), so every voxel of a volume with all dims ≥ 5 has a full patch.
import type { Vec3 } from '../../core/volume';
import { PATCH_RADIUS, PATCH_SIZE, PATCH_VOXELS, TAPS } from './architecture';

/** Layer-1 output positions inside one patch (3×3×3: the valid 3³ convolution of a 5³ patch). */
export const LAYER1_POSITIONS = 27;

/**
 * LAYER1_TAPS[p·27 + k]: the patch voxel feeding layer-1 position p through tap k (both (z·3 + y)·3 + x): the
 * im2col map of the first convolution, used by the training step's im2col.
 */
export const LAYER1_TAPS: Int32Array = (() => {
  const t = new Int32Array(LAYER1_POSITIONS * TAPS);
  for (let pz = 0; pz < 3; pz++)
    for (let py = 0; py < 3; py++)
      for (let px = 0; px < 3; px++) {
        const p = (pz * 3 + py) * 3 + px;
        for (let kd = 0; kd < 3; kd++)
          for (let kh = 0; kh < 3; kh++)
            for (let kw = 0; kw < 3; kw++) {
              t[p * TAPS + (kd * 3 + kh) * 3 + kw] = ((pz + kd) * PATCH_SIZE + (py + kh)) * PATCH_SIZE + (px + kw);
            }
      }
  return t;
})();

/** Mirrors an index into [0, n): the 'reflect' border rule (valid for overshoots < n). */
export function reflectIndex(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

export function checkPatchDims(dims: readonly number[]): void {
  if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d)))
    throw new Error(`dims must be three integers, got [${dims}]`);
  if (dims.some((d) => d < PATCH_SIZE)) {
    throw new Error(
      `the DA needs a 3D volume with every dimension ≥ ${PATCH_SIZE} voxels, got dims [${dims.join(', ')}]`,
    );
  }
}

/**
 * Copies the normalised 5×5×5 patches around `centers` (linear voxel indices i + nx*(j + ny*k)) into `out`
 * ([centers.length, 125], layout above), dividing by `scale`. Returns `out`.
 */
export function extractPatches(
  data: Float32Array,
  dims: Vec3 | readonly number[],
  centers: Int32Array,
  scale: number,
  out: Float32Array,
): Float32Array {
  checkPatchDims(dims);
  const [nx, ny, nz] = dims;
  if (data.length !== nx * ny * nz)
    throw new Error(`data has ${data.length} values but dims [${dims}] need ${nx * ny * nz}`);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`scale must be positive and finite, got ${scale}`);
  if (out.length < centers.length * PATCH_VOXELS) {
    throw new Error(
      `out holds ${out.length} values but ${centers.length} patches need ${centers.length * PATCH_VOXELS}`,
    );
  }
  const inv = 1 / scale;
  const xs = new Int32Array(PATCH_SIZE),
    ys = new Int32Array(PATCH_SIZE),
    zs = new Int32Array(PATCH_SIZE);
  for (let c = 0; c < centers.length; c++) {
    const v = centers[c];
    if (!(v >= 0 && v < data.length))
      throw new Error(`center ${c} = ${v} is outside the volume (0..${data.length - 1})`);
    const x = v % nx,
      y = ((v - x) / nx) % ny,
      z = Math.floor(v / (nx * ny));
    for (let d = 0; d < PATCH_SIZE; d++) {
      xs[d] = reflectIndex(x + d - PATCH_RADIUS, nx);
      ys[d] = nx * reflectIndex(y + d - PATCH_RADIUS, ny);
      zs[d] = nx * ny * reflectIndex(z + d - PATCH_RADIUS, nz);
    }
    let o = c * PATCH_VOXELS;
    for (let dz = 0; dz < PATCH_SIZE; dz++) {
      for (let dy = 0; dy < PATCH_SIZE; dy++) {
        const row = zs[dz] + ys[dy];
        for (let dx = 0; dx < PATCH_SIZE; dx++) out[o++] = data[row + xs[dx]] * inv;
      }
    }
  }
  return out;
}

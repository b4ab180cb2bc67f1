// Bounding boxes of masks, and cropping / padding volumes and arrays to them.
import { createVolume, voxelCount, voxelToPatient, type Vec3, type Volume } from '../volume';
import { checkMask, type Dims } from './ops';

/** Inclusive voxel bounds. */
export interface Box {
  min: Vec3;
  max: Vec3;
}

/** Smallest box holding every non-zero voxel, or null for an empty mask. */
export function boundingBox(mask: Uint8Array, dims: Dims): Box | null {
  checkMask(mask, dims);
  const [nx, ny, nz] = dims;
  const min: Vec3 = [nx, ny, nz];
  const max: Vec3 = [-1, -1, -1];
  for (let k = 0, idx = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        if (!mask[idx]) continue;
        if (i < min[0]) min[0] = i;
        if (i > max[0]) max[0] = i;
        if (j < min[1]) min[1] = j;
        if (j > max[1]) max[1] = j;
        if (k < min[2]) min[2] = k;
        if (k > max[2]) max[2] = k;
      }
  return max[0] < 0 ? null : { min, max };
}

export function boxSize(box: Box): Vec3 {
  return [box.max[0] - box.min[0] + 1, box.max[1] - box.min[1] + 1, box.max[2] - box.min[2] + 1];
}

/** The box grown by `margin` voxels per axis, clipped to the grid. */
export function expandBox(box: Box, margin: number | readonly number[], dims: Dims): Box {
  const m = typeof margin === 'number' ? [margin, margin, margin] : margin;
  return {
    min: [0, 1, 2].map((a) => Math.max(0, box.min[a] - m[a])) as Vec3,
    max: [0, 1, 2].map((a) => Math.min(dims[a] - 1, box.max[a] + m[a])) as Vec3,
  };
}

function checkBox(box: Box, dims: Dims): void {
  for (let a = 0; a < 3; a++) {
    if (!(
      Number.isInteger(box.min[a]) &&
      Number.isInteger(box.max[a]) &&
      box.min[a] >= 0 &&
      box.max[a] < dims[a] &&
      box.min[a] <= box.max[a]
    )) {
      throw new Error(`box [${box.min.join(', ')}]–[${box.max.join(', ')}] does not fit the grid [${dims.join(', ')}]`);
    }
  }
}

/** Copies the box out of a grid of values (any typed array). */
export function cropArray<T extends Float32Array | Uint8Array>(data: T, dims: Dims, box: Box): T {
  checkBox(box, dims);
  const [nx, ny] = dims;
  const [sx, sy, sz] = boxSize(box);
  const out = new (data.constructor as new (n: number) => T)(sx * sy * sz);
  for (let k = 0; k < sz; k++)
    for (let j = 0; j < sy; j++) {
      const from = box.min[0] + nx * (box.min[1] + j + ny * (box.min[2] + k));
      out.set(data.subarray(from, from + sx), sx * (j + sy * k));
    }
  return out;
}

/** The sub-volume inside `box`, with its origin moved so that patient positions are unchanged. */
export function cropVolume(volume: Volume, box: Box): Volume {
  return createVolume({
    dims: boxSize(box),
    spacing: volume.spacing,
    origin: voxelToPatient(volume, box.min[0], box.min[1], box.min[2]),
    direction: volume.direction,
    data: cropArray(volume.data, volume.dims, box),
  });
}

/** Puts a cropped array back at `box` inside a grid of `dims`, filling the rest with `fill` (inverse of cropArray). */
export function uncropArray<T extends Float32Array | Uint8Array>(cropped: T, box: Box, dims: Dims, fill = 0): T {
  checkBox(box, dims);
  const [sx, sy, sz] = boxSize(box);
  if (cropped.length !== sx * sy * sz)
    throw new Error(`uncrop: ${cropped.length} values do not fill a box of ${sx}×${sy}×${sz}`);
  const [nx, ny] = dims;
  const out = new (cropped.constructor as new (n: number) => T)(voxelCount(dims));
  if (fill !== 0) out.fill(fill);
  for (let k = 0; k < sz; k++)
    for (let j = 0; j < sy; j++) {
      const to = box.min[0] + nx * (box.min[1] + j + ny * (box.min[2] + k));
      out.set(cropped.subarray(sx * (j + sy * k), sx * (j + 1 + sy * k)), to);
    }
  return out;
}

/** Pads a volume by `before`/`after` voxels per axis with a constant; the origin moves so positions are unchanged. */
export function padVolume(volume: Volume, before: Vec3, after: Vec3, value = 0): Volume {
  if ([...before, ...after].some((p) => !Number.isInteger(p) || p < 0))
    throw new Error(`pad amounts must be integers ≥ 0`);
  const dims: Vec3 = [0, 1, 2].map((a) => volume.dims[a] + before[a] + after[a]) as Vec3;
  const box: Box = { min: [...before], max: [0, 1, 2].map((a) => before[a] + volume.dims[a] - 1) as Vec3 };
  const data = uncropArray(volume.data, box, dims, value);
  return createVolume({
    dims,
    spacing: volume.spacing,
    origin: voxelToPatient(volume, -before[0], -before[1], -before[2]),
    direction: volume.direction,
    data,
  });
}

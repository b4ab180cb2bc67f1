// Binary mask helpers on a Volume's grid: counting, bounding boxes, crop/pad, morphology in mm, components, Dice.
import type { Mask, Vec3, Volume } from './volume';
import { createVolume, voxelCount, voxelToPatient } from './volume';

export type Dims = readonly [number, number, number] | readonly number[];

function checkMask(mask: Uint8Array, dims: Dims, what = 'mask'): void {
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

// ---------------------------------------------------------------------------------------------------------------
// Bounding boxes, crop and pad

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

// ---------------------------------------------------------------------------------------------------------------
// Distance transform and morphology with ball radii in mm

/**
 * 1D lower envelope of parabolas (Felzenszwalb & Huttenlocher 2012) for samples `w` apart:
 * d(p) = min_q f(q) + (w·(p − q))², in place on f over n samples.
 */
function edt1d(f: Float64Array, n: number, w: number, v: Int32Array, z: Float64Array, d: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    const fq = f[q] + w * q * (w * q);
    while (k >= 0) {
      const p = v[k];
      const s = (fq - (f[p] + w * p * (w * p))) / (2 * w * w * (q - p));
      if (s <= z[k]) k--;
      else {
        k++;
        v[k] = q;
        z[k] = s;
        break;
      }
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
    }
  }
  if (k < 0) {
    for (let q = 0; q < n; q++) d[q] = Infinity;
    return;
  }
  z[k + 1] = Infinity;
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const dq = w * (q - v[j]);
    d[q] = dq * dq + f[v[j]];
  }
  for (let q = 0; q < n; q++) f[q] = d[q];
}

/** Squared Euclidean distance in mm² from each voxel to the nearest non-zero voxel of `mask` (Infinity if none). */
export function squaredDistanceToMask(mask: Uint8Array, dims: Dims, spacing: readonly number[]): Float64Array {
  checkMask(mask, dims);
  const [nx, ny, nz] = dims;
  const dist = new Float64Array(mask.length);
  for (let i = 0; i < mask.length; i++) dist[i] = mask[i] ? 0 : Infinity;
  const maxN = Math.max(nx, ny, nz);
  const f = new Float64Array(maxN);
  const d = new Float64Array(maxN);
  const v = new Int32Array(maxN);
  const z = new Float64Array(maxN + 1);
  const strides = [1, nx, nx * ny];
  for (const axis of [0, 1, 2] as const) {
    const n = dims[axis];
    const stride = strides[axis];
    const lines = mask.length / n;
    for (let l = 0; l < lines; l++) {
      const start = axis === 0 ? l * nx : axis === 1 ? (l % nx) + Math.floor(l / nx) * nx * ny : l;
      for (let p = 0; p < n; p++) f[p] = dist[start + p * stride];
      edt1d(f, n, spacing[axis], v, z, d);
      for (let p = 0; p < n; p++) dist[start + p * stride] = f[p];
    }
  }
  return dist;
}

/** Dilation by a ball of `radiusMm`: voxels within radiusMm of the mask. */
export function dilate(mask: Uint8Array, dims: Dims, spacing: readonly number[], radiusMm: number): Mask {
  if (!(radiusMm >= 0)) throw new Error(`dilation radius must be ≥ 0 mm, got ${radiusMm}`);
  const d2 = squaredDistanceToMask(mask, dims, spacing);
  const r2 = radiusMm * radiusMm * (1 + 1e-9);
  return thresholdMask(d2, (v) => v <= r2);
}

/**
 * Erosion by a ball of `radiusMm`: mask voxels farther than radiusMm from every background voxel.
 * Space beyond the grid counts as neither (a mask touching the edge is not eroded from it).
 */
export function erode(mask: Uint8Array, dims: Dims, spacing: readonly number[], radiusMm: number): Mask {
  return not(dilate(not(mask), dims, spacing, radiusMm));
}

/** Opening (erode then dilate): removes parts thinner than about 2·radius. */
export function open(mask: Uint8Array, dims: Dims, spacing: readonly number[], radiusMm: number): Mask {
  return dilate(erode(mask, dims, spacing, radiusMm), dims, spacing, radiusMm);
}

/** Closing (dilate then erode): bridges gaps narrower than about 2·radius. */
export function close(mask: Uint8Array, dims: Dims, spacing: readonly number[], radiusMm: number): Mask {
  return erode(dilate(mask, dims, spacing, radiusMm), dims, spacing, radiusMm);
}

// ---------------------------------------------------------------------------------------------------------------
// Connectivity

export type Connectivity = 6 | 26;

function neighbourOffsets(connectivity: Connectivity): Array<[number, number, number]> {
  const offs: Array<[number, number, number]> = [];
  for (let dk = -1; dk <= 1; dk++)
    for (let dj = -1; dj <= 1; dj++)
      for (let di = -1; di <= 1; di++) {
        const manhattan = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (manhattan === 0) continue;
        if (connectivity === 6 && manhattan > 1) continue;
        offs.push([di, dj, dk]);
      }
  return offs;
}

/** Flood fill from seeds over voxels where `allowed` is set; returns the reached voxels. */
function flood(allowed: Uint8Array, dims: Dims, seeds: Iterable<number>, connectivity: Connectivity): Mask {
  const [nx, ny, nz] = dims;
  const reached = new Uint8Array(allowed.length);
  const queue = new Int32Array(allowed.length);
  let head = 0;
  let tail = 0;
  for (const s of seeds) {
    if (allowed[s] && !reached[s]) {
      reached[s] = 1;
      queue[tail++] = s;
    }
  }
  const offs = neighbourOffsets(connectivity);
  while (head < tail) {
    const idx = queue[head++];
    const i = idx % nx;
    const j = Math.floor(idx / nx) % ny;
    const k = Math.floor(idx / (nx * ny));
    for (const [di, dj, dk] of offs) {
      const a = i + di,
        b = j + dj,
        c = k + dk;
      if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
      const n = a + nx * (b + ny * c);
      if (allowed[n] && !reached[n]) {
        reached[n] = 1;
        queue[tail++] = n;
      }
    }
  }
  return reached;
}

function* borderVoxels(dims: Dims): Generator<number> {
  const [nx, ny, nz] = dims;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        if (i === 0 || j === 0 || k === 0 || i === nx - 1 || j === ny - 1 || k === nz - 1) yield i + nx * (j + ny * k);
      }
}

/** Fills cavities: background voxels not 6-connected to the grid's border become part of the mask. */
export function fillHoles(mask: Uint8Array, dims: Dims): Mask {
  checkMask(mask, dims);
  const outside = flood(not(mask), dims, borderVoxels(dims), 6);
  return not(outside);
}

/** Fills holes slice by slice along `axis` (2D, 4-connected background), for cavities open at the volume's ends. */
export function fillHolesSlices(mask: Uint8Array, dims: Dims, axis: 0 | 1 | 2 = 2): Mask {
  checkMask(mask, dims);
  const out = new Uint8Array(mask);
  const [nx, ny] = dims;
  const axes = [0, 1, 2].filter((a) => a !== axis) as [number, number];
  const [ua, va] = axes;
  const nu = dims[ua];
  const nv = dims[va];
  const stride = [1, nx, nx * ny];
  const reached = new Uint8Array(nu * nv);
  const queue = new Int32Array(nu * nv);
  for (let s = 0; s < dims[axis]; s++) {
    const base = s * stride[axis];
    const at = (u: number, v: number) => base + u * stride[ua] + v * stride[va];
    reached.fill(0);
    let head = 0;
    let tail = 0;
    const push = (u: number, v: number) => {
      const p = u + nu * v;
      if (!reached[p] && !mask[at(u, v)]) {
        reached[p] = 1;
        queue[tail++] = p;
      }
    };
    for (let u = 0; u < nu; u++) {
      push(u, 0);
      push(u, nv - 1);
    }
    for (let v = 0; v < nv; v++) {
      push(0, v);
      push(nu - 1, v);
    }
    while (head < tail) {
      const p = queue[head++];
      const u = p % nu;
      const v = (p - u) / nu;
      if (u > 0) push(u - 1, v);
      if (u < nu - 1) push(u + 1, v);
      if (v > 0) push(u, v - 1);
      if (v < nv - 1) push(u, v + 1);
    }
    for (let v = 0; v < nv; v++) for (let u = 0; u < nu; u++) if (!reached[u + nu * v]) out[at(u, v)] = 1;
  }
  return out;
}

export interface Components {
  /** 0 = background, 1..count = component label, ordered by decreasing size. */
  labels: Int32Array;
  /** sizes[l - 1] = voxel count of label l. */
  sizes: number[];
}

/** Labels connected components, largest first. */
export function connectedComponents(mask: Uint8Array, dims: Dims, connectivity: Connectivity = 6): Components {
  checkMask(mask, dims);
  const [nx, ny, nz] = dims;
  const raw = new Int32Array(mask.length);
  const rawSizes: number[] = [];
  const queue = new Int32Array(mask.length);
  const offs = neighbourOffsets(connectivity);
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || raw[s]) continue;
    const label = rawSizes.length + 1;
    let head = 0;
    let tail = 0;
    raw[s] = label;
    queue[tail++] = s;
    while (head < tail) {
      const idx = queue[head++];
      const i = idx % nx;
      const j = Math.floor(idx / nx) % ny;
      const k = Math.floor(idx / (nx * ny));
      for (const [di, dj, dk] of offs) {
        const a = i + di,
          b = j + dj,
          c = k + dk;
        if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
        const n = a + nx * (b + ny * c);
        if (mask[n] && !raw[n]) {
          raw[n] = label;
          queue[tail++] = n;
        }
      }
    }
    rawSizes.push(tail);
  }
  const order = rawSizes.map((_, i) => i).sort((a, b) => rawSizes[b] - rawSizes[a] || a - b);
  const remap = new Int32Array(rawSizes.length + 1);
  order.forEach((old, rank) => (remap[old + 1] = rank + 1));
  const labels = new Int32Array(mask.length);
  for (let i = 0; i < raw.length; i++) labels[i] = remap[raw[i]];
  return { labels, sizes: order.map((o) => rawSizes[o]) };
}

/** The largest connected component (empty mask in, empty mask out). */
export function largestComponent(mask: Uint8Array, dims: Dims, connectivity: Connectivity = 6): Mask {
  const { labels, sizes } = connectedComponents(mask, dims, connectivity);
  const out = new Uint8Array(mask.length);
  if (sizes.length === 0) return out;
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] === 1 ? 1 : 0;
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

// Separable linear filters on 3D grids (Gaussian smoothing), with scipy.ndimage's boundary modes.
import type { Volume, Vec3 } from './volume';
import { voxelCount, volumeLike } from './volume';
import { FILTERS_SIMD_WASM_BASE64 } from './filters-simd-wasm';
import { instanceWithMemory, lazySimdModule, type KernelEngine } from './simdModule';

/**
 * Boundary handling, named as in scipy.ndimage: 'reflect' mirrors about the edge including the edge voxel
 * (d c b a | a b c d, scikit-image calls it 'symmetric'); 'nearest' repeats the edge voxel (a a a | a b c d);
 * 'constant' pads with zeros.
 */
export type BoundaryMode = 'reflect' | 'nearest' | 'constant';

/** Sampled, normalised Gaussian of standard deviation `sigma` (in samples), radius int(truncate·σ + 0.5) as ndimage. */
export function gaussianKernel1d(sigma: number, truncate = 4.0): Float64Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`Gaussian sigma must be finite and ≥ 0, got ${sigma}`);
  if (!(truncate > 0)) throw new Error(`Gaussian truncate must be > 0, got ${truncate}`);
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  if (radius === 0) {
    k[0] = 1;
    return k;
  }
  let sum = 0;
  for (let x = -radius; x <= radius; x++) {
    const w = Math.exp((-0.5 * x * x) / (sigma * sigma));
    k[x + radius] = w;
    sum += w;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Index into [0, n) for a possibly out-of-range index m, or -1 for 'constant' padding. */
export function boundaryIndex(m: number, n: number, mode: BoundaryMode): number {
  if (m >= 0 && m < n) return m;
  if (mode === 'constant') return -1;
  if (mode === 'nearest') return m < 0 ? 0 : n - 1;
  // 'reflect' is periodic with period 2n: a b c d | d c b a | a b c d ...
  const p = 2 * n;
  let r = m % p;
  if (r < 0) r += p;
  return r < n ? r : p - 1 - r;
}

/**
 * Correlates `data` (dims [nx, ny, nz], x fastest) along one axis with a centred odd kernel; returns float64.
 * Symmetric kernels make correlation and convolution the same. `out` may be `data` itself (each line or block is read
 * whole before it is written), which spares a volume-sized allocation per pass.
 */
export function filterAxis(
  data: ArrayLike<number>,
  dims: readonly number[],
  axis: 0 | 1 | 2,
  kernel: Float64Array,
  mode: BoundaryMode = 'reflect',
  out: Float64Array = new Float64Array(voxelCount(dims)),
): Float64Array {
  if (kernel.length % 2 !== 1) throw new Error(`filter kernel length must be odd, got ${kernel.length}`);
  const [nx, ny, nz] = dims;
  const n = dims[axis];
  if (out.length !== nx * ny * nz) throw new Error(`filterAxis: out has ${out.length} values, not ${nx * ny * nz}`);
  const src = sourceTable(n, kernel.length, mode);
  if (axis === 0) filterLines(data, out, n, (nx * ny * nz) / n, kernel, src);
  // Along y and z a line's voxels are a row or a plane apart: filtering whole x rows at a time reads memory in
  // order (a warm 64³ blur: 25 → 17 ms against gathering strided lines), with the same sums in the same order.
  else if (axis === 1) filterRows(data, out, nx, n, nx, nz, nx * ny, kernel, src);
  else filterRows(data, out, nx, n, nx * ny, ny, nx, kernel, src);
  return out;
}

/** For each output position and tap of an odd kernel, the source index on a line of `n` (-1 = zero padding). */
function sourceTable(n: number, taps: number, mode: BoundaryMode): Int32Array {
  const radius = (taps - 1) / 2;
  const src = new Int32Array(n * taps);
  for (let p = 0; p < n; p++) for (let t = 0; t < taps; t++) src[p * taps + t] = boundaryIndex(p - radius + t, n, mode);
  return src;
}

/** filterAxis along x: each line is copied, then filtered (interior positions without the boundary table). */
function filterLines(
  data: ArrayLike<number>,
  out: Float64Array,
  n: number,
  lines: number,
  kernel: Float64Array,
  src: Int32Array,
): void {
  const taps = kernel.length;
  const radius = (taps - 1) / 2;
  const line = new Float64Array(n);
  for (let l = 0, start = 0; l < lines; l++, start += n) {
    for (let p = 0; p < n; p++) line[p] = data[start + p];
    for (let p = 0; p < n; p++) {
      let acc = 0;
      if (p >= radius && p < n - radius) {
        for (let t = 0, s = p - radius; t < taps; t++, s++) acc += kernel[t] * line[s];
      } else {
        const base = p * taps;
        for (let t = 0; t < taps; t++) {
          const s = src[base + t];
          if (s >= 0) acc += kernel[t] * line[s];
        }
      }
      out[start + p] = acc;
    }
  }
}

/**
 * filterAxis along y or z: `blocks` blocks of `n` rows of `nx` voxels (rows `rowStride` apart, blocks `blockStride`
 * apart); each block is copied, then every output row is the kernel-weighted sum of its source rows, tap by tap.
 */
function filterRows(
  data: ArrayLike<number>,
  out: Float64Array,
  nx: number,
  n: number,
  rowStride: number,
  blocks: number,
  blockStride: number,
  kernel: Float64Array,
  src: Int32Array,
): void {
  const taps = kernel.length;
  const block = new Float64Array(n * nx);
  for (let b = 0; b < blocks; b++) {
    const base = b * blockStride;
    for (let p = 0; p < n; p++) {
      const o = base + p * rowStride;
      for (let i = 0; i < nx; i++) block[p * nx + i] = data[o + i];
    }
    for (let p = 0; p < n; p++) {
      const o = base + p * rowStride;
      for (let i = 0; i < nx; i++) out[o + i] = 0;
      for (let t = 0; t < taps; t++) {
        const s = src[p * taps + t];
        if (s < 0) continue;
        const w = kernel[t];
        const from = s * nx;
        for (let i = 0; i < nx; i++) out[o + i] += w * block[from + i];
      }
    }
  }
}

/**
 * Gaussian filter with σ in voxels per axis (a number for all three), as scipy.ndimage.gaussian_filter. The
 * WebAssembly kernel (filters-simd.wat) adds the same products in the same order as filterAxis, the reference:
 * equal to the last bit, and as fast cold as warm (a command blurs once per volume, before V8 optimises).
 */
export function gaussianFilter(
  data: ArrayLike<number>,
  dims: readonly number[],
  sigmaVoxels: number | readonly number[],
  opts: { truncate?: number; mode?: BoundaryMode; engine?: KernelEngine } = {},
): Float64Array {
  if (data.length !== voxelCount(dims))
    throw new Error(`gaussianFilter: ${data.length} values for dims [${dims.join(', ')}]`);
  const sig = typeof sigmaVoxels === 'number' ? [sigmaVoxels, sigmaVoxels, sigmaVoxels] : sigmaVoxels;
  const kernels = [0, 1, 2].map((axis) => gaussianKernel1d(sig[axis], opts.truncate ?? 4.0));
  const mode = opts.mode ?? 'reflect';
  const mod = opts.engine === 'js' ? null : filtersModule();
  const fast = mod && gaussianFilterWasm(mod, data, dims, kernels, mode);
  if (fast) return fast;
  // One output array, filtered in place (a 128³ volume is 17 MB per float64 copy); a one-tap kernel (σ ≈ 0) is the
  // identity and is skipped.
  // The copy also gives every pass the same element type: a Float32Array input on the first pass only made the
  // loop polymorphic, about 1.5× slower on a cold 64³ volume.
  const out = Float64Array.from(data);
  for (const axis of [0, 1, 2] as const) {
    const k = kernels[axis];
    if (k.length > 1) filterAxis(out, dims, axis, k, mode, out);
  }
  return out;
}

/** The filter kernels' compiled module (null without WebAssembly SIMD: the JavaScript passes run). */
const filtersModule = lazySimdModule(FILTERS_SIMD_WASM_BASE64);

/** Whether gaussianFilter runs on WebAssembly here (Node 20 and every current browser). */
export function filterKernelAvailable(): boolean {
  return filtersModule() !== null;
}

interface FiltersKernel {
  memory: WebAssembly.Memory;
  lines(data: number, n: number, lines: number, kern: number, taps: number, src: number, line: number): void;
  rows(
    data: number,
    nx: number,
    n: number,
    rowStride: number,
    blocks: number,
    blockStride: number,
    kern: number,
    taps: number,
    src: number,
    block: number,
  ): void;
}

/** The three passes in one WebAssembly instance: volume (f64), scratch block, kernel, boundary table. */
function gaussianFilterWasm(
  mod: WebAssembly.Module,
  data: ArrayLike<number>,
  dims: readonly number[],
  kernels: Float64Array[],
  mode: BoundaryMode,
): Float64Array | null {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const axes = ([0, 1, 2] as const).filter((axis) => kernels[axis].length > 1);
  if (axes.length === 0) return Float64Array.from(data);
  const taps = Math.max(...axes.map((axis) => kernels[axis].length));
  const longest = Math.max(...axes.map((axis) => dims[axis]));
  const BLOCK = n * 8;
  const KERN = BLOCK + Math.max(ny, nz) * nx * 8;
  const SRC = KERN + taps * 8;
  const total = SRC + longest * taps * 4;
  const kernel = instanceWithMemory<FiltersKernel>(mod, total);
  if (!kernel) return null;
  const heap = kernel.memory.buffer;
  new Float64Array(heap, 0, n).set(data);
  for (const axis of axes) {
    const k = kernels[axis];
    new Float64Array(heap, KERN, k.length).set(k);
    new Int32Array(heap, SRC, dims[axis] * k.length).set(sourceTable(dims[axis], k.length, mode));
    if (axis === 0) kernel.lines(0, nx, ny * nz, KERN, k.length, SRC, BLOCK);
    else if (axis === 1) kernel.rows(0, nx, ny, nx, nz, nx * ny, KERN, k.length, SRC, BLOCK);
    else kernel.rows(0, nx, nz, nx * ny, ny, nx, KERN, k.length, SRC, BLOCK);
  }
  return new Float64Array(heap, 0, n).slice();
}

/**
 * Gaussian blurs of one volume ('nearest' boundaries), each made once: at 4 mm voxels the background search and the
 * head search both smooth by one voxel, and a command runs both once, cold. The arrays are shared: read them only.
 *
 * @example const blurs = new BlurCache(volume); const bg = findBackground(volume, { blurs }); findHead(volume, { blurs });
 */
export class BlurCache {
  private readonly made = new Map<string, Float64Array>();

  constructor(readonly volume: Volume) {}

  /** The volume smoothed by σ voxels along each axis. */
  blur(sigmaVoxels: readonly number[]): Float64Array {
    const key = sigmaVoxels.join(',');
    let out = this.made.get(key);
    if (!out) {
      out = gaussianFilter(this.volume.data, this.volume.dims, sigmaVoxels, { mode: 'nearest' });
      this.made.set(key, out);
    }
    return out;
  }
}

/** Smooths a volume with an isotropic Gaussian of σ in mm (converted per axis from the spacing); returns a new volume. */
export function smoothVolumeMm(volume: Volume, sigmaMm: number, mode: BoundaryMode = 'nearest'): Volume {
  if (!(sigmaMm >= 0)) throw new Error(`smoothing sigma must be ≥ 0 mm, got ${sigmaMm}`);
  const sig: Vec3 = [sigmaMm / volume.spacing[0], sigmaMm / volume.spacing[1], sigmaMm / volume.spacing[2]];
  return volumeLike(volume, Float32Array.from(gaussianFilter(volume.data, volume.dims, sig, { mode })));
}

/** Running maximum (or minimum) over a box of ±radius voxels per axis; edges use the voxels that exist. */
export function boxExtremum(
  data: ArrayLike<number>,
  dims: readonly number[],
  radius: readonly number[],
  kind: 'max' | 'min',
): Float64Array {
  if (data.length !== voxelCount(dims))
    throw new Error(`boxExtremum: ${data.length} values for dims [${dims.join(', ')}]`);
  const [nx, ny] = dims;
  const strides = [1, nx, nx * ny];
  let cur = Float64Array.from(data);
  const better = kind === 'max' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (const axis of [0, 1, 2] as const) {
    const r = Math.max(0, Math.round(radius[axis]));
    if (r === 0) continue;
    const n = dims[axis];
    const stride = strides[axis];
    const out = new Float64Array(cur.length);
    const line = new Float64Array(n);
    const lines = cur.length / n;
    for (let l = 0; l < lines; l++) {
      const start = axis === 0 ? l * nx : axis === 1 ? (l % nx) + Math.floor(l / nx) * nx * ny : l;
      for (let p = 0; p < n; p++) line[p] = cur[start + p * stride];
      // Windows are small (a few voxels): direct scan is simpler than a monotone deque and fast enough.
      for (let p = 0; p < n; p++) {
        let best = line[p];
        const lo = Math.max(0, p - r),
          hi = Math.min(n - 1, p + r);
        for (let q = lo; q <= hi; q++) if (better(line[q], best)) best = line[q];
        out[start + p * stride] = best;
      }
    }
    cur = out;
  }
  return cur;
}

// Exact Euclidean distance transform in mm (separable lower envelopes of parabolas).
import { instanceWithMemory, lazySimdModule, type KernelEngine } from '../simdModule';
import { DISTANCE_WASM_BASE64 } from './distance-wasm';
import { checkMask, type Dims } from './ops';

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

/**
 * Squared Euclidean distance in mm² from each voxel to the nearest non-zero voxel of `mask` (Infinity if none).
 * Distances over `maxSquared` come back as Infinity: a dilation needs only those within its radius, and lines with
 * nothing that near (most of the air around a head) are then skipped.
 */
export function squaredDistanceToMask(
  mask: Uint8Array,
  dims: Dims,
  spacing: readonly number[],
  maxSquared = Infinity,
  engine: KernelEngine = 'auto',
): Float64Array {
  checkMask(mask, dims);
  const fast = engine === 'js' ? null : distanceWasm(mask, dims, spacing, maxSquared);
  if (fast) return fast;
  const [nx, ny, nz] = dims;
  const dist = new Float64Array(mask.length);
  // First axis: along a line of a binary mask the squared distance is that to the nearest set voxel, two sweeps
  // (the parabolas' envelope gives the same values; this pass is a third of a cold command's distance transform).
  const w0 = spacing[0];
  for (let start = 0; start < mask.length; start += nx) {
    let last = -1;
    for (let p = 0; p < nx; p++) {
      if (mask[start + p]) last = p;
      const dq = w0 * (p - last);
      dist[start + p] = last < 0 || dq * dq > maxSquared ? Infinity : dq * dq;
    }
    last = -1;
    for (let p = nx - 1; p >= 0; p--) {
      if (mask[start + p]) last = p;
      if (last < 0) continue;
      const dq = w0 * (last - p);
      if (dq * dq < dist[start + p] && dq * dq <= maxSquared) dist[start + p] = dq * dq;
    }
  }
  const maxN = Math.max(nx, ny, nz);
  const f = new Float64Array(maxN);
  const d = new Float64Array(maxN);
  const v = new Int32Array(maxN);
  const z = new Float64Array(maxN + 1);
  const strides = [1, nx, nx * ny];
  for (const axis of [1, 2] as const) {
    const n = dims[axis];
    const stride = strides[axis];
    const lines = mask.length / n;
    for (let l = 0; l < lines; l++) {
      const start = axis === 1 ? (l % nx) + Math.floor(l / nx) * nx * ny : l;
      let finite = false;
      for (let p = 0; p < n; p++) {
        const x = dist[start + p * stride];
        f[p] = x;
        if (x !== Infinity) finite = true;
      }
      if (!finite) continue; // nothing within reach: the line stays Infinity
      edt1d(f, n, spacing[axis], v, z, d);
      // A partial sum over the bound only grows along later axes, so it can be dropped now: exact below the bound.
      for (let p = 0; p < n; p++) dist[start + p * stride] = f[p] > maxSquared ? Infinity : f[p];
    }
  }
  return dist;
}

/** The distance kernel's compiled module (null without WebAssembly: the JavaScript passes run). */
const distanceModule = lazySimdModule(DISTANCE_WASM_BASE64);

/** Whether squaredDistanceToMask runs on WebAssembly here (Node 20 and every current browser). */
export function distanceKernelAvailable(): boolean {
  return distanceModule() !== null;
}

interface DistanceKernel {
  memory: WebAssembly.Memory;
  firstAxis(mask: number, dist: number, n: number, nx: number, w: number, maxSq: number): void;
  laterAxis(...args: number[]): void;
}

/**
 * squaredDistanceToMask on distance.wat (same passes, same arithmetic, same result), in one instance: the
 * mask (u8), the distances (f64) and one line's scratch. Null when the grid is too large for it.
 */
function distanceWasm(
  mask: Uint8Array,
  dims: Dims,
  spacing: readonly number[],
  maxSquared: number,
): Float64Array | null {
  const mod = distanceModule();
  if (!mod) return null;
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const longest = Math.max(nx, ny, nz);
  const DIST = (n + 7) & ~7;
  const F = DIST + 8 * n;
  const D = F + 8 * longest;
  const Z = D + 8 * longest;
  const V = Z + 8 * (longest + 1);
  const total = V + 4 * longest;
  const kernel = instanceWithMemory<DistanceKernel>(mod, total);
  if (!kernel) return null;
  new Uint8Array(kernel.memory.buffer, 0, n).set(mask);
  kernel.firstAxis(0, DIST, n, nx, spacing[0], maxSquared);
  kernel.laterAxis(DIST, 1, nx, nx * ny, ny, nx, n / ny, spacing[1], maxSquared, F, D, V, Z);
  kernel.laterAxis(DIST, 2, nx, nx * ny, nz, nx * ny, n / nz, spacing[2], maxSquared, F, D, V, Z);
  return new Float64Array(kernel.memory.buffer, DIST, n).slice();
}

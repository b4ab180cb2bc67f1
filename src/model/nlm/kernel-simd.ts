// The NLM box kernel on WebAssembly SIMD (nlm-simd.wat): the same algorithm and result as kernel.ts (the reference,
// which tests compare against) for one σ, several times faster. Pure typed arrays and WebAssembly, so it runs on the
// main thread, in Node worker_threads and in browser Web Workers alike.
import type { NlmSlabJob, NlmSlabTask } from './kernel';
import { NLM_SIMD_WASM_BASE64 } from './nlm-simd-wasm';
import { lazySimdModule } from '../../core/simdModule';
import { steppedSlabJob } from './stepped-job';

interface KernelExports {
  memory: WebAssembly.Memory;
  configure(...args: number[]): void;
  run(first: number, count: number): void;
}

/** The compiled module, or null where WebAssembly SIMD is unavailable (compiled once per thread). */
const simdModule = lazySimdModule(NLM_SIMD_WASM_BASE64);

/** Whether this JavaScript engine runs the SIMD kernel (Node ≥ 16, every current browser). */
export function nlmSimdAvailable(): boolean {
  return simdModule() !== null;
}

/** Whether the SIMD kernel takes this task: it needs one σ for the box (a σ map runs on kernel.ts). */
export function nlmSimdAccepts(task: Pick<NlmSlabTask, 'sigma'>): boolean {
  return typeof task.sigma === 'number' && nlmSimdAvailable();
}

const roundUp4 = (n: number) => (n + 3) & ~3;
const WASM_PAGE = 65536;

/**
 * A resumable SIMD job for one box (same contract as kernel.ts createNlmSlabJob).
 * @example const job = createNlmSimdSlabJob(task); while (!job.step(16)); const out = job.result();
 */
export function createNlmSimdSlabJob(task: NlmSlabTask): NlmSlabJob {
  const mod = simdModule();
  if (!mod) throw new Error('NLM SIMD kernel: this JavaScript engine has no WebAssembly SIMD');
  if (typeof task.sigma !== 'number') throw new Error('NLM SIMD kernel: needs one σ (a σ map runs on the JS kernel)');
  const [bx, by, bz] = task.box;
  const P = task.patchRadius;
  const B = task.blockRadius;
  const R = B - P;
  if (!(P >= 0 && R >= 1)) throw new Error(`NLM kernel: need 0 ≤ patch_radius < block_radius, got ${P}, ${B}`);
  const px = bx + 2 * B,
    py = by + 2 * B,
    pz = bz + 2 * B;
  const u = task.input;
  if (u.length !== px * py * pz)
    throw new Error(
      `NLM kernel: input has ${u.length} values, box [${task.box.join(', ')}] grown by ${B} needs ${px * py * pz}`,
    );
  const sigma = task.sigma;
  const k = 1 / ((2 * P + 1) ** 3 * Math.SQRT2 * sigma * sigma);

  // Half of the search cube, in kernel.ts's order.
  const offsets: number[] = [];
  for (let dz = 0; dz <= R; dz++)
    for (let dy = dz === 0 ? 0 : -R; dy <= R; dy++)
      for (let dx = dz === 0 && dy === 0 ? 1 : -R; dx <= R; dx++) offsets.push(dx, dy, dz);
  const totalSteps = offsets.length / 3;

  // Memory layout (see nlm-simd.wat): rows padded to 4 floats, 16-byte aligned regions, vector overrun margins.
  const bxs = roundUp4(bx);
  const maxWx = bx + R,
    maxWy = by + R;
  const wxs = roundUp4(maxWx + 4);
  const voxels = bxs * by * bz;
  const planeBytes = 4 * wxs * maxWy;
  let top = 16;
  const region = (bytes: number) => {
    const at = top;
    top += (bytes + 15) & ~15;
    return at;
  };
  const U = region(4 * (u.length + 64));
  const WSF = region(4 * voxels);
  const VSF = region(4 * voxels);
  const WSD = region(8 * voxels);
  const VSD = region(8 * voxels);
  const ROWB = region(4 * wxs * (maxWy + 2 * P));
  const RING = region(planeBytes * (2 * P + 1));
  const DIST = region(4 * wxs);
  const OFFS = region(4 * offsets.length);
  const ROWR = region(8 * by * bz);

  const instance = new WebAssembly.Instance(mod, {});
  const kernel = instance.exports as unknown as KernelExports;
  const memory = kernel.memory;
  const have = memory.buffer.byteLength;
  if (top > have) memory.grow(Math.ceil((top - have) / WASM_PAGE));
  const buffer = memory.buffer;
  new Float32Array(buffer, U, u.length).set(u);
  new Int32Array(buffer, OFFS, offsets.length).set(offsets);
  const rows = wantedRows(task.rows, bx, by * bz);
  new Int32Array(buffer, ROWR, rows.length).set(rows);
  const weightSum = new Float64Array(buffer, WSD, voxels);
  const valueSum = new Float64Array(buffer, VSD, voxels);
  // The offset 0 (the voxel's own patch) always has weight exp(0) = 1.
  for (let z = 0; z < bz; z++)
    for (let y = 0; y < by; y++) {
      const base = B + px * (y + B) + px * py * (z + B);
      const o = bxs * (y + by * z);
      for (let x = 0; x < bx; x++) {
        const v = u[base + x];
        weightSum[o + x] = 1;
        valueSum[o + x] = v * v;
      }
    }
  kernel.configure(
    bx,
    by,
    bz,
    B,
    P,
    bxs,
    wxs,
    planeBytes,
    k,
    U,
    WSF,
    VSF,
    WSD,
    VSD,
    ROWB,
    RING,
    DIST,
    OFFS,
    totalSteps,
    ROWR,
  );

  return steppedSlabJob(
    totalSteps,
    (first, count) => kernel.run(first, count),
    () => {
      const out = new Float32Array(bx * by * bz);
      const twoSigma2 = 2 * sigma * sigma;
      for (let r = 0; r < by * bz; r++) {
        const row = bxs * r;
        for (let x = rows[2 * r], hi = rows[2 * r + 1]; x < hi; x++) {
          const meanSquare = valueSum[row + x] / weightSum[row + x];
          const v = task.rician ? meanSquare - twoSigma2 : meanSquare;
          out[bx * r + x] = v > 0 ? Math.sqrt(v) : 0;
        }
      }
      return out;
    },
  );
}

/** The task's wanted row ranges, checked, or every voxel of every row. */
function wantedRows(rows: Int32Array | undefined, bx: number, rowCount: number): Int32Array {
  if (!rows) {
    const all = new Int32Array(2 * rowCount);
    for (let r = 0; r < rowCount; r++) all[2 * r + 1] = bx;
    return all;
  }
  if (rows.length !== 2 * rowCount)
    throw new Error(`NLM kernel: rows has ${rows.length} values, the box's ${rowCount} rows need ${2 * rowCount}`);
  for (let r = 0; r < rowCount; r++) {
    const lo = rows[2 * r],
      hi = rows[2 * r + 1];
    if (!(lo >= 0 && hi <= bx && lo <= hi))
      throw new Error(`NLM kernel: row ${r}'s range [${lo}, ${hi}) is not in [0, ${bx}]`);
  }
  return rows;
}

// DIPY's nlmeans on the CPU: validates, cuts the volume into boxes, runs them on a worker pool, reassembles.
import type { Mask, Volume } from '../../core/volume';
import { volumeLike } from '../../core/volume';
import { extractGrownBox, planNlmBoxes } from './boxes';
import type { NlmEngine, NlmSlabTask } from './kernel';
import { resolveNlmParams, type NlmParams } from './params';
import { createInlineNlmPool, type NlmWorkerPool } from './pool';

export interface NlmOptions {
  /** Only voxels where mask ≠ 0 are denoised; the others keep their input value (DIPY sets them to 0). */
  mask?: Mask;
  /** Fraction of the work done, 0…1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** Where the boxes run; default: the calling thread (yielding between steps). */
  pool?: NlmWorkerPool;
  /** Which kernel: 'auto' (default: WebAssembly SIMD where it applies, else JS), 'simd' or 'js'. */
  engine?: NlmEngine;
}

/** Boxes per pool thread: two keep every thread busy when the mask leaves slabs of unequal cost. */
const BOXES_PER_THREAD = 2;
/** Thinner slabs waste work: each offset's pairs and patches reach |δz| + 2·patch_radius planes beyond a slab. */
const MIN_SLAB_PLANES = 8;

/** Non-local means with Rician bias correction, as DIPY's `nlmeans` (see NlmParams). Never modifies `volume`. */
export async function nlmeans(volume: Volume, params: NlmParams, opts: NlmOptions = {}): Promise<Volume> {
  const p = resolveNlmParams(volume, params, opts.mask);
  opts.signal?.throwIfAborted();
  const pool = opts.pool ?? createInlineNlmPool();
  try {
    const slabs =
      pool.size === 1
        ? 1
        : Math.min(BOXES_PER_THREAD * pool.size, Math.max(pool.size, Math.floor(volume.dims[2] / MIN_SLAB_PLANES)));
    const boxes = planNlmBoxes(volume.dims, slabs, opts.mask);
    const cost = boxes.map((b) => b.size[0] * b.size[1] * b.size[2]);
    const totalCost = cost.reduce((a, b) => a + b, 0);
    const fractions = boxes.map(() => 0);
    const report = () => opts.onProgress?.(fractions.reduce((s, f, i) => s + f * cost[i], 0) / totalCost);
    const results = await Promise.all(
      boxes.map((box, i) => {
        const task: NlmSlabTask = {
          box: box.size,
          input: extractGrownBox(volume.data, volume.dims, box, p.blockRadius),
          sigma: typeof p.sigma === 'number' ? p.sigma : extractGrownBox(p.sigma, volume.dims, box, p.blockRadius),
          patchRadius: p.patchRadius,
          blockRadius: p.blockRadius,
          rician: p.rician,
          engine: opts.engine,
          ...(box.rows ? { rows: box.rows } : {}),
        };
        const onProgress = (f: number) => {
          fractions[i] = f;
          report();
        };
        return pool.run(task, { onProgress, signal: opts.signal });
      }),
    );
    const out = new Float32Array(volume.data);
    const [nx, ny] = volume.dims;
    boxes.forEach((box, b) => {
      const [bx, by, bz] = box.size;
      const [x0, y0, z0] = box.start;
      const values = results[b];
      for (let z = 0, o = 0; z < bz; z++) {
        for (let y = 0; y < by; y++) {
          const row = x0 + nx * (y0 + y + ny * (z0 + z));
          for (let x = 0; x < bx; x++, o++) if (!opts.mask || opts.mask[row + x]) out[row + x] = values[o];
        }
      }
    });
    return volumeLike(volume, out);
  } finally {
    if (!opts.pool) await pool.dispose();
  }
}

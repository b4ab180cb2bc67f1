// DA inference on several cores in Node: tfjs-backend-wasm is single-threaded there (its threaded build needs
// blob: workers, which worker_threads reject), so the volume is split into z-ranges, one worker_thread each, each
// with its own wasm instance. Not exported from src/model/index.ts so browser bundles never see worker_threads.
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../core/node-thread';
import { type Volume, volumeLike } from '../../core/volume';
import { DA_FLOPS_PER_VOXEL, type DAWeights, PATCH_RADIUS } from './architecture';
import type { ModelCard } from './card';
import type { DAFormulation } from './formulations';
import { checkInputs, denoiseDA, type DenoiseDAOptions, type DenoiseDAResult } from './infer';
import { computeVolumeScale } from './normalise';
import type { LoadedDA } from './weights-io';

export interface ParallelDenoiseOptions extends Omit<DenoiseDAOptions, 'backend'> {
  /** Worker threads (default: available cores). 1 runs in this thread. */
  workers?: number;
  /** Below this many voxels to compute, worker start-up (tsx + tfjs + wasm per thread, seconds) costs more than it saves (default 150,000). */
  minVoxelsForWorkers?: number;
}

/** Message to a worker: one z-range of the volume (with its 2-slice halos) and what to compute in it. */
export interface ParallelJob {
  backend: string;
  dims: [number, number, number];
  spacing: [number, number, number];
  data: Float32Array;
  mask: Uint8Array;
  scale: number;
  weights: DAWeights;
  card: ModelCard;
  formulation?: DAFormulation;
  memoryBudgetBytes?: number;
}

export type ParallelReply =
  | { type: 'progress'; fraction: number }
  | { type: 'done'; data: Float32Array; voxelsComputed: number; formulation: DAFormulation }
  | { type: 'error'; message: string };

const WORKER_ENTRY = path.join(__dirname, 'node-parallel-worker');

interface Range {
  z0: number;
  z1: number;
  centres: number;
}

/** Contiguous z-ranges with about equal numbers of voxels to compute. */
function splitZ(volume: Volume, mask: Uint8Array | undefined, parts: number): Range[] {
  const [nx, ny, nz] = volume.dims;
  const perSlice = new Float64Array(nz);
  for (let z = 0; z < nz; z++) {
    if (!mask) perSlice[z] = nx * ny;
    else for (let i = z * nx * ny; i < (z + 1) * nx * ny; i++) perSlice[z] += mask[i] ? 1 : 0;
  }
  const total = perSlice.reduce((a, b) => a + b, 0);
  const ranges: Range[] = [];
  let z0 = 0,
    acc = 0;
  for (let z = 0; z < nz; z++) {
    acc += perSlice[z];
    const target = (total * (ranges.length + 1)) / parts;
    if (acc >= target || z === nz - 1) {
      const centres = perSlice.slice(z0, z + 1).reduce((a, b) => a + b, 0);
      if (centres > 0) ranges.push({ z0, z1: z + 1, centres });
      z0 = z + 1;
    }
  }
  return ranges;
}

function spawn(): Worker {
  return startModuleWorker(WORKER_ENTRY);
}

/**
 * denoiseDA split over worker threads (Node only; same result as denoiseDA up to float rounding). Each worker gets
 * its z-range plus PATCH_RADIUS halo slices of real data, so the reflect border applies only at the true volume edges,
 * and the whole volume's normalisation scale.
 */
export async function denoiseDAParallel(
  volume: Volume,
  model: LoadedDA,
  opts: ParallelDenoiseOptions = {},
): Promise<DenoiseDAResult> {
  const t0 = performance.now();
  checkInputs(volume, model, opts);
  opts.signal?.throwIfAborted();
  const workers = opts.workers ?? os.availableParallelism();
  if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`workers must be an integer ≥ 1, got ${workers}`);
  const [nx, ny, nz] = volume.dims;
  const toCompute = opts.mask ? opts.mask.reduce((s, m) => s + (m ? 1 : 0), 0) : nx * ny * nz;
  if (workers === 1 || toCompute < (opts.minVoxelsForWorkers ?? 150_000)) return denoiseDA(volume, model, opts);

  const scale = computeVolumeScale(volume, model.card.normalisation);
  const ranges = splitZ(volume, opts.mask, workers);
  const slice = nx * ny;
  const out = new Float32Array(volume.data);
  const fractions = new Float64Array(ranges.length);
  const threads: Worker[] = [];
  let voxelsComputed = 0;
  let formulation: DAFormulation = opts.formulation ?? 'im2col';
  const report = () => opts.onProgress?.(ranges.reduce((s, r, i) => s + fractions[i] * r.centres, 0) / toCompute);

  try {
    await new Promise<void>((resolve, reject) => {
      let pending = ranges.length;
      const fail = (err: unknown) => reject(err);
      opts.signal?.addEventListener('abort', () => fail(opts.signal!.reason), { once: true });
      ranges.forEach((r, i) => {
        // Sub-volume: the range plus up to PATCH_RADIUS real slices each side; compute only the range's own voxels.
        // (At least 5 slices: extra context is harmless, the mask limits what is computed.)
        let s0 = Math.max(0, r.z0 - PATCH_RADIUS),
          s1 = Math.min(nz, r.z1 + PATCH_RADIUS);
        if (s1 - s0 < 5) {
          s1 = Math.min(nz, s0 + 5);
          s0 = Math.max(0, s1 - 5);
        }
        const data = volume.data.slice(s0 * slice, s1 * slice);
        const mask = new Uint8Array(data.length);
        for (let z = r.z0; z < r.z1; z++) {
          for (let j = 0; j < slice; j++) mask[(z - s0) * slice + j] = opts.mask ? opts.mask[z * slice + j] : 1;
        }
        const job: ParallelJob = {
          backend: 'wasm',
          dims: [nx, ny, s1 - s0],
          spacing: volume.spacing,
          data,
          mask,
          scale,
          weights: model.weights,
          card: model.card,
          formulation: opts.formulation,
          memoryBudgetBytes: opts.memoryBudgetBytes,
        };
        const worker = spawn();
        threads.push(worker);
        worker.on('message', (reply: ParallelReply) => {
          if (reply.type === 'progress') {
            fractions[i] = reply.fraction;
            try {
              report();
            } catch (err) {
              fail(err);
            }
          } else if (reply.type === 'error') {
            fail(new Error(`denoiseDA worker (slices ${r.z0}-${r.z1 - 1}): ${reply.message}`));
          } else {
            // The range's own slices (unmasked voxels there come back unchanged); `mask` was transferred away.
            out.set(reply.data.subarray((r.z0 - s0) * slice, (r.z1 - s0) * slice), r.z0 * slice);
            voxelsComputed += reply.voxelsComputed;
            formulation = reply.formulation;
            if (--pending === 0) resolve();
          }
        });
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (code !== 0) fail(new Error(`denoiseDA worker exited with code ${code}`));
        });
        worker.postMessage(job, [data.buffer, mask.buffer]);
      });
    });
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
  const millis = performance.now() - t0;
  return {
    volume: volumeLike(volume, out),
    backend: `wasm×${ranges.length}`,
    formulation,
    millis,
    voxelsComputed,
    gflops: (voxelsComputed * DA_FLOPS_PER_VOXEL) / (millis / 1000) / 1e9,
    scale,
    tiles: ranges.length,
  };
}

// DA inference on several cores through message-passing workers, whatever their kind (Node worker_threads, browser
// Web Workers): each worker has its own single-threaded tfjs WASM instance and computes one z-range of the volume.
// The split, the messages, the worker-side handler and the pool live here once; the transport is injected as an
// endpoint (node-parallel.ts for Node, the extension's da.worker for the viewer), as for NLM's worker-protocol.
// This is the main side and loads no TensorFlow.js; the worker side is worker-handler.ts.
import { type Volume, volumeLike } from '../../core/volume';
import { DA_FLOPS_PER_VOXEL, type DAWeights, PATCH_RADIUS } from './architecture';
import { firstStageCard, type ModelCard } from './card';
import type { DAFormulation } from './formulations';
import {
  checkInputs,
  DEFAULT_MEMORY_BUDGET,
  type DenoiseDAOptions,
  type DenoiseDAResult,
  MIN_MEMORY_BUDGET,
} from './run-options';
import { computeVolumeScale } from './normalise';
import { denoiseStages } from './stages';
import type { LoadedDA } from './weights-load';
import type { WorkerEndpoint } from '../workerEndpoint';

/** One z-range of a volume (with up to PATCH_RADIUS real slices of context each side) and what to compute in it. */
export interface DAPartJob {
  dims: [number, number, number];
  spacing: [number, number, number];
  data: Float32Array;
  /** 1 on the range's own voxels to compute; 0 on context slices and voxels outside the caller's mask. */
  mask: Uint8Array;
  /** The whole volume's normalisation scale: every part must use the same one. */
  scale: number;
  weights: DAWeights;
  card: ModelCard;
  formulation?: DAFormulation;
  memoryBudgetBytes?: number;
}

export type DAWorkerRequest =
  /** Starts the backend and runs a tiny inference, so the first real run finds everything compiled. */
  | { type: 'warm'; id: number; backend: string; weights: DAWeights; card: ModelCard }
  | { type: 'run'; id: number; backend: string; job: DAPartJob }
  /** Stops the run `id` between two chunks; the worker stays up (and warm). */
  | { type: 'abort'; id: number };

export type DAWorkerReply =
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'warm'; id: number }
  | { type: 'done'; id: number; data: Float32Array; voxelsComputed: number; formulation: DAFormulation }
  | { type: 'error'; id: number; message: string; aborted?: boolean };

/** The main thread's handle on one worker, whatever its kind. */
export type DAWorkerEndpoint = WorkerEndpoint<DAWorkerRequest, DAWorkerReply>;

/** A z-range [z0, z1) of the volume, the slices [s0, s1) sent with it, and how many voxels it computes. */
export interface DAPart {
  z0: number;
  z1: number;
  s0: number;
  s1: number;
  centres: number;
}

/**
 * Contiguous z-ranges with about equal numbers of voxels to compute (ranges with none are left out), each with up to
 * PATCH_RADIUS real slices of context each side, so the reflect border applies only at the volume's true edges
 * (at least 5 slices in all: extra context is harmless, the part's mask limits what is computed).
 */
export function splitDAParts(dims: readonly number[], mask: Uint8Array | undefined, parts: number): DAPart[] {
  const [nx, ny, nz] = dims;
  const slice = nx * ny;
  const perSlice = new Float64Array(nz);
  for (let z = 0; z < nz; z++) {
    if (!mask) perSlice[z] = slice;
    else for (let i = z * slice; i < (z + 1) * slice; i++) perSlice[z] += mask[i] ? 1 : 0;
  }
  const total = perSlice.reduce((a, b) => a + b, 0);
  const out: DAPart[] = [];
  let z0 = 0,
    acc = 0,
    cut = 0;
  for (let z = 0; z < nz; z++) {
    acc += perSlice[z];
    if (acc >= (total * (cut + 1)) / parts || z === nz - 1) {
      cut++;
      const centres = perSlice.slice(z0, z + 1).reduce((a, b) => a + b, 0);
      if (centres > 0) {
        let s0 = Math.max(0, z0 - PATCH_RADIUS),
          s1 = Math.min(nz, z + 1 + PATCH_RADIUS);
        if (s1 - s0 < 5) {
          s1 = Math.min(nz, s0 + 5);
          s0 = Math.max(0, s1 - 5);
        }
        out.push({ z0, z1: z + 1, s0, s1, centres });
      }
      z0 = z + 1;
    }
  }
  return out;
}

/** The message for one part: its slices (copied) and a mask of the range's own voxels to compute. */
export function partJob(
  volume: Volume,
  mask: Uint8Array | undefined,
  part: DAPart,
  scale: number,
  model: LoadedDA,
  opts: Pick<DenoiseDAOptions, 'formulation' | 'memoryBudgetBytes'> = {},
): DAPartJob {
  const [nx, ny] = volume.dims;
  const slice = nx * ny;
  const data = volume.data.slice(part.s0 * slice, part.s1 * slice);
  const partMask = new Uint8Array(data.length);
  for (let z = part.z0; z < part.z1; z++)
    for (let j = 0; j < slice; j++) partMask[(z - part.s0) * slice + j] = mask ? mask[z * slice + j] : 1;
  return {
    dims: [nx, ny, part.s1 - part.s0],
    spacing: volume.spacing,
    data,
    mask: partMask,
    scale,
    weights: model.weights,
    card: model.card,
    formulation: opts.formulation,
    memoryBudgetBytes: opts.memoryBudgetBytes,
  };
}

/**
 * A pool run's default memory budget, all workers together: half a single-thread run's, because each worker also
 * carries its own tfjs and a wasm heap that never shrinks (`denoise --method da --threads 2` on a 128³ head: peak RSS
 * 704 → 567 MB, output identical voxel for voxel; only the tiles get smaller).
 */
export const DEFAULT_POOL_MEMORY_BUDGET = DEFAULT_MEMORY_BUDGET / 2;

/** Each of `parts` workers' share of a run's memory budget (DEFAULT_POOL_MEMORY_BUDGET when none is given; ≥ 16 MiB). */
export function partBudget(total: number | undefined, parts: number): number {
  return Math.max(MIN_MEMORY_BUDGET, Math.floor((total ?? DEFAULT_POOL_MEMORY_BUDGET) / parts));
}

/** Writes a part's own slices of its result into the whole volume's output. */
export function mergePart(out: Float32Array, dims: readonly number[], part: DAPart, partData: Float32Array): void {
  const slice = dims[0] * dims[1];
  out.set(partData.subarray((part.z0 - part.s0) * slice, (part.z1 - part.s0) * slice), part.z0 * slice);
}

export interface DAWorkerPoolOptions {
  /** Backend each worker runs (default 'wasm': single-threaded WASM per worker). */
  backend?: string;
}

/** Where the DA runs on several cores; `run` has denoiseDA's signature (the jobs layer's DARunner). */
export interface DAWorkerPool {
  readonly size: number;
  /** Starts every worker, its backend and a tiny inference with `model` (idempotent per model; run waits for it). */
  warm(model: LoadedDA): Promise<void>;
  /** denoiseDA split over the workers: the single-thread result voxel for voxel. */
  run(volume: Volume, model: LoadedDA, opts?: DenoiseDAOptions): Promise<DenoiseDAResult>;
  /** Ends the workers; further runs are refused. */
  dispose(): Promise<void>;
}

interface Pending {
  onReply: (reply: DAWorkerReply) => void;
  onFailure: (error: Error) => void;
}

interface Slot {
  endpoint: DAWorkerEndpoint;
  pending: Map<number, Pending>;
}

/**
 * `size` workers made by `spawn` (lazily, on the first warm or run). One run at a time per pool: a second run waits
 * for the first. Aborting rejects at once with the signal's reason and stops the workers between chunks.
 * @example const pool = createDAWorkerPool(2, spawnWebWorker); await pool.warm(model); const r = await pool.run(v, model);
 */
export function createDAWorkerPool(
  size: number,
  spawn: () => DAWorkerEndpoint,
  options: DAWorkerPoolOptions = {},
): DAWorkerPool {
  if (!Number.isInteger(size) || size < 1) throw new Error(`a DA worker pool needs at least one worker, got ${size}`);
  const backend = options.backend ?? 'wasm';
  const slots: Array<Slot | undefined> = Array.from({ length: size }, () => undefined);
  let nextId = 1;
  let disposed = false;
  let warmed: { model: LoadedDA; done: Promise<void> } | undefined;
  let running: Promise<unknown> = Promise.resolve();

  function slot(index: number): Slot {
    const existing = slots[index];
    if (existing) return existing;
    const s: Slot = { endpoint: spawn(), pending: new Map() };
    s.endpoint.listen(
      (reply) => s.pending.get(reply.id)?.onReply(reply),
      (error) => {
        // A dead worker fails what it held; the next use spawns a fresh one.
        if (slots[index] === s) slots[index] = undefined;
        for (const p of s.pending.values()) p.onFailure(error);
        s.pending.clear();
      },
    );
    slots[index] = s;
    return s;
  }

  /** Sends one request to worker `index`; resolves with its final reply ('warm' or 'done'). */
  function request(
    index: number,
    make: (id: number) => DAWorkerRequest,
    transfer: ArrayBuffer[],
    onProgress?: (fraction: number) => void,
    signal?: AbortSignal,
  ): Promise<DAWorkerReply> {
    const s = slot(index);
    const id = nextId++;
    return new Promise<DAWorkerReply>((resolve, reject) => {
      const finish = () => {
        s.pending.delete(id);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        s.endpoint.post({ type: 'abort', id }, []);
        reject(signal!.reason);
      };
      s.pending.set(id, {
        onReply: (reply) => {
          if (reply.type === 'progress') return onProgress?.(reply.fraction);
          finish();
          if (reply.type === 'error') reject(new Error(reply.message));
          else resolve(reply);
        },
        onFailure: (error) => {
          finish();
          reject(new Error(`DA worker failed: ${error.message}`));
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      s.endpoint.post(make(id), transfer);
    });
  }

  function warm(model: LoadedDA): Promise<void> {
    if (disposed) return Promise.reject(new Error('this DA worker pool has been disposed'));
    if (warmed?.model === model) return warmed.done;
    const done = Promise.all(
      Array.from({ length: size }, (_, i) =>
        request(
          i,
          (id) => ({ type: 'warm', id, backend, weights: model.weights, card: firstStageCard(model.card) }),
          [],
        ),
      ),
    ).then(() => undefined);
    warmed = { model, done };
    done.catch(() => {
      if (warmed?.done === done) warmed = undefined;
    });
    return done;
  }

  async function runOnce(volume: Volume, model: LoadedDA, opts: DenoiseDAOptions): Promise<DenoiseDAResult> {
    checkInputs(volume, model, opts);
    opts.signal?.throwIfAborted();
    const scale = computeVolumeScale(volume, model.card.normalisation);
    // da-wide's stages run one after the other, each split over the workers as one network.
    const card = firstStageCard(model.card);
    return denoiseStages(volume, model, scale, opts, (v, weights, sc, o) =>
      runStage(v, { weights, card, source: model.source }, sc, o),
    );
  }

  /** One network over the volume in `scale`, split over the workers. */
  async function runStage(
    volume: Volume,
    model: LoadedDA,
    scale: number,
    opts: DenoiseDAOptions,
  ): Promise<DenoiseDAResult> {
    const t0 = performance.now();
    const parts = splitDAParts(volume.dims, opts.mask, size);
    const toCompute = parts.reduce((n, p) => n + p.centres, 0);
    const fractions = new Float64Array(parts.length);
    const out = new Float32Array(volume.data);
    // The memory budget is the run's, not each worker's: every worker's wasm heap grows to its share and stays there.
    const memoryBudgetBytes = partBudget(opts.memoryBudgetBytes, parts.length);
    const replying = Promise.all(
      parts.map((part, i) => {
        const job = partJob(volume, opts.mask, part, scale, model, { ...opts, memoryBudgetBytes });
        return request(
          i,
          (id) => ({ type: 'run', id, backend, job }),
          [job.data.buffer as ArrayBuffer, job.mask.buffer as ArrayBuffer],
          (f) => {
            fractions[i] = f;
            opts.onProgress?.(parts.reduce((s, p, k) => s + fractions[k] * p.centres, 0) / toCompute);
          },
          opts.signal,
        );
      }),
    );
    opts.onProgress?.(0); // the work is handed out: the caller can say so before the first chunk is back
    const replies = await replying;
    let voxelsComputed = 0;
    let formulation: DAFormulation = opts.formulation ?? 'im2col';
    replies.forEach((reply, i) => {
      if (reply.type !== 'done') throw new Error(`DA worker replied ${reply.type} to a run`);
      mergePart(out, volume.dims, parts[i], reply.data);
      voxelsComputed += reply.voxelsComputed;
      formulation = reply.formulation;
    });
    const millis = performance.now() - t0;
    return {
      volume: volumeLike(volume, out),
      backend: `${backend}×${parts.length}`,
      formulation,
      millis,
      voxelsComputed,
      gflops: (voxelsComputed * DA_FLOPS_PER_VOXEL) / (millis / 1000) / 1e9,
      scale,
      tiles: parts.length,
    };
  }

  return {
    size,
    warm,
    run(volume, model, opts = {}) {
      if (disposed) return Promise.reject(new Error('this DA worker pool has been disposed'));
      const result = running.then(() => runOnce(volume, model, opts));
      running = result.catch(() => undefined);
      return result;
    },
    async dispose() {
      disposed = true;
      await Promise.all(
        slots.map(async (s, i) => {
          if (!s) return;
          slots[i] = undefined;
          for (const p of s.pending.values()) p.onFailure(new Error('the DA worker pool was disposed'));
          s.pending.clear();
          await s.endpoint.terminate();
        }),
      );
    },
  };
}

// DA inference on several cores in Node: tfjs-backend-wasm is single-threaded there (its threaded build needs
// blob: workers, which worker_threads reject), so the volume is split into z-ranges, one worker_thread each, each
// with its own wasm instance. The split, messages and pool are worker-pool.ts's (shared with the viewer's Web
// Workers); this file is only the worker_threads transport. Not exported from src/model/index.ts so browser bundles
// never see worker_threads.
import * as os from 'node:os';
import * as path from 'node:path';
import { startModuleWorker } from '../../core/node-thread';
import type { Volume } from '../../core/volume';
import { checkInputs, type DenoiseDAOptions, type DenoiseDAResult } from './run-options';
import { createDAWorkerPool, type DAWorkerEndpoint } from './worker-pool';
import type { LoadedDA } from './weights-load';

export interface ParallelDenoiseOptions extends Omit<DenoiseDAOptions, 'backend'> {
  /** Worker threads (default: available cores). 1 runs in this thread. */
  workers?: number;
  /** Below this many voxels to compute, worker start-up (compiled JS + tfjs + wasm per thread, ~0.5 s) costs more than
   * it saves (default 30,000: a 64³ head, 62,828 voxels, took 3.2–3.4 s as a whole command on 2 workers against
   * 3.9–4.6 s on one thread at load ~2). */
  minVoxelsForWorkers?: number;
}

const WORKER_ENTRY = path.join(__dirname, 'node-parallel-worker');

/** A worker_thread running node-parallel-worker as a DA worker-pool endpoint. */
export function spawnNodeDAWorker(): DAWorkerEndpoint {
  const worker = startModuleWorker(WORKER_ENTRY);
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    listen(onReply, onFailure) {
      worker.on('message', onReply);
      worker.on('error', onFailure);
      worker.on('exit', (code) => onFailure(new Error(`denoiseDA worker exited with code ${code}`)));
    },
    terminate: () => worker.terminate(),
  };
}

/**
 * denoiseDA split over worker threads (Node only): the single-thread result voxel for voxel. Workers start for this
 * call and end with it.
 */
export async function denoiseDAParallel(
  volume: Volume,
  model: LoadedDA,
  opts: ParallelDenoiseOptions = {},
): Promise<DenoiseDAResult> {
  checkInputs(volume, model, opts);
  opts.signal?.throwIfAborted();
  const workers = opts.workers ?? os.availableParallelism();
  if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`workers must be an integer ≥ 1, got ${workers}`);
  const [nx, ny, nz] = volume.dims;
  const toCompute = opts.mask ? opts.mask.reduce((s, m) => s + (m ? 1 : 0), 0) : nx * ny * nz;
  // Too little to split: this thread runs it (and only then loads TensorFlow.js here).
  if (workers === 1 || toCompute < (opts.minVoxelsForWorkers ?? 30_000))
    return (await import('./infer')).denoiseDA(volume, model, opts);
  const pool = createDAWorkerPool(workers, spawnNodeDAWorker);
  try {
    return await pool.run(volume, model, opts);
  } finally {
    await pool.dispose();
  }
}

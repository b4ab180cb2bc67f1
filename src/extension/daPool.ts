// The DA's Web Worker pool: one worker per core, each with its own single-threaded WASM tfjs, behind the model
// layer's DAWorkerPool (model/da/worker-pool.ts: the split, messages and merge shared with the CLI's worker_threads).
import { createDAWorkerPool, type DAWorkerEndpoint, type DAWorkerPool } from '../model/da/worker-pool';
import { webWorkerEndpoint } from './webWorkerEndpoint';

/** The first message to a DA worker: where tfjs-backend-wasm's .wasm files are (beside this bundle). */
export interface DAWorkerSetup {
  type: 'setup';
  wasmPath: string;
}

function spawnWorker(wasmPath: string): DAWorkerEndpoint {
  // webpack turns this exact `new Worker(new URL(…, import.meta.url))` form into a separate worker chunk.
  // @ts-expect-error TS1343: tsc checks src/ as CommonJS; webpack compiles this file as an ES module.
  const worker = new Worker(new URL('./da.worker.ts', import.meta.url), { type: 'module', name: 'na-da' });
  const setup: DAWorkerSetup = { type: 'setup', wasmPath };
  worker.postMessage(setup);
  return webWorkerEndpoint(worker, 'DA worker');
}

/**
 * A pool of one DA worker per core (hardwareConcurrency, 2 to 8). Made by a factory so its owner (the extension's
 * service) decides its lifetime; workers start on the first warm() or run().
 * @example const pool = createDaWorkerPool(options().wasmPath); await pool.warm(model); await pool.run(volume, model)
 */
export function createDaWorkerPool(wasmPath: string, size?: number): DAWorkerPool {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return createDAWorkerPool(size ?? Math.max(2, Math.min(8, cores)), () => spawnWorker(wasmPath));
}

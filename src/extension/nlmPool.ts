// A pool of NLM Web Workers (one per spare core) behind the model layer's NlmWorkerPool interface.
import { createMessageNlmPool, type NlmWorkerEndpoint } from '../model/nlm/worker-protocol';
import type { NlmWorkerPool } from '../model/nlm/pool';
import { webWorkerEndpoint } from './webWorkerEndpoint';

function spawnWorker(): NlmWorkerEndpoint {
  // webpack turns this exact `new Worker(new URL(…, import.meta.url))` form into a separate worker chunk.
  // @ts-expect-error TS1343: tsc checks src/ as CommonJS; webpack compiles this file as an ES module.
  const worker = new Worker(new URL('./nlm.worker.ts', import.meta.url), { type: 'module', name: 'na-nlm' });
  return webWorkerEndpoint(worker, 'NLM worker');
}

/**
 * A pool of hardwareConcurrency − 1 NLM workers (at least one), so the UI thread keeps a core. The service owns the
 * page's pool (naDenoiseService.pools.nlm) and frees it.
 * @example const pool = createNlmWorkerPool(); await pool.run(task); await pool.dispose()
 */
export function createNlmWorkerPool(): NlmWorkerPool {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return createMessageNlmPool(Math.max(1, Math.min(8, cores - 1)), spawnWorker);
}

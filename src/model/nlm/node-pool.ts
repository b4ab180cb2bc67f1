// NLM worker pool on Node worker_threads (CLI, bench, tests). Not exported from src/model/index.ts so browser
// bundles never see node:worker_threads; import it from here.
import * as os from 'node:os';
import * as path from 'node:path';
import { startModuleWorker } from '../../core/node-thread';
import { createInlineNlmPool, type NlmWorkerPool } from './pool';
import { createMessageNlmPool, type NlmWorkerEndpoint, type NlmWorkerReply } from './worker-protocol';

const WORKER_ENTRY = path.join(__dirname, 'node-worker');

/**
 * A pool of `size` threads (default: one per available core): the calling thread, which would otherwise only wait
 * for the boxes, and size − 1 worker_threads; call dispose() when done. One worker fewer to start also leaves the head
 * search, which runs while they start, a core of its own (a 64³ command: about 35 ms sooner).
 * @example const pool = createNodeNlmPool(2); pool.warm?.(); await nlmeans(volume, params, { pool }); await pool.dispose();
 */
export function createNodeNlmPool(size: number = os.availableParallelism()): NlmWorkerPool {
  return createMessageNlmPool(size, (index) => (index === 0 ? callingThreadEndpoint() : spawnNodeWorker()));
}

/**
 * A pool slot on the calling thread: each request runs in ~25 ms slices (the inline pool), so the workers' replies,
 * progress and signals are handled between slices, and replies come back as a worker's would.
 */
function callingThreadEndpoint(): NlmWorkerEndpoint {
  const lane = createInlineNlmPool();
  const stop = new AbortController();
  let onReply: (reply: NlmWorkerReply) => void = () => undefined;
  return {
    post(request) {
      const { id } = request;
      const onProgress = (fraction: number) => onReply({ type: 'progress', id, fraction });
      lane.run(request.task, { onProgress, signal: stop.signal }).then(
        (result) => onReply({ type: 'done', id, result }),
        (err) => {
          if (!stop.signal.aborted)
            onReply({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
        },
      );
    },
    listen(reply) {
      onReply = reply;
    },
    terminate() {
      stop.abort();
      return lane.dispose();
    },
  };
}

function spawnNodeWorker(): NlmWorkerEndpoint {
  const worker = startModuleWorker(WORKER_ENTRY);
  // An idle pool must not keep the process alive; a busy one must (a pending promise does not).
  worker.unref();
  return {
    post(request, transfer) {
      worker.ref();
      worker.postMessage(request, transfer);
    },
    listen(onReply, onFailure) {
      worker.on('message', (reply: NlmWorkerReply) => {
        if (reply.type !== 'progress') worker.unref();
        onReply(reply);
      });
      worker.on('error', (err) => onFailure(err));
      worker.on('exit', (code) => onFailure(new Error(`worker exited with code ${code}`)));
    },
    terminate: () => worker.terminate(),
  };
}

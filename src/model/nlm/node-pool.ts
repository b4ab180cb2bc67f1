// NLM worker pool on Node worker_threads (CLI, bench, tests). Not exported from src/model/index.ts so browser
// bundles never see node:worker_threads; import it from here.
import * as os from 'node:os';
import * as path from 'node:path';
import { startModuleWorker } from '../../core/node-thread';
import type { NlmWorkerPool } from './pool';
import { createMessageNlmPool, type NlmWorkerEndpoint, type NlmWorkerReply } from './worker-protocol';

const WORKER_ENTRY = path.join(__dirname, 'node-worker');

/** A pool of `size` worker_threads (default: one per available core); call dispose() when done. */
export function createNodeNlmPool(size: number = os.availableParallelism()): NlmWorkerPool {
  return createMessageNlmPool(size, spawnNodeWorker);
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

// Web Worker entry for the DA: one z-range per run on this worker's own single-threaded WASM tfjs (bundled by webpack
// as its own chunk). The first message says where the .wasm files are; every other one goes to the shared handler.
import { configureWasmPaths, tf } from '../model/tf';
import { createDAWorkerHandler } from '../model/da/worker-handler';
import type { DAWorkerReply, DAWorkerRequest } from '../model/da/worker-pool';
import type { DAWorkerSetup } from './daPool';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<DAWorkerRequest | DAWorkerSetup>) => void) | null;
  postMessage(message: DAWorkerReply, transfer: Transferable[]): void;
};

const handle = createDAWorkerHandler();

scope.onmessage = (e) => {
  const message = e.data;
  if (message.type === 'setup') {
    configureWasmPaths(message.wasmPath);
    // One thread per worker: the pool is the parallelism (nested pthread workers would compete for the same cores).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return;
  }
  handle(message, (reply, transfer) => scope.postMessage(reply, transfer ?? []));
};

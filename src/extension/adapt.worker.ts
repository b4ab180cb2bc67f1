// Web Worker entry for "Adapt DA to this study": runs jobs/adapt off the main thread (WASM backend), posts progress
// and the held-out curve, and the adapted weights (transferred) at the end. Cancel aborts between batches.
import { adaptDA } from '../jobs/adapt';
import { activateBackend } from '../model/backend';
import { configureWasmPaths, tf } from '../model/tf';
import { loadDA } from '../model/da/weights-io';
import { createVolume } from '../core/volume';
import type { AdaptWorkerReply, AdaptWorkerRequest } from './adaptProtocol';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<AdaptWorkerRequest>) => void) | null;
  postMessage(message: AdaptWorkerReply, transfer?: Transferable[]): void;
};

let abort: AbortController | undefined;

async function start(req: Extract<AdaptWorkerRequest, { type: 'start' }>): Promise<void> {
  abort = new AbortController();
  const signal = abort.signal;
  try {
    configureWasmPaths(req.wasmPath);
    if (!req.wasmThreads) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const reason = await activateBackend('wasm');
    if (reason) throw new Error(`the WASM backend did not start in the worker: ${reason}`);
    const parent = await loadDA(req.weightsUrl);
    const volumes = req.acquisitions.map((a) => createVolume(a));
    const r = await adaptDA(volumes, parent, {
      study: req.study,
      seconds: req.seconds,
      signal,
      onProgress: (p) => {
        const { history, ...progress } = p;
        scope.postMessage({ type: 'progress', progress, history: [...history] });
      },
    });
    const buffers = [r.model.weights, ...(r.model.stage2 ? [r.model.stage2] : [])].flatMap((n) =>
      Object.values(n).map((w) => w.buffer as ArrayBuffer),
    );
    scope.postMessage(
      {
        type: 'done',
        adapted: r.adapted,
        weights: r.model.weights,
        ...(r.model.stage2 ? { stage2: r.model.stage2 } : {}),
        card: r.model.card,
        source: r.model.source,
        record: r.record,
        history: r.history,
        backend: 'wasm',
      },
      r.adapted ? buffers : [],
    );
  } catch (e) {
    if (signal.aborted) scope.postMessage({ type: 'cancelled' });
    else scope.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

scope.onmessage = (e) => {
  if (e.data.type === 'cancel') abort?.abort(new Error('cancelled'));
  else void start(e.data);
};

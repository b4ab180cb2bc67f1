// The worker side of the DA worker pool (worker-pool.ts): runs each request on this worker's own tfjs instance. Worker
// entries import this (Node: node-parallel-worker.ts; the viewer: extension/da.worker.ts); the main side does not,
// so it never loads TensorFlow.js.
import type { Volume } from '../../core/volume';
import { activateBackend, currentBackend } from '../backend';
import { denoiseDAWithScale } from './infer';
import type { DAWorkerReply, DAWorkerRequest } from './worker-pool';

/** A 5³ volume: the smallest input the DA takes, enough to compile and run every kernel once. */
const WARM_DIMS: [number, number, number] = [5, 5, 5];

/**
 * Worker side: handles one request after another and posts replies (result buffers transferred). A worker entry is
 * a few lines: create one handler, call it on each message with the thread's postMessage. Runs are serialised; an
 * 'abort' message lands between two chunks of the running job (denoiseDA yields to the event loop after each).
 * @example const handle = createDAWorkerHandler(); port.on('message', (r) => handle(r, (m, t) => port.postMessage(m, t)));
 */
export function createDAWorkerHandler(): (
  request: DAWorkerRequest,
  post: (reply: DAWorkerReply, transfer?: ArrayBuffer[]) => void,
) => void {
  const aborts = new Map<number, AbortController>();
  let queue: Promise<void> = Promise.resolve();
  const useBackend = async (name: string) => {
    if ((await currentBackend().catch(() => undefined)) === name) return;
    const reason = await activateBackend(name);
    if (reason) throw new Error(reason);
  };
  return (request, post) => {
    if (request.type === 'abort') {
      aborts.get(request.id)?.abort(new Error('the DA run was aborted'));
      return;
    }
    const controller = new AbortController();
    aborts.set(request.id, controller);
    queue = queue.then(async () => {
      const { id } = request;
      try {
        controller.signal.throwIfAborted();
        await useBackend(request.backend);
        if (request.type === 'warm') {
          const data = new Float32Array(WARM_DIMS[0] * WARM_DIMS[1] * WARM_DIMS[2]).fill(1);
          const volume = { dims: WARM_DIMS, spacing: [1, 1, 1] as [number, number, number], data } as Volume;
          await denoiseDAWithScale(volume, { weights: request.weights, card: request.card, source: 'warm-up' }, 1);
          post({ type: 'warm', id });
          return;
        }
        const { job } = request;
        const volume = { dims: job.dims, spacing: job.spacing, data: job.data } as Volume;
        const res = await denoiseDAWithScale(
          volume,
          { weights: job.weights, card: job.card, source: 'worker' },
          job.scale,
          {
            mask: job.mask,
            formulation: job.formulation,
            memoryBudgetBytes: job.memoryBudgetBytes,
            signal: controller.signal,
            onProgress: (fraction) => post({ type: 'progress', id, fraction }),
          },
        );
        post(
          { type: 'done', id, data: res.volume.data, voxelsComputed: res.voxelsComputed, formulation: res.formulation },
          [res.volume.data.buffer as ArrayBuffer],
        );
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        post({ type: 'error', id, message, aborted: controller.signal.aborted });
      } finally {
        aborts.delete(id);
      }
    });
  };
}

// A browser Web Worker as the model layer's WorkerEndpoint (the DA and NLM pools' transport in the viewer).
import type { WorkerEndpoint } from '../model/workerEndpoint';

/**
 * Wraps a started Web Worker; `what` names it in the one-line errors a failed start or a broken message gives.
 * @example const endpoint = webWorkerEndpoint<DAWorkerRequest, DAWorkerReply>(worker, 'DA worker')
 */
export function webWorkerEndpoint<Request, Reply>(worker: Worker, what: string): WorkerEndpoint<Request, Reply> {
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    listen(onReply, onFailure) {
      worker.onmessage = (e: MessageEvent<Reply>) => onReply(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        onFailure(new Error(e.message || `the ${what} script failed to load`));
      };
      worker.onmessageerror = () => onFailure(new Error(`a ${what} message could not be deserialised`));
    },
    terminate: () => worker.terminate(),
  };
}

// Entry of a Node worker_thread running NLM boxes (started by node-pool.ts through tsx).
import { parentPort } from 'node:worker_threads';
import { handleNlmRequest, type NlmWorkerRequest } from './worker-protocol';

if (!parentPort) throw new Error('node-worker.ts must run as a worker_thread');
const port = parentPort;
port.on('message', (request: NlmWorkerRequest) =>
  handleNlmRequest(request, (reply, transfer) => port.postMessage(reply, transfer ?? [])),
);

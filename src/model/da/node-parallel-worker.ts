// One DA worker thread (see node-parallel.ts): its own tfjs wasm instance, requests handled by worker-pool.ts.
import { parentPort } from 'node:worker_threads';
import { createDAWorkerHandler } from './worker-handler';

const port = parentPort;
if (!port) throw new Error('node-parallel-worker.ts must run in a worker thread');
const handle = createDAWorkerHandler();
port.on('message', (request) => handle(request, (reply, transfer = []) => port.postMessage(reply, transfer)));

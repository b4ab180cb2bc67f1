// Starts a Node worker_thread on one of our own modules, compiled or not: the compiled JavaScript (build/, made by
// `npm run prepare`) when it sits beside the caller, otherwise the TypeScript source through tsx's require hook.
// Node-only: browser bundles never import it (their workers are Web Workers).
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * A worker running `entry` (an absolute path without extension, e.g. `path.join(__dirname, 'node-worker')`).
 * @example const worker = startModuleWorker(path.join(__dirname, 'node-worker'));
 */
export function startModuleWorker(entry: string): Worker {
  if (fs.existsSync(`${entry}.js`)) return new Worker(`${entry}.js`);
  if (!fs.existsSync(`${entry}.ts`)) throw new Error(`worker entry ${entry}.js / .ts not found`);
  // A two-line JS entry registers tsx's require hook in the new thread (the `--import tsx` execArgv route does not
  // reach a worker's entry module on Node 20), then loads the TypeScript entry.
  const boot = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(`${entry}.ts`)});`;
  return new Worker(boot, { eval: true });
}

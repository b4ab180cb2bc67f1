// How the model layer imports TensorFlow.js: core + layers + the CPU and WASM backends, identically in Node and the browser.
// tfjs-node is deliberately not used (not installable here); WebGL/WebGPU are loaded on demand by backend-browser.ts.
import * as tf from '@tensorflow/tfjs-core';
// Note: chained tensor methods (t.squeeze()) are NOT registered: tfjs-core's Node (CommonJS) build does not ship them.
// Use the functional ops (tf.squeeze(t)).
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf, tfl };

/** True in Node (and Jest); false in browsers and web workers. */
export const IS_NODE: boolean =
  typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';

// Silences tfjs's "install tfjs-node" banner and debug checks; NaN checks are done explicitly at our boundaries.
tf.enableProdMode();

let wasmInitialised = false;

/**
 * Where the WASM backend finds its .wasm binaries. In Node the package finds them beside itself
 * (node_modules/@tensorflow/tfjs-backend-wasm/dist) and nothing needs configuring; a browser bundle must serve
 * tfjs-backend-wasm{,-simd,-threaded-simd}.wasm and call this with their URL prefix (ending in '/') before the
 * first use of the 'wasm' backend.
 */
export function configureWasmPaths(prefixOrFileMap: string | Record<string, string>): void {
  if (wasmInitialised) {
    throw new Error('configureWasmPaths must be called before the wasm backend is first initialised');
  }
  setWasmPaths(prefixOrFileMap);
}

/** Marks the wasm backend as initialised (called by backend.ts once setBackend('wasm') succeeded). */
export function markWasmInitialised(): void {
  wasmInitialised = true;
}

/** Node built-ins without a static import, so a web bundle never tries to resolve them. */
export function nodeBuiltin<T>(id: 'node:fs' | 'node:path'): T {
  const get = IS_NODE
    ? (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
    : undefined;
  if (!get) throw new Error(`${id} is only available in Node (>= 20.16)`);
  return get(id) as T;
}

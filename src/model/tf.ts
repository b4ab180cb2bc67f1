// How the model layer imports TensorFlow.js: core + layers + the CPU and WASM backends, identically in Node and the browser.
// tfjs-node is deliberately not used (not installable here); WebGL/WebGPU are loaded on demand by backend-browser.ts.
import * as tf from '@tensorflow/tfjs-core';
// Note: chained tensor methods (t.squeeze()) are NOT registered: tfjs-core's Node (CommonJS) build does not ship them.
// Use the functional ops (tf.squeeze(t)).
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf, tfl };
export { IS_NODE, nodeBuiltin } from './runtime';

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

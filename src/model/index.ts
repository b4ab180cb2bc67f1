// The model layer's public API: load weights, denoise a volume, choose a backend, train. No tfjs tensors cross it.
export { configureWasmPaths } from './tf';
export { selectBackend, type BackendSelection, type BackendTrial, type SelectBackendOptions } from './backend';
export * from './da';
export * from './nlm';
export { activateBackend, currentBackend, defaultCandidates, measureMatMulGflops } from './backend';

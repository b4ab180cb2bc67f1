// The one way the hand-written WebAssembly SIMD kernels (NLM, DA training, the Gaussian filter) are compiled: from their committed base64
// bytes, synchronously, once per thread, or not at all where the engine lacks WebAssembly SIMD.

/**
 * A getter for a kernel's compiled module: null where WebAssembly SIMD is unavailable. Compiles on first use.
 * Synchronous compile: the kernels are under 4 KB (browsers refuse sync compiles only above that on the main thread).
 * @example const nlmModule = lazySimdModule(NLM_SIMD_WASM_BASE64); if (nlmModule()) …
 */
export function lazySimdModule(base64: string): () => WebAssembly.Module | null {
  let compiled: WebAssembly.Module | null | undefined;
  return () => {
    if (compiled !== undefined) return compiled;
    try {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
    return compiled;
  };
}

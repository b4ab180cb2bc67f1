// The one way the hand-written WebAssembly kernels (NLM, DA training, filters, region growing, distance transform)
// are compiled and instantiated: from their committed base64 bytes, synchronously, once per thread, or not at all
// where the engine lacks WebAssembly SIMD.

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

/** Where a kernel's work runs: 'auto' (its WebAssembly where the engine has it, else JavaScript) or 'js' (the
 * JavaScript reference, e.g. for tests that compare the two). */
export type KernelEngine = 'auto' | 'js';

/** Bytes a kernel may address: its pointer arithmetic is i32. */
const MAX_KERNEL_BYTES = 2 ** 31;

/**
 * A fresh instance of `mod` (whose exports include its `memory`) with at least `bytes` of memory: one per call, so
 * nothing stays allocated between calls. Null when that is more than a kernel addresses or the engine refuses to
 * grow the memory: the caller then runs its JavaScript reference, which needs less.
 * @example const k = instanceWithMemory<FiltersKernel>(mod, 3 << 20); if (k) k.lines(…);
 */
export function instanceWithMemory<T extends { memory: WebAssembly.Memory }>(
  mod: WebAssembly.Module,
  bytes: number,
): T | null {
  if (bytes > MAX_KERNEL_BYTES) return null;
  const kernel = new WebAssembly.Instance(mod, {}).exports as unknown as T;
  const pages = Math.ceil(bytes / 65536) - kernel.memory.buffer.byteLength / 65536;
  try {
    if (pages > 0) kernel.memory.grow(pages);
  } catch {
    return null;
  }
  return kernel;
}

// Picks the kernel for one box: the WebAssembly SIMD kernel where it applies (one σ, an engine with wasm SIMD),
// else the JavaScript reference kernel. Results name the kernel through nlmKernelLabel, from the same rule.
import { createNlmSlabJob, type NlmEngine, type NlmSlabJob, type NlmSlabTask } from './kernel';
import { createNlmSimdSlabJob, nlmSimdAccepts } from './kernel-simd';

/** Which kernel runs a task with this σ (a number, or a σ map) on this engine choice. */
export function nlmKernelFor(sigma: NlmSlabTask['sigma'], engine: NlmEngine = 'auto'): 'simd' | 'js' {
  if (engine === 'js' || engine === 'simd') return engine;
  if (engine !== 'auto') throw new Error(`unknown NLM engine ${JSON.stringify(engine)}; use auto, simd or js`);
  return nlmSimdAccepts({ sigma }) ? 'simd' : 'js';
}

/**
 * The backend label of a CPU NLM run: 'wasm-simd' (the WebAssembly SIMD kernel) or 'js-cpu' (the JS kernel).
 * Worker threads run the same JavaScript engine as the caller, so the caller's answer is theirs.
 * @example nlmKernelLabel(18.5) // 'wasm-simd' in Node 20 and current browsers
 */
export function nlmKernelLabel(sigma: NlmSlabTask['sigma'], engine?: NlmEngine): 'wasm-simd' | 'js-cpu' {
  return nlmKernelFor(sigma, engine) === 'simd' ? 'wasm-simd' : 'js-cpu';
}

/**
 * The job for `task` on the engine it asks for ('auto' by default).
 * @example const job = createNlmJob(task); while (!job.step(8)); const box = job.result();
 */
export function createNlmJob(task: NlmSlabTask): NlmSlabJob {
  return nlmKernelFor(task.sigma, task.engine) === 'simd' ? createNlmSimdSlabJob(task) : createNlmSlabJob(task);
}

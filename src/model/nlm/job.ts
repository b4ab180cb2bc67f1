// Picks the kernel for one box: the WebAssembly SIMD kernel where it applies (one σ, an engine with wasm SIMD),
// else the JavaScript reference kernel.
import { createNlmSlabJob, type NlmSlabJob, type NlmSlabTask } from './kernel';
import { createNlmSimdSlabJob, nlmSimdAccepts } from './kernel-simd';

/**
 * The job for `task` on the engine it asks for ('auto' by default).
 * @example const job = createNlmJob(task); while (!job.step(8)); const box = job.result();
 */
export function createNlmJob(task: NlmSlabTask): NlmSlabJob {
  const engine = task.engine ?? 'auto';
  if (engine === 'js') return createNlmSlabJob(task);
  if (engine === 'simd') return createNlmSimdSlabJob(task);
  if (engine !== 'auto') throw new Error(`unknown NLM engine ${JSON.stringify(engine)}; use auto, simd or js`);
  return nlmSimdAccepts(task) ? createNlmSimdSlabJob(task) : createNlmSlabJob(task);
}

// The step bookkeeping both NLM engines (JS and wasm SIMD) share: offsets run in order, a chunk at a time, and the
// result is only read once every offset is done.
import type { NlmSlabJob } from './kernel';

/**
 * An NlmSlabJob over `totalSteps` offsets: `run(first, count)` computes offsets first … first+count−1 (count ≥ 1),
 * `finish()` turns the sums into the denoised box once all are done.
 * @example steppedSlabJob(offsets.length / 3, (first, count) => kernel.run(first, count), () => box)
 */
export function steppedSlabJob(
  totalSteps: number,
  run: (first: number, count: number) => void,
  finish: () => Float32Array,
): NlmSlabJob {
  let done = 0;
  return {
    totalSteps,
    get doneSteps() {
      return done;
    },
    step(maxSteps: number): boolean {
      const count = Math.min(totalSteps - done, Math.max(1, Math.floor(maxSteps)));
      if (count > 0) run(done, count);
      done += count;
      return done === totalSteps;
    },
    result(): Float32Array {
      if (done !== totalSteps) throw new Error(`NLM kernel: result() called after ${done} of ${totalSteps} steps`);
      return finish();
    },
  };
}

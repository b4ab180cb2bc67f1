// Where NLM boxes run: the NlmWorkerPool interface (Node worker_threads, browser Web Workers, or the calling thread)
// and the same-thread fallback, which works everywhere and yields between steps so progress and abort still work.
import { createNlmJob } from './job';
import type { NlmSlabTask } from './kernel';
import { yieldToEventLoop } from '../eventLoop';

export interface NlmRunControl {
  /** Fraction of this task done, 0…1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Runs NLM boxes; `size` tasks may run at once (the caller submits more and the pool queues them). */
export interface NlmWorkerPool {
  readonly size: number;
  /** Resolves with the denoised box; rejects with the signal's reason when aborted. */
  run(task: NlmSlabTask, control?: NlmRunControl): Promise<Float32Array>;
  /** Starts every worker now, so their start-up overlaps the caller's own work (finding the head, σ); optional. */
  warm?(): void;
  /** Frees the pool's threads; further runs are refused. */
  dispose(): Promise<void>;
}

/** Milliseconds of work between yields of the same-thread pool: short enough for a responsive UI. */
const SLICE_MS = 25;

/** Runs tasks one after another on the calling thread, yielding to the event loop every ~25 ms. */
export function createInlineNlmPool(): NlmWorkerPool {
  let disposed = false;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    size: 1,
    run(task, control = {}) {
      if (disposed) return Promise.reject(new Error('this NLM pool has been disposed'));
      const result = queue.then(() => runInline(task, control));
      queue = result.catch(() => undefined);
      return result;
    },
    async dispose() {
      disposed = true;
    },
  };
}

async function runInline(task: NlmSlabTask, { onProgress, signal }: NlmRunControl): Promise<Float32Array> {
  signal?.throwIfAborted();
  const job = createNlmJob(task);
  let chunk = 1;
  for (;;) {
    const t0 = Date.now();
    const finished = job.step(chunk);
    const elapsed = Date.now() - t0;
    // Aim each slice at SLICE_MS of work.
    chunk = Math.max(1, Math.min(job.totalSteps, Math.round((chunk * SLICE_MS) / Math.max(1, elapsed))));
    onProgress?.(job.doneSteps / job.totalSteps);
    if (finished) return job.result();
    await yieldToEventLoop();
    signal?.throwIfAborted();
  }
}

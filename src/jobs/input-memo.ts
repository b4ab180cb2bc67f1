// What the denoising job learns about its input alone (background, noise σ, the head, the brain mask, the regime, the
// input's own pSNR/SSIM), kept for the next run on the same input: a viewer that runs the DA, then NLM, then the DA
// again on one series computes it once. Every value is what the job would compute again (same functions, same
// input), so a run with a memo gives exactly the result of a run without one.

import type { Volume } from '../core/volume';

/**
 * A per-input store of the job's analysis; pass the same one with the same volume (and reference) to each run.
 * Values are made on first use and kept only when their computation succeeded (a failure is recomputed, and fails
 * the same way).
 */
export interface InputMemo {
  /** The input it describes: a run on another volume refuses it. */
  readonly volume: Volume;
  /** The reference its input metrics were measured against (the mean of repeats); other references are not kept. */
  readonly reference?: Volume;
  /** The value kept under `key`, else `compute()`'s, kept. */
  once<T>(key: string, compute: () => T): T;
  /** Keys kept so far (for tests and the bench's phase report). */
  readonly keys: readonly string[];
}

/**
 * @example
 * const memo = createInputMemo(acq1, mean3);
 * await denoiseVolume(acq1, { method: 'da' }, { reference: mean3, memo });
 * await denoiseVolume(acq1, { method: 'nlm' }, { reference: mean3, memo }); // no second head or brain-mask search
 */
export function createInputMemo(volume: Volume, reference?: Volume): InputMemo {
  const kept = new Map<string, unknown>();
  return {
    volume,
    reference,
    once<T>(key: string, compute: () => T): T {
      if (kept.has(key)) return kept.get(key) as T;
      const value = compute();
      kept.set(key, value);
      return value;
    },
    get keys() {
      return [...kept.keys()];
    },
  };
}

// Adapts the DA engine's trainer (src/model/da) to the training loop: weights and optimizer state as named tensors
// for checkpoints, plain Float32Array batches in, mean loss out.
import { DA_WEIGHT_SPECS, type DAWeights, validateWeights } from '../../model/da/architecture';
import { createParallelDATrainer } from '../../model/da/node-parallel-trainer';
import type { DATrainer } from '../../model/da/trainer';
import type { TensorRecord } from './checkpoint';
import type { PatchTrainer } from './trainLoop';

export function toTensorRecords(weights: DAWeights): TensorRecord[] {
  return DA_WEIGHT_SPECS.map((s) => ({ name: s.name, shape: [...s.shape], data: new Float32Array(weights[s.name]) }));
}

export function fromTensorRecords(records: readonly TensorRecord[]): DAWeights {
  const out: Record<string, Float32Array> = {};
  for (const r of records) out[r.name] = r.data;
  validateWeights(out);
  return out;
}

/** The DA trainer as the loop sees it: batches in, loss out, state as named tensors for checkpoints. */
export type DisposablePatchTrainer = PatchTrainer & { dispose(): void; readonly backend: string };

/**
 * Wraps src/model/da's trainer. Adam's moments and step count go into the checkpoint; its learning rate, betas and ε
 * come from this run's options (a resume with other options is refused by the loop), so nothing loses float64 precision.
 * `threads` > 1 shares every batch among that many threads (data-parallel, bit-reproducible per thread count).
 */
export async function createPatchTrainer(opts: {
  learningRate: number;
  seed: number;
  initialWeights?: DAWeights;
  /** Threads per step (default 1: this thread only). */
  threads?: number;
}): Promise<DisposablePatchTrainer> {
  const t: DATrainer = await createParallelDATrainer({
    learningRate: opts.learningRate,
    seed: opts.seed,
    initialWeights: opts.initialWeights,
    threads: opts.threads ?? 1,
  });
  return {
    backend: t.backend,
    step: (patches, targets) => t.step(patches, targets),
    evaluate: (patches, targets) => t.evaluate(patches, targets),
    getWeights: () => toTensorRecords(t.getWeights()),
    setWeights: (records) => t.setWeights(fromTensorRecords(records)),
    getOptimizerState: () => {
      const s = t.getOptimizerState();
      return [
        { name: 'adam/step', shape: [1], data: Float32Array.of(s.step) },
        ...toTensorRecords(s.firstMoment).map((r) => ({ ...r, name: `adam/m/${r.name}` })),
        ...toTensorRecords(s.secondMoment).map((r) => ({ ...r, name: `adam/v/${r.name}` })),
      ];
    },
    setOptimizerState: (records) => {
      const step = records.find((r) => r.name === 'adam/step');
      if (!step) throw new Error('checkpoint optimizer state lacks adam/step');
      const part = (prefix: string) =>
        fromTensorRecords(
          records.filter((r) => r.name.startsWith(prefix)).map((r) => ({ ...r, name: r.name.slice(prefix.length) })),
        );
      const current = t.getOptimizerState();
      t.setOptimizerState({
        ...current,
        step: step.data[0],
        firstMoment: part('adam/m/'),
        secondMoment: part('adam/v/'),
      });
    },
    dispose: () => t.dispose(),
  };
}

// Adapts the DA engine's trainer (src/model/da) to the training loop: weights and optimizer state as named tensors
// for checkpoints, plain Float32Array batches in, mean loss out.
import { DA_WEIGHT_SPECS, type DAWeights, validateWeights } from '../../model/da/architecture';
import type { TensorRecord } from './checkpoint';

export function toTensorRecords(weights: DAWeights): TensorRecord[] {
  return DA_WEIGHT_SPECS.map((s) => ({ name: s.name, shape: [...s.shape], data: new Float32Array(weights[s.name]) }));
}

export function fromTensorRecords(records: readonly TensorRecord[]): DAWeights {
  const out: Record<string, Float32Array> = {};
  for (const r of records) out[r.name] = r.data;
  validateWeights(out);
  return out;
}

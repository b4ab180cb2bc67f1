// Seeded Keras-default initialisation (Glorot uniform kernels, zero biases) for reproducible training runs.
import { DA_WEIGHT_SPECS, type DAWeights, weightSize } from './architecture';
import { uniformStream } from '../../core/random';

/** Glorot-uniform kernels (limit √(6 / (fanIn + fanOut))) and zero biases, as Keras initialises the layers. */
export function initDAWeights(seed = 0): DAWeights {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const random = uniformStream(seed);
  const out = {} as DAWeights;
  for (const s of DA_WEIGHT_SPECS) {
    const w = new Float32Array(weightSize(s));
    if (s.fanIn > 0) {
      const limit = Math.sqrt(6 / (s.fanIn + s.fanOut));
      for (let i = 0; i < w.length; i++) w[i] = (2 * random() - 1) * limit;
    }
    out[s.name] = w;
  }
  return out;
}

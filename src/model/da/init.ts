// Seeded Keras-default initialisation (Glorot uniform kernels, zero biases) for reproducible training runs.
import { DA_WEIGHT_SPECS, type DAWeights, weightSize } from './architecture';
import { imul } from '../../core/math';

/** mulberry32: a tiny, fast 32-bit PRNG; deterministic across platforms. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Glorot-uniform kernels (limit √(6 / (fanIn + fanOut))) and zero biases, as Keras initialises the layers. */
export function initDAWeights(seed = 0): DAWeights {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const random = mulberry32(seed);
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

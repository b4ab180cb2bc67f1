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

/**
 * Weights that pass a non-negative input's centre voxel through unchanged (one channel per layer carries it; ReLU is
 * the identity on it) while every other unit starts Glorot-random and feeds nothing to the output yet. A second stage
 * (da-wide) starts here, so the two-stage model starts as its first stage and training can only add to it.
 * @example identityDAWeights(1) // network(patch) = patch centre, for patches ≥ 0
 */
export function identityDAWeights(seed = 0): DAWeights {
  const w = initDAWeights(seed);
  const centreTap = 13; // (1·3 + 1)·3 + 1 of a 3³ kernel
  const c1 = w['conv1/kernel']; // [27, 1, 64]
  for (let t = 0; t < 27; t++) c1[t * 64] = t === centreTap ? 1 : 0;
  const c2 = w['conv2/kernel']; // [27, 64, 256]
  for (let t = 0; t < 27; t++) for (let i = 0; i < 64; i++) c2[(t * 64 + i) * 256] = t === centreTap && i === 0 ? 1 : 0;
  const d1 = w['dense1/kernel']; // [256, 32]
  for (let i = 0; i < 256; i++) d1[i * 32] = i === 0 ? 1 : 0;
  const d2 = w['dense2/kernel']; // [32, 256]
  for (let i = 0; i < 32; i++) d2[i * 256] = i === 0 ? 1 : 0;
  const d3 = w['dense3/kernel']; // [256, 1]
  for (let i = 0; i < 256; i++) d3[i] = i === 0 ? 1 : 0;
  return w;
}

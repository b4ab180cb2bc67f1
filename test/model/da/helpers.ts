// Shared fixtures for the DA tests: random weights with non-zero biases, a valid card, and a LoadedDA.
import { type DAWeights, DA_WEIGHT_SPECS } from '../../../src/model/da/architecture';
import { architectureSection, MODEL_CARD_FORMAT, type ModelCard } from '../../../src/model/da/card';
import { initDAWeights } from '../../../src/model/da/init';
import { uniformStream } from '../../../src/core/random';
import { DEFAULT_NORMALISATION } from '../../../src/model/da/normalise';
import type { LoadedDA } from '../../../src/model/da/weights-io';

/** Glorot kernels plus random biases, so every bias path is exercised. */
export function randomWeights(seed: number): DAWeights {
  const w = initDAWeights(seed);
  const random = uniformStream(seed + 1000);
  for (const s of DA_WEIGHT_SPECS) {
    if (s.name.endsWith('/bias')) for (let i = 0; i < w[s.name].length; i++) w[s.name][i] = 0.2 * (random() - 0.4);
  }
  return w;
}

export function testCard(overrides: Partial<ModelCard> = {}): ModelCard {
  return {
    format: MODEL_CARD_FORMAT,
    name: 'test-da',
    version: '0.0.0-test',
    status: 'provisional',
    created: new Date(0).toISOString(),
    architecture: architectureSection(),
    normalisation: { ...DEFAULT_NORMALISATION },
    training: {
      data: 'none (random weights)',
      protocol: 'none',
      optimizer: 'none',
      learningRate: 1e-4,
      batchSize: 128,
    },
    metrics: {},
    ...overrides,
  };
}

export function loaded(seed = 1): LoadedDA {
  return { weights: randomWeights(seed), card: testCard(), source: 'memory' };
}

/** Positive random data with smooth structure (so the head threshold keeps most voxels). */
export function randomData(n: number, seed: number): Float32Array {
  const random = uniformStream(seed);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = 100 + 400 * random() + 200 * Math.sin(i / 7);
  return d;
}

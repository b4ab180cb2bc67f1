// Shared fixtures for the DA tests: random weights with non-zero biases, a valid card, and a LoadedDA.
import { type DAWeights, DA_WEIGHT_SPECS } from '../../../src/model/da/architecture';
import { architectureSection, MODEL_CARD_FORMAT, type ModelCard } from '../../../src/model/da/card';
import { initDAWeights } from '../../../src/model/da/init';
import { uniformStream } from '../../../src/core/random';
import { computeDAScale, DEFAULT_NORMALISATION } from '../../../src/model/da/normalise';
import { extractPatches } from '../../../src/model/da/patches';
import type { LoadedDA } from '../../../src/model/da/weights-io';
import type { WhiteningSpec } from '../../../src/core/whitening';
import { phantomSubject } from '../../helpers/phantom';

/** Glorot kernels plus random biases, so every bias path is exercised. */
export function randomWeights(seed: number): DAWeights {
  const w = initDAWeights(seed);
  const random = uniformStream(seed + 1000);
  for (const s of DA_WEIGHT_SPECS) {
    if (s.name.endsWith('/bias')) for (let i = 0; i < w[s.name].length; i++) w[s.name][i] = 0.2 * (random() - 0.4);
  }
  return w;
}

/** Whitening for Hamming-windowed noise: lag correlations as measured on apodised phantom repeats, on every axis. */
export const HAMMING_WHITENING: WhiteningSpec = Object.freeze({
  correlations: [0, 1, 2].map(() => [1, 0.62, 0.11, -0.02, 0.01, 0, 0]) as WhiteningSpec['correlations'],
  floor: 0.25,
  strength: 0.5,
  radius: 3,
});

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

/** Phantom training pairs as the paper builds them (input: one acquisition; label: the mean of three), patch centres
 * on the brain: `count` batches of `size`, drawn from one stream seeded by `seed`. */
export function phantomBatches(
  count: number,
  size: number,
  seed: number,
): { patches: Float32Array; targets: Float32Array }[] {
  const subject = phantomSubject({ matrix: 20, voxelSizeMm: 12.8, seed: 7 });
  const input = subject.acquisitions[0];
  const scale = computeDAScale(input.data);
  const brain = Array.from(subject.brainMask).flatMap((m, i) => (m ? [i] : []));
  const random = uniformStream(seed);
  return Array.from({ length: count }, () => {
    const centres = Int32Array.from({ length: size }, () => brain[Math.floor(random() * brain.length)]);
    const patches = extractPatches(input.data, input.dims, centres, scale, new Float32Array(size * 125));
    return { patches, targets: Float32Array.from(centres, (c) => subject.mean3.data[c] / scale) };
  });
}

/** ‖a − b‖ / ‖b‖. */
export function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

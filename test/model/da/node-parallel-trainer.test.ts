// Data-parallel DA training (worker_threads): two threads give bit-identical runs for a seed, equal the one-thread
// trainer to float32 rounding, resume exactly from saved state, and handle batches smaller than the thread count or
// larger than the shared buffer (every thread on the default WebAssembly SIMD kernel).
//
// Why 1e-5: the shards change only the order of float32 additions over the batch (each shard's matMul sums its own
// samples, then the shard sums are added). A float32 sum of n terms is exact to about √n · 2⁻²⁴ ≈ 1e-6 relative for
// n ≤ 128; measured 1e-7 … 8e-7 for the gradients and ≤ 7e-7 for the weights after 12 Adam steps.
import { activateBackend } from '../../../src/model/backend';
import { DA_WEIGHT_SPECS, type DAWeights } from '../../../src/model/da/architecture';
import { createParallelDATrainer, shardRange } from '../../../src/model/da/node-parallel-trainer';
import { createDATrainer, type DAOptimizerState, type DATrainer } from '../../../src/model/da/trainer';
import { phantomBatches, relDiff } from './helpers';

const TOLERANCE = 1e-5;

/** Names of the weights whose bits differ (jest's toEqual walks 461,345 floats one by one: seconds). */
function differingBits(a: DAWeights, b: DAWeights): string[] {
  const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return DA_WEIGHT_SPECS.filter((s) => !bytes(a[s.name]).equals(bytes(b[s.name]))).map((s) => s.name);
}

/** The same for an optimizer state: step, rates and both moments. */
function differingState(a: DAOptimizerState, b: DAOptimizerState): string[] {
  const { firstMoment: m1, secondMoment: v1, ...rest1 } = a;
  const { firstMoment: m2, secondMoment: v2, ...rest2 } = b;
  return [
    ...(JSON.stringify(rest1) === JSON.stringify(rest2) ? [] : ['step/rates']),
    ...differingBits(m1, m2).map((n) => `m ${n}`),
    ...differingBits(v1, v2).map((n) => `v ${n}`),
  ];
}

function worstRelDiff(a: DAWeights, b: DAWeights): number {
  return Math.max(...DA_WEIGHT_SPECS.map((s) => relDiff(a[s.name], b[s.name])));
}

describe('createParallelDATrainer (data-parallel, worker_threads)', () => {
  // One state shared by the tests, in order (each worker start loads tfjs and compiles TypeScript: seconds).
  let one: DATrainer, a: DATrainer, b: DATrainer;
  beforeAll(async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
    one = await createDATrainer({ seed: 3, learningRate: 1e-3 });
    [a, b] = await Promise.all([1, 2].map(() => createParallelDATrainer({ seed: 3, threads: 2, learningRate: 1e-3 })));
  });
  afterAll(() => [one, a, b].forEach((t) => t?.dispose()));
  const batches = phantomBatches(8, 96, 5);

  it('splits a batch into contiguous shards covering every sample once', () => {
    expect([0, 1, 2].map((s) => shardRange(7, 3, s))).toEqual([
      [0, 2],
      [2, 4],
      [4, 7],
    ]);
    expect([0, 1].map((s) => shardRange(1, 2, s))).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });

  it('gives the one-thread gradients and, over Adam steps, bit-identical runs for a seed', () => {
    expect(a.backend).toBe('wasm×2');
    expect([one.kernel, a.kernel]).toEqual(['wasm-simd', 'wasm-simd']);
    const g1 = one.gradients(batches[0].patches, batches[0].targets);
    const g2 = a.gradients(batches[0].patches, batches[0].targets);
    expect(Math.abs(g2.loss - g1.loss) / g1.loss).toBeLessThan(1e-12);
    expect(worstRelDiff(g2.gradients, g1.gradients)).toBeLessThan(TOLERANCE);

    const losses: number[][] = [[], [], []];
    for (const { patches, targets } of batches.slice(0, 5))
      [one, a, b].forEach((t, i) => losses[i].push(t.step(patches, targets)));
    expect(losses[2]).toEqual(losses[1]);
    expect(differingBits(b.getWeights(), a.getWeights())).toEqual([]);
    expect(differingState(b.getOptimizerState(), a.getOptimizerState())).toEqual([]);
    expect(losses[1].every((l, i) => Math.abs(l - losses[0][i]) / losses[0][i] < TOLERANCE)).toBe(true);
    expect(worstRelDiff(a.getWeights(), one.getWeights())).toBeLessThan(TOLERANCE);
    // The training did something: the loss fell.
    expect(losses[1][4]).toBeLessThan(losses[1][0]);
  });

  it('resumes from saved weights and optimizer state to the same weights as an uninterrupted run', async () => {
    const resumed = await createParallelDATrainer({ seed: 99, threads: 2, learningRate: 1e-3 });
    try {
      resumed.setWeights(a.getWeights());
      resumed.setOptimizerState(a.getOptimizerState());
      for (const { patches, targets } of batches.slice(5)) {
        a.step(patches, targets);
        resumed.step(patches, targets);
      }
      expect(differingBits(resumed.getWeights(), a.getWeights())).toEqual([]);
      expect(differingState(resumed.getOptimizerState(), a.getOptimizerState())).toEqual([]);
    } finally {
      resumed.dispose();
    }
  });

  it('takes a batch smaller than the thread count and one larger than its shared buffer', () => {
    for (const { patches, targets } of batches.slice(5)) one.step(patches, targets);
    const [big] = phantomBatches(1, 300, 6);
    for (const n of [1, 300]) {
      const patches = big.patches.subarray(0, n * 125),
        targets = big.targets.subarray(0, n);
      const l2 = a.step(patches, targets),
        l1 = one.step(patches, targets);
      expect(Math.abs(l2 - l1) / l1).toBeLessThan(TOLERANCE);
    }
    expect(worstRelDiff(a.getWeights(), one.getWeights())).toBeLessThan(TOLERANCE);
  });

  it('refuses bad thread counts and bad batches, and calls after dispose', async () => {
    await expect(createParallelDATrainer({ threads: 0 })).rejects.toThrow(/threads must be an integer ≥ 1, got 0/);
    expect(() => b.step(new Float32Array(124), new Float32Array(1))).toThrow(/not a positive multiple of 125/);
    b.dispose();
    expect(() => b.step(batches[0].patches, batches[0].targets)).toThrow(/disposed/);
  });
});

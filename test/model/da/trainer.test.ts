// The fast training step: gradients equal tfjs autodiff of the LayersModel (with the WebAssembly SIMD kernel and
// with tfjs matMuls on wasm and cpu), Adam reduces the loss on phantom patches, weights/optimizer state round-trip,
// and the trained weights predict identically in the LayersModel.
import { activateBackend } from '../../../src/model/backend';
import { DA_WEIGHT_SPECS, type DAWeights } from '../../../src/model/da/architecture';
import { createDAModel } from '../../../src/model/da/layers-model';
import { createDATrainer, type DAGradientKernel } from '../../../src/model/da/trainer';
import { tf } from '../../../src/model/tf';

import { phantomBatches, randomWeights, relDiff } from './helpers';

/** One batch of phantom training pairs (the shared helper's first). */
const phantomBatch = (count: number, seed: number) => phantomBatches(1, count, seed)[0];

describe.each([
  ['wasm', 'wasm-simd'],
  ['wasm', 'tfjs'],
  ['cpu', 'tfjs'],
] as const)('DA trainer on %s, %s kernel', (backend: string, kernel: DAGradientKernel) => {
  beforeAll(async () => {
    expect(await activateBackend(backend)).toBeUndefined();
  });

  it('computes the same loss and gradients as tfjs autodiff of the LayersModel', async () => {
    const weights = randomWeights(21);
    const { patches, targets } = phantomBatch(16, 1);
    const trainer = await createDATrainer({ initialWeights: weights, kernel });
    expect(trainer.kernel).toBe(kernel);
    const fast = trainer.gradients(patches, targets);

    const model = createDAModel(weights);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const x = tf.tensor5d(patches, [16, 5, 5, 5, 1]);
    const t = tf.tensor2d(targets, [16, 1]);
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(tf.sub(model.apply(x) as tf.Tensor, t))) as tf.Scalar,
      vars,
    );
    expect(Math.abs(fast.loss - value.dataSync()[0]) / value.dataSync()[0]).toBeLessThan(1e-5);
    DA_WEIGHT_SPECS.forEach((s, i) => {
      const auto = grads[vars[i].name].dataSync() as Float32Array;
      expect({ name: s.name, rel: relDiff(fast.gradients[s.name], auto) }).toEqual({
        name: s.name,
        rel: expect.any(Number),
      });
      expect(relDiff(fast.gradients[s.name], auto)).toBeLessThan(1e-3);
    });
    tf.dispose([x, t, value, ...Object.values(grads)]);
    model.dispose();
    trainer.dispose();
  });
});

describe('DA trainer (wasm) learning and state', () => {
  beforeAll(async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
  });

  it('reduces the loss on phantom patches over a few hundred steps, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const B = 64;
    const train = phantomBatch(B * 20, 2);
    const held = phantomBatch(512, 3);
    const trainer = await createDATrainer({ seed: 5, learningRate: 1e-3 });
    const initial = trainer.evaluate(held.patches, held.targets);
    const losses: number[] = [];
    for (let s = 0; s < 200; s++) {
      const k = s % 20;
      losses.push(
        trainer.step(
          train.patches.subarray(k * B * 125, (k + 1) * B * 125),
          train.targets.subarray(k * B, (k + 1) * B),
        ),
      );
    }
    const final = trainer.evaluate(held.patches, held.targets);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-20))).toBeLessThan(0.5 * mean(losses.slice(0, 20)));
    expect(final).toBeLessThan(0.5 * initial);
    expect(trainer.getOptimizerState().step).toBe(200);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips weights and optimizer state so a resumed run matches an uninterrupted one', async () => {
    const { patches, targets } = phantomBatch(256, 4);
    const b1 = patches.subarray(0, 128 * 125),
      t1 = targets.subarray(0, 128);
    const b2 = patches.subarray(128 * 125),
      t2 = targets.subarray(128);
    const a = await createDATrainer({ seed: 9 });
    a.step(b1, t1);
    const savedWeights = a.getWeights();
    const savedState = a.getOptimizerState();
    a.step(b2, t2);

    const resumed = await createDATrainer({ seed: 123 });
    resumed.setWeights(savedWeights);
    resumed.setOptimizerState(savedState);
    resumed.step(b2, t2);
    const wa = a.getWeights(),
      wr = resumed.getWeights();
    for (const s of DA_WEIGHT_SPECS) expect(relDiff(wr[s.name], wa[s.name])).toBe(0);
    expect(resumed.getOptimizerState().step).toBe(2);

    // getWeights returns copies; setWeights validates.
    wa['conv1/bias'][0] = 1e6;
    expect(a.getWeights()['conv1/bias'][0]).not.toBe(1e6);
    expect(() => a.setWeights({ ...wa, 'dense1/kernel': new Float32Array(5) })).toThrow(/dense1\/kernel.*5 values/);
    expect(() => a.setOptimizerState({ ...savedState, beta1: 0.5 })).toThrow(/betas/);
    a.dispose();
    resumed.dispose();
  });

  it('trained weights loaded into the LayersModel give the same predictions', async () => {
    const { patches, targets } = phantomBatch(128, 6);
    const trainer = await createDATrainer({ seed: 2, learningRate: 1e-3 });
    for (let i = 0; i < 5; i++) trainer.step(patches, targets);
    const mine = trainer.predict(patches);
    const model = createDAModel(trainer.getWeights());
    const y = tf.tidy(() => (model.predict(tf.tensor5d(patches, [128, 5, 5, 5, 1])) as tf.Tensor).dataSync());
    expect(relDiff(mine, y as Float32Array)).toBeLessThan(1e-5);
    expect(trainer.evaluate(patches, targets)).toBeCloseTo(
      mine.reduce((s, v, i) => s + (v - targets[i]) ** 2, 0) / 128,
      6,
    );
    model.dispose();
    trainer.dispose();
  });

  it('averageInto moves a running average towards the current weights, in place', async () => {
    const { patches, targets } = phantomBatch(128, 7);
    const trainer = await createDATrainer({ seed: 3, learningRate: 1e-3 });
    const start = trainer.getWeights();
    const average = trainer.getWeights();
    trainer.step(patches, targets);
    const now = trainer.getWeights();
    trainer.averageInto(average, 0.75);
    for (const s of DA_WEIGHT_SPECS)
      for (let i = 0; i < now[s.name].length; i += 97)
        expect(average[s.name][i]).toBeCloseTo(0.75 * start[s.name][i] + 0.25 * now[s.name][i], 6);
    trainer.averageInto(average, 0);
    for (const s of DA_WEIGHT_SPECS) expect(relDiff(average[s.name], now[s.name])).toBe(0);
    expect(() => trainer.averageInto(average, 1)).toThrow(/decay must be in \[0, 1\)/);
    trainer.dispose();
  });

  it('rejects malformed batches clearly', async () => {
    const trainer = await createDATrainer();
    expect(() => trainer.step(new Float32Array(100), new Float32Array(1))).toThrow(/not a positive multiple of 125/);
    expect(() => trainer.step(new Float32Array(250), new Float32Array(3))).toThrow(/2 patches but 3 targets/);
    const nan = new Float32Array(125);
    nan[7] = NaN;
    expect(() => trainer.evaluate(nan, new Float32Array(1))).toThrow(/patch 0 holds NaN/);
    trainer.dispose();
    expect(() => trainer.step(new Float32Array(125), new Float32Array(1))).toThrow(/disposed/);
  });
});

export type { DAWeights };

// The WebAssembly SIMD training kernel: its committed binary is what its WAT source compiles to; its loss and
// gradients equal the tfjs-matMul path's (the reference, itself tested against tfjs autodiff in trainer.test.ts) for
// batches that leave partial register tiles (1, 6) and that split the batch-deep products into blocks (300), in one
// engine whose buffers grow and are reused; its float64 Adam is trainer.adamUpdate bit for bit. ~6 s.
import { activateBackend } from '../../../src/model/backend';
import { DA_WEIGHT_SPECS, type DAWeights } from '../../../src/model/da/architecture';
import { adamStepConstants, adamUpdate, createDATrainer, type DAGradientKernel } from '../../../src/model/da/trainer';
import { daTrainerSimdAvailable, SimdDAEngine } from '../../../src/model/da/trainer-simd';
import { uniformStream } from '../../../src/core/random';
import { DA_TRAINER_SIMD_WASM_BASE64 } from '../../../src/model/da/trainer-simd-wasm';
import { phantomBatches, randomWeights, relDiff } from './helpers';

const { compileWat, KERNELS } = require('../../../scripts/build-wasm.js');

describe('DA training kernel on WebAssembly SIMD', () => {
  beforeAll(async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
  });

  it('the committed binary is the WAT source compiled by scripts/build-wasm.js (byte for byte)', async () => {
    const kernel = KERNELS.find((k: { constant: string }) => k.constant === 'DA_TRAINER_SIMD_WASM_BASE64');
    const rebuilt: Buffer = await compileWat(require('node:path').join(__dirname, '..', '..', '..', kernel.wat));
    expect(Buffer.from(DA_TRAINER_SIMD_WASM_BASE64, 'base64').equals(rebuilt)).toBe(true);
  });

  it('runs in Node and is the default kernel', async () => {
    expect(daTrainerSimdAvailable()).toBe(true);
    const trainer = await createDATrainer({ seed: 1 });
    expect(trainer.kernel).toBe('wasm-simd');
    trainer.dispose();
  });

  it('gives the tfjs path’s loss and gradients (≤ 1e-5) for batches of 6, 300 and 1', async () => {
    const weights = randomWeights(7);
    const [simd, reference] = await Promise.all(
      (['wasm-simd', 'tfjs'] as DAGradientKernel[]).map((kernel) =>
        createDATrainer({ initialWeights: weights, kernel }),
      ),
    );
    const batches = phantomBatches(1, 307, 11)[0];
    let from = 0;
    for (const b of [6, 300, 1]) {
      const patches = batches.patches.subarray(from * 125, (from + b) * 125);
      const targets = batches.targets.subarray(from, from + b);
      from += b;
      const mine = simd.gradients(patches, targets);
      const ref = reference.gradients(patches, targets);
      expect(Math.abs(mine.loss - ref.loss) / ref.loss).toBeLessThan(1e-6);
      const worst = DA_WEIGHT_SPECS.map((s) => ({
        name: s.name,
        rel: relDiff(mine.gradients[s.name], ref.gradients[s.name]),
      })).filter((d) => !(d.rel <= 1e-5));
      expect({ batch: b, worst }).toEqual({ batch: b, worst: [] });
    }
    simd.dispose();
    reference.dispose();
  });

  it('updates with Adam exactly as trainer.adamUpdate (every bit, two steps); its parameters survive memory growth', () => {
    const random = uniformStream(4);
    const fill = (w: DAWeights, scale: number) => {
      for (const s of DA_WEIGHT_SPECS)
        for (let i = 0; i < w[s.name].length; i++) w[s.name][i] = scale * (random() - 0.5);
    };
    const engine = new SimdDAEngine();
    const adam = {
      weights: engine.resident.weights,
      firstMoment: engine.resident.firstMoment,
      secondMoment: engine.resident.secondMoment,
    };
    fill(adam.weights, 0.2);
    const reference = {
      w: Object.fromEntries(DA_WEIGHT_SPECS.map((s) => [s.name, new Float32Array(adam.weights[s.name])])),
      m: Object.fromEntries(DA_WEIGHT_SPECS.map((s) => [s.name, new Float32Array(adam.weights[s.name].length)])),
      v: Object.fromEntries(DA_WEIGHT_SPECS.map((s) => [s.name, new Float32Array(adam.weights[s.name].length)])),
    } as Record<'w' | 'm' | 'v', DAWeights>;
    const gradients = randomWeights(3);
    for (const t of [1, 2]) {
      fill(gradients, 10 ** -t);
      const k = adamStepConstants(t, { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
      engine.adam(k, Float32Array.from(DA_WEIGHT_SPECS.flatMap((s) => [...gradients[s.name]])));
      for (const s of DA_WEIGHT_SPECS)
        adamUpdate(
          reference.w[s.name],
          reference.m[s.name],
          reference.v[s.name],
          gradients[s.name],
          0,
          gradients[s.name].length,
          k,
        );
    }
    const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    const differing = DA_WEIGHT_SPECS.flatMap((s) =>
      (
        [
          ['w', adam.weights],
          ['m', adam.firstMoment],
          ['v', adam.secondMoment],
        ] as const
      )
        .filter(([key, mine]) => !bytes(mine[s.name]).equals(bytes(reference[key][s.name])))
        .map(([key]) => `${key} ${s.name}`),
    );
    expect(differing).toEqual([]);
    expect(adam.weights['dense3/bias'][0]).not.toBe(0); // it did update (the odd last parameter too)

    // A batch larger than any before grows the memory: the same record objects then view the new memory, same values.
    const before = DA_WEIGHT_SPECS.map((s) => new Float32Array(adam.weights[s.name]));
    const patches = Float32Array.from({ length: 2000 * 125 }, () => random());
    engine.run(engine.resident.weights, patches, new Float32Array(2000), 2000, 2000, () => {});
    expect(adam.weights).toBe(engine.resident.weights);
    expect(DA_WEIGHT_SPECS.filter((s, i) => !bytes(adam.weights[s.name]).equals(bytes(before[i])))).toEqual([]);
    expect(adam.weights['conv1/kernel'].buffer).toBe(engine.flatWeights().buffer);
  });

  it('rejects an unknown kernel clearly', async () => {
    await expect(createDATrainer({ kernel: 'gpu' as DAGradientKernel })).rejects.toThrow(
      /kernel must be 'wasm-simd' or 'tfjs', got gpu/,
    );
  });
});

// Fully convolutional DA inference equals the patch-wise LayersModel, masked equals full, and it cleans up after itself.
import { createVolume, type Volume } from '../../../src/core/volume';
import { activateBackend } from '../../../src/model/backend';
import { createDAModel } from '../../../src/model/da/layers-model';
import type { DAFormulation } from '../../../src/model/da/formulations';
import { denoiseDA } from '../../../src/model/da/infer';
import { uniformStream } from '../../../src/core/random';
import { computeDAScale } from '../../../src/model/da/normalise';
import { extractPatches } from '../../../src/model/da/patches';

import { tf } from '../../../src/model/tf';
import { loaded, randomData } from './helpers';
import { phantomSubject } from '../../helpers/phantom';

/** The reference: the LayersModel's predict on reflect-padded 5×5×5 patches, voxel by voxel. */
function patchwise(volume: Volume, model: ReturnType<typeof loaded>, centres: Int32Array): Float32Array {
  const scale = computeDAScale(volume.data, model.card.normalisation);
  const patches = extractPatches(volume.data, volume.dims, centres, scale, new Float32Array(centres.length * 125));
  const net = createDAModel(model.weights);
  try {
    const y = tf.tidy(() => net.predict(tf.tensor5d(patches, [centres.length, 5, 5, 5, 1])) as tf.Tensor);
    const out = Float32Array.from(y.dataSync(), (v) => v * scale);
    y.dispose();
    return out;
  } finally {
    net.dispose();
  }
}

function allCentres(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const small = createVolume({ dims: [7, 6, 5], data: randomData(7 * 6 * 5, 5) });

describe.each(['wasm', 'cpu'])('denoiseDA on %s', (backend) => {
  const model = loaded(11);
  let ref: Float32Array;
  beforeAll(async () => {
    expect(await activateBackend(backend)).toBeUndefined();
    ref = patchwise(small, model, allCentres(small.data.length));
  });

  it.each<DAFormulation>(['im2col', 'gather', 'conv3d'])(
    '%s equals the patch-wise LayersModel voxel for voxel (borders included)',
    async (formulation) => {
      const res = await denoiseDA(small, model, { formulation });
      expect(res.backend).toBe(backend);
      expect(res.voxelsComputed).toBe(small.data.length);
      // Outputs are ~O(scale); the tolerance is on values normalised by the scale.
      expect(maxAbsDiff(res.volume.data, ref) / res.scale).toBeLessThan(1e-4);
      // The network is not the identity: the comparison means something.
      expect(maxAbsDiff(res.volume.data, small.data) / res.scale).toBeGreaterThan(1e-2);
    },
  );
});

describe('masked denoiseDA (wasm)', () => {
  beforeAll(async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
  });

  it('tiles a wide, thin volume along y when a whole slice exceeds the budget, with the same result', async () => {
    const model = loaded(15);
    const wide = createVolume({ dims: [64, 48, 5], data: randomData(64 * 48 * 5, 8) });
    const random = uniformStream(10);
    const mask = Uint8Array.from(wide.data, () => (random() < 0.15 ? 1 : 0));
    const oneTile = await denoiseDA(wide, model, { mask });
    const yTiles = await denoiseDA(wide, model, { mask, memoryBudgetBytes: 16 * 2 ** 20 });
    expect(oneTile.tiles).toBe(1);
    expect(yTiles.tiles).toBeGreaterThan(2); // one z-slice per tile, split along y
    expect(maxAbsDiff(yTiles.volume.data, oneTile.volume.data) / oneTile.scale).toBeLessThan(1e-5);
  });

  it.each<DAFormulation>(['gather', 'conv3d'])(
    '%s with a scattered mask equals im2col without one at masked voxels',
    async (formulation) => {
      const model = loaded(14);
      const random = uniformStream(9);
      const mask = Uint8Array.from(small.data, () => (random() < 0.3 ? 1 : 0));
      mask[0] = 1; // a corner, where the border rule matters
      const full = await denoiseDA(small, model, { formulation: 'im2col' });
      const masked = await denoiseDA(small, model, { formulation, mask });
      for (let i = 0; i < mask.length; i++) {
        expect(
          Math.abs(masked.volume.data[i] - (mask[i] ? full.volume.data[i] : small.data[i])) / full.scale,
        ).toBeLessThan(1e-5);
      }
    },
  );

  it('masked inference equals full inference at masked voxels and keeps the input elsewhere, tiled or not', async () => {
    const subject = phantomSubject({ matrix: 20, voxelSizeMm: 12.8, seed: 3 });
    const volume = subject.acquisitions[0];
    const mask = subject.brainMask;
    const model = loaded(12);
    const full = await denoiseDA(volume, model);
    const progress: number[] = [];
    // A 16 MiB budget forces several tiles and row chunks on this 20³ volume.
    const masked = await denoiseDA(volume, model, {
      mask,
      memoryBudgetBytes: 16 * 2 ** 20,
      onProgress: (f) => progress.push(f),
    });
    expect(masked.tiles).toBeGreaterThan(1);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((f, i) => i === 0 || f > progress[i - 1])).toBe(true);
    expect(progress[progress.length - 1]).toBe(1);
    const brain = mask.reduce((s, m) => s + m, 0);
    expect(masked.voxelsComputed).toBe(brain);
    let maxIn = 0,
      maxOut = 0;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) maxIn = Math.max(maxIn, Math.abs(masked.volume.data[i] - full.volume.data[i]));
      else maxOut = Math.max(maxOut, Math.abs(masked.volume.data[i] - volume.data[i]));
    }
    expect(maxIn / full.scale).toBeLessThan(1e-5);
    expect(maxOut).toBe(0);
    // And the tiled masked run matches the reference on a sample of brain voxels.
    const random = uniformStream(4);
    const brainIdx = Int32Array.from(Array.from(mask).flatMap((m, i) => (m ? [i] : [])));
    const sample = Int32Array.from({ length: 60 }, () => brainIdx[Math.floor(random() * brainIdx.length)]);
    const ref = patchwise(volume, model, sample);
    expect(
      maxAbsDiff(
        Array.from(sample, (v) => masked.volume.data[v]),
        ref,
      ) / full.scale,
    ).toBeLessThan(1e-4);
  });
});

describe('denoiseDA inputs and resources', () => {
  beforeAll(async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
  });
  const model = loaded(13);

  it('rejects bad input with a clear message and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const nan = createVolume({ dims: [6, 6, 6], data: randomData(216, 1) });
    nan.data[100] = NaN;
    await expect(denoiseDA(nan, model)).rejects.toThrow(/non-finite value \(NaN\) at voxel \(4, 4, 2\)/);
    const inf = createVolume({ dims: [6, 6, 6], data: randomData(216, 1) });
    inf.data[0] = Infinity;
    await expect(denoiseDA(inf, model)).rejects.toThrow(/non-finite/);
    const image2d = createVolume({ dims: [32, 32, 1], data: randomData(1024, 1) });
    await expect(denoiseDA(image2d, model)).rejects.toThrow(/every dimension ≥ 5.*\[32, 32, 1\]/);
    const ok = createVolume({ dims: [6, 6, 6], data: randomData(216, 1) });
    await expect(denoiseDA(ok, model, { mask: new Uint8Array(216) })).rejects.toThrow(/mask is empty/);
    await expect(denoiseDA(ok, model, { mask: new Uint8Array(100).fill(1) })).rejects.toThrow(
      /mask has 100 voxels but the volume has 216/,
    );
    const wrong = { ...model, weights: { ...model.weights, 'conv2/kernel': new Float32Array(10) } };
    await expect(denoiseDA(ok, wrong)).rejects.toThrow(/wrong weights.*conv2\/kernel.*10 values/);
    const { 'dense3/bias': _drop, ...missing } = model.weights;
    await expect(denoiseDA(ok, { ...model, weights: missing as typeof model.weights })).rejects.toThrow(
      /lack "dense3\/bias"/,
    );
    await expect(denoiseDA(createVolume({ dims: [6, 6, 6] }), model)).rejects.toThrow(/no positive signal/);
    await expect(denoiseDA(ok, model, { backend: 'webgl' })).rejects.toThrow(/needs a browser/);
    expect(tf.memory().numTensors).toBe(before);
    expect(ok.data[0]).toBe(randomData(216, 1)[0]); // input untouched
  });

  it('frees every tensor after success, after an exception mid-run, and after an abort', async () => {
    const volume = createVolume({ dims: [16, 16, 16], data: randomData(4096, 2) });
    const opts = { memoryBudgetBytes: 16 * 2 ** 20 };
    const before = tf.memory().numTensors;
    await denoiseDA(volume, model, opts);
    expect(tf.memory().numTensors).toBe(before);

    let calls = 0;
    const failing = denoiseDA(volume, model, {
      ...opts,
      onProgress: () => {
        if (++calls === 2) throw new Error('UI exploded');
      },
    });
    await expect(failing).rejects.toThrow('UI exploded');
    expect(tf.memory().numTensors).toBe(before);

    const controller = new AbortController();
    let progressAtAbort = 0;
    const aborted = denoiseDA(volume, model, {
      ...opts,
      signal: controller.signal,
      onProgress: (f) => {
        if (!controller.signal.aborted) {
          progressAtAbort = f;
          controller.abort();
        }
      },
    });
    await expect(aborted).rejects.toThrow(/abort/i);
    expect(progressAtAbort).toBeLessThan(1);
    expect(tf.memory().numTensors).toBe(before);

    // An already-aborted signal never starts.
    await expect(denoiseDA(volume, model, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
  });
});

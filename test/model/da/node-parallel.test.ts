// DA inference split over worker threads equals the single-thread result, reports progress, and aborts cleanly.
import { createVolume } from '../../../src/core/volume';
import { activateBackend } from '../../../src/model/backend';
import { denoiseDA } from '../../../src/model/da/infer';
import { denoiseDAParallel } from '../../../src/model/da/node-parallel';

import { HAMMING_WHITENING as spec, loaded, randomData } from './helpers';
import { phantomSubject } from '../../helpers/phantom';

describe('denoiseDAParallel (worker_threads)', () => {
  beforeAll(async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
  });
  const model = loaded(31);

  it('equals denoiseDA with a brain mask and across the z-cuts, with monotone progress to 1', async () => {
    const subject = phantomSubject({ matrix: 20, voxelSizeMm: 12.8, seed: 3 });
    const volume = subject.acquisitions[0];
    const single = await denoiseDA(volume, model, { mask: subject.brainMask });
    const progress: number[] = [];
    const split = await denoiseDAParallel(volume, model, {
      mask: subject.brainMask,
      workers: 3,
      minVoxelsForWorkers: 0,
      onProgress: (f) => progress.push(f),
    });
    expect(split.backend).toBe('wasm×3');
    expect(split.voxelsComputed).toBe(single.voxelsComputed);
    expect(split.scale).toBe(single.scale);
    // Voxel for voxel: each worker runs the same tiles' arithmetic on its own wasm instance.
    expect(Array.from(split.volume.data)).toEqual(Array.from(single.volume.data));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1])).toBe(true);
    expect(progress[progress.length - 1]).toBeCloseTo(1, 10);
  });

  it('applies a card’s whitening once, around the split networks: equal to denoiseDA', async () => {
    const subject = phantomSubject({ matrix: 20, voxelSizeMm: 12.8, seed: 3 });
    const volume = subject.acquisitions[0];
    const whitened = { ...model, card: { ...model.card, whitening: spec } };
    const single = await denoiseDA(volume, whitened, { mask: subject.brainMask });
    const split = await denoiseDAParallel(volume, whitened, {
      mask: subject.brainMask,
      workers: 2,
      minVoxelsForWorkers: 0,
    });
    expect(Array.from(split.volume.data)).toEqual(Array.from(single.volume.data));
    // Whitening changed the result: the plain model gives another output on the same voxels.
    const plain = await denoiseDA(volume, model, { mask: subject.brainMask });
    expect(Array.from(plain.volume.data)).not.toEqual(Array.from(single.volume.data));
  });

  it('splits a thin volume (6 slices, ranges of 3) without a mask', async () => {
    const volume = createVolume({ dims: [12, 10, 6], data: randomData(720, 4) });
    const single = await denoiseDA(volume, model);
    const split = await denoiseDAParallel(volume, model, { workers: 2, minVoxelsForWorkers: 0 });
    expect(Array.from(split.volume.data)).toEqual(Array.from(single.volume.data));
  });

  it('rejects on abort and on bad input', async () => {
    const volume = createVolume({ dims: [16, 16, 16], data: randomData(4096, 2) });
    const controller = new AbortController();
    const run = denoiseDAParallel(volume, model, { workers: 2, minVoxelsForWorkers: 0, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(run).rejects.toThrow(/abort/i);
    await expect(denoiseDAParallel(volume, model, { workers: 0 })).rejects.toThrow(/workers must be an integer ≥ 1/);
    await expect(denoiseDAParallel(volume, model, { mask: new Uint8Array(4096) })).rejects.toThrow(/mask is empty/);
  });
});

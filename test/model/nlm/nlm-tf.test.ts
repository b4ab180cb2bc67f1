// The tfjs NLM against the CPU kernel on the cpu and wasm backends, with tensor bookkeeping on success, error, abort.
import { createVolume } from '../../../src/core/volume';
import { activateBackend } from '../../../src/model/backend';
import { nlmeans } from '../../../src/model/nlm/nlm-cpu';
import { nlmeansTf } from '../../../src/model/nlm/nlm-tf';
import { tf } from '../../../src/model/tf';
import { addRician, fieldVolume, rng } from '../../helpers/images';

const truth = fieldVolume([14, 12, 10], [1, 1, 1], (x, y, z) => (Math.hypot(x, y, z) < 4.5 ? 100 : 30) + x);
const image = createVolume({ dims: truth.dims, data: addRician(truth.data, 8, 21) });

function maxRelativeDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return m;
}

// tfjs's cpu backend runs these ops ~20× slower than wasm: it gets the smaller radii.
const CASES: Record<string, Array<[number, number, boolean]>> = {
  cpu: [
    [1, 2, true],
    [0, 2, false],
  ],
  wasm: [
    [1, 3, true],
    [2, 4, true],
    [1, 2, false],
  ],
};
const MAP_BLOCK_RADIUS: Record<string, number> = { cpu: 2, wasm: 3 };

describe.each(['cpu', 'wasm'])('nlmeansTf on the %s backend', (backend) => {
  beforeAll(async () => {
    const reason = await activateBackend(backend);
    if (reason) throw new Error(reason);
  });

  it.each(CASES[backend])(
    'agrees with the CPU kernel (patch %i, block %i, rician %s) and frees its tensors',
    async (patchRadius, blockRadius, rician) => {
      const before = tf.memory().numTensors;
      const params = { sigma: 8, patchRadius, blockRadius, rician };
      const gpu = await nlmeansTf(image, params, { backend });
      const cpu = await nlmeans(image, params);
      expect(gpu.backend).toBe(backend);
      expect(maxRelativeDiff(cpu.data, gpu.volume.data)).toBeLessThan(1e-3);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('agrees with a sigma map, a mask, and slabs cut by a small memory budget', async () => {
    const u = rng(3);
    const sigma = Float32Array.from(image.data, () => 5 + 6 * u());
    const mask = Uint8Array.from(image.data, (_, i) => (i % 5 === 0 ? 1 : 0));
    const blockRadius = MAP_BLOCK_RADIUS[backend];
    const gpu = await nlmeansTf(image, { sigma, blockRadius }, { mask, memoryBudgetBytes: 100_000 });
    const cpu = await nlmeans(image, { sigma, blockRadius }, { mask });
    expect(gpu.tiles).toBeGreaterThan(1);
    expect(maxRelativeDiff(cpu.data, gpu.volume.data)).toBeLessThan(1e-3);
  });

  it('frees every tensor when aborted midway, and reports progress before that', async () => {
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    const seen: number[] = [];
    const run = nlmeansTf(
      image,
      { sigma: 8, blockRadius: 2 },
      {
        signal: ac.signal,
        onProgress: (f) => {
          seen.push(f);
          if (seen.length === 3) ac.abort(new Error('stopped by the test'));
        },
      },
    );
    await expect(run).rejects.toThrow('stopped by the test');
    expect(seen.length).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad input before making any tensor', async () => {
    const before = tf.memory().numTensors;
    await expect(nlmeansTf(image, { sigma: -2 })).rejects.toThrow('sigma must be a positive finite number');
    await expect(nlmeansTf(image, { sigma: 1, blockRadius: 12 })).rejects.toThrow(
      'every dimension must exceed block_radius = 12',
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

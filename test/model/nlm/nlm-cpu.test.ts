// The CPU NLM against DIPY's definition written naively, DIPY's own property tests, masks, and input errors.
import { createVolume, type Volume } from '../../../src/core/volume';
import { nlmeans } from '../../../src/model/nlm/nlm-cpu';
import { expNeg } from '../../../src/model/nlm/kernel';
import { addRician, fieldVolume, rng } from '../../helpers/images';
import { naiveNlmeans } from './naive-nlm';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function rmse(a: ArrayLike<number>, b: ArrayLike<number>, mask?: Uint8Array): number {
  let s = 0,
    n = 0;
  for (let i = 0; i < a.length; i++)
    if (!mask || mask[i]) {
      s += (a[i] - b[i]) ** 2;
      n++;
    }
  return Math.sqrt(s / n);
}

/** A smooth blob with edges: a sphere of 100 on 20, plus a gentle gradient. */
function blob(dims: [number, number, number]): Volume {
  return fieldVolume(dims, [1, 1, 1], (x, y, z) => (Math.hypot(x, y, z) < dims[0] / 3 ? 100 : 20) + 0.5 * x);
}

function noisy(truth: Volume, sigma: number, seed: number): Volume {
  return createVolume({ dims: truth.dims, data: addRician(truth.data, sigma, seed) });
}

describe('nlmeans (CPU) matches DIPY’s definition', () => {
  const truth = blob([12, 10, 9]);
  const image = noisy(truth, 8, 1);
  it.each([
    [1, 3, true],
    [0, 2, true],
    [2, 4, true],
    [1, 2, false],
  ])('patch_radius %i, block_radius %i, rician %s', async (patchRadius, blockRadius, rician) => {
    const ours = await nlmeans(image, { sigma: 8, patchRadius, blockRadius, rician });
    const naive = naiveNlmeans(image, 8, patchRadius, blockRadius, rician);
    expect(maxAbsDiff(ours.data, naive)).toBeLessThan(1e-3);
    // And it did something: the output is not the input.
    expect(maxAbsDiff(ours.data, image.data)).toBeGreaterThan(1);
  });

  it('takes a per-voxel sigma map like DIPY (mean σ over the moving patch)', async () => {
    const u = rng(5);
    const sigma = Float32Array.from(image.data, () => 4 + 8 * u());
    const ours = await nlmeans(image, { sigma, patchRadius: 1, blockRadius: 3 });
    expect(maxAbsDiff(ours.data, naiveNlmeans(image, sigma, 1, 3, true))).toBeLessThan(1e-3);
  });

  it('never modifies its input', async () => {
    const copy = new Float32Array(image.data);
    await nlmeans(image, { sigma: 8, blockRadius: 3 });
    expect(image.data).toEqual(copy);
  });
});

describe('nlmeans (CPU) properties, as DIPY tests them', () => {
  it('keeps a constant image constant (√(c² − 2σ²) with the Rician correction)', async () => {
    const c = createVolume({ dims: [16, 14, 12], data: new Float32Array(16 * 14 * 12).fill(50) });
    const plain = await nlmeans(c, { sigma: 5, rician: false });
    expect(maxAbsDiff(plain.data, c.data)).toBeLessThan(1e-4);
    const corrected = await nlmeans(c, { sigma: 5 });
    expect(maxAbsDiff(corrected.data, new Float32Array(c.data.length).fill(Math.sqrt(2500 - 50)))).toBeLessThan(1e-4);
  });

  it('brings a noisy image closer to the truth', async () => {
    const truth = blob([24, 24, 24]);
    const image = noisy(truth, 10, 2);
    const out = await nlmeans(image, { sigma: 10, blockRadius: 3 });
    expect(rmse(out.data, truth.data)).toBeLessThan(0.6 * rmse(image.data, truth.data));
  });

  it('removes the Rician bias of the background', async () => {
    const sigma = 10;
    const zero = createVolume({ dims: [20, 20, 20] });
    const image = noisy(zero, sigma, 3);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    // Pure noise magnitude is Rayleigh: mean σ·√(π/2) ≈ 1.25σ.
    expect(mean(image.data) / sigma).toBeGreaterThan(1.1);
    const uncorrected = await nlmeans(image, { sigma, blockRadius: 3, rician: false });
    const corrected = await nlmeans(image, { sigma, blockRadius: 3 });
    expect(mean(uncorrected.data) / sigma).toBeGreaterThan(1.1);
    expect(mean(corrected.data) / sigma).toBeLessThan(0.3);
  });
});

describe('nlmeans (CPU) masks, progress and errors', () => {
  const truth = blob([14, 12, 10]);
  const image = noisy(truth, 8, 4);

  it('denoises only masked voxels, with the same values as an unmasked run', async () => {
    const mask = new Uint8Array(image.data.length);
    for (let i = 0; i < mask.length; i += 3) mask[i] = 1;
    const full = await nlmeans(image, { sigma: 8, blockRadius: 3 });
    const masked = await nlmeans(image, { sigma: 8, blockRadius: 3 }, { mask });
    for (let i = 0; i < mask.length; i++) {
      expect(masked.data[i]).toBeCloseTo(mask[i] ? full.data[i] : image.data[i], 4);
    }
  });

  it('reports progress up to 1 and stops on abort', async () => {
    const seen: number[] = [];
    await nlmeans(image, { sigma: 8 }, { onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toBe(1);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1])).toBe(true);
    const ac = new AbortController();
    ac.abort(new Error('user cancelled'));
    await expect(nlmeans(image, { sigma: 8 }, { signal: ac.signal })).rejects.toThrow('user cancelled');
  });

  it.each([
    [
      'a NaN voxel',
      () => {
        const v = createVolume({ dims: [12, 12, 12] });
        v.data[7] = NaN;
        return nlmeans(v, { sigma: 1 });
      },
      /holds 1 NaN voxel \(first at voxel \[7, 0, 0\]\); NLM needs finite input/,
    ],
    ['a negative sigma', () => nlmeans(image, { sigma: -1 }), /sigma must be a positive finite number, got -1/],
    ['a zero sigma', () => nlmeans(image, { sigma: 0 }), /sigma must be a positive/],
    [
      'a dimension not above block_radius',
      () => nlmeans(createVolume({ dims: [12, 12, 5] }), { sigma: 1 }),
      /every dimension must exceed block_radius = 5.*\[12, 12, 5\]/,
    ],
    [
      'block_radius ≤ patch_radius',
      () => nlmeans(image, { sigma: 1, patchRadius: 2, blockRadius: 2 }),
      /block_radius \(2\) must exceed patch_radius \(2\)/,
    ],
    ['a fractional radius', () => nlmeans(image, { sigma: 1, patchRadius: 1.5 }), /patch_radius must be an integer/],
    [
      'an empty mask',
      () => nlmeans(image, { sigma: 1 }, { mask: new Uint8Array(image.data.length) }),
      /the mask is empty/,
    ],
    [
      'a mask of the wrong size',
      () => nlmeans(image, { sigma: 1 }, { mask: new Uint8Array(5) }),
      /mask has 5 voxels but the volume has 1680/,
    ],
  ])('rejects %s with a clear message', async (_what, run, message) => {
    await expect(run()).rejects.toThrow(message);
  });
});

describe('expNeg', () => {
  it('matches Math.exp to 3e-9 relative where weights matter, 0 below 2^−64', () => {
    let worst = 0;
    for (let t = 0; t < 44; t += 0.000937) worst = Math.max(worst, Math.abs(expNeg(t) / Math.exp(-t) - 1));
    expect(worst).toBeLessThan(3e-9);
    expect(expNeg(0)).toBe(1);
    expect(expNeg(-1e-12)).toBe(1);
    expect(expNeg(1e6)).toBe(0);
    expect(expNeg(45)).toBe(0);
  });
});

// The product's DA (jobs/denoise with the default blend): the network and NLM blended by the weight SURE picks for
// each input, from that input alone. On 64³ phantom heads never used in training: with white noise in the training
// regime it stays close to the network (small weight) and keeps its lead over NLM; with Hamming-filtered noise, where
// the network alone falls behind NLM, the blend does not; an untrained network gets almost all NLM. The blend is
// exactly blendOutputs of the two runs on the region; 'off' is the network alone. Runtime ~40 s on 2 shared cores.
import { blendOutputs } from '../../src/core/blend';
import { psnr } from '../../src/core/metrics';
import { createVolume } from '../../src/core/volume';
import { denoiseVolume } from '../../src/jobs/denoise';
import { blendText } from '../../src/jobs/sure-blend';
import { createNodeNlmPool } from '../../src/model/nlm/node-pool';
import type { NlmWorkerPool } from '../../src/model/nlm/pool';
import { loaded } from '../model/da/helpers';
import { phantomSubject } from '../helpers/phantom';

/** Never used in training (seed 1) or the robustness matrix (20261201). */
const SEED = 5150;

let pool: NlmWorkerPool;
beforeAll(() => {
  pool = createNodeNlmPool(2);
});
afterAll(() => pool.dispose());

async function threeWays(params: object, weights?: ReturnType<typeof loaded>) {
  const subject = phantomSubject({ seed: SEED, subjects: 1, ...params });
  const input = subject.acquisitions[0];
  const before = Float32Array.from(input.data);
  const da = { method: 'da' as const, ...(weights ? { weights } : {}) };
  const blended = await denoiseVolume(input, da, { backend: 'wasm', workerPool: pool });
  const alone = await denoiseVolume(input, { ...da, blend: 'off' }, { backend: 'wasm' });
  const nlm = await denoiseVolume(input, { method: 'nlm' }, { workerPool: pool });
  expect(input.data).toEqual(before);
  const score = (v: typeof blended) => psnr(subject.truth, v.volume, subject.brainMask);
  return { blended, alone, nlm, score };
}

describe('the DA blended with NLM by SURE (the default)', () => {
  it('white noise at the training SNR: a small weight, and the lead over NLM kept', async () => {
    const { blended, alone, nlm, score } = await threeWays({});
    const p = blended.parameters;
    expect(p.nlmBlend).toBe('sure');
    expect(p.nlmBlendWeight).toBeLessThan(0.35);
    expect(p.sureNoise).toBe('white');
    expect(Number(p.sureMseBlend)).toBeLessThanOrEqual(Math.min(Number(p.sureMseDA), Number(p.sureMseNlm)));
    expect(alone.parameters.nlmBlend).toBe('off');
    expect(score(blended)).toBeGreaterThan(score(alone) - 0.05);
    expect(score(blended)).toBeGreaterThan(score(nlm) + 1);
    // Exactly the two runs blended on the region, the rest as acquired.
    const expected = blendOutputs(alone.volume.data, nlm.volume.data, Number(p.nlmBlendWeight));
    for (let i = 0; i < expected.length; i += 97) expect(blended.volume.data[i]).toBeCloseTo(expected[i], 2);
    expect(blendText(p)).toMatch(/^blended with NLM by SURE: \d+ % NLM$/);
    expect(blendText(alone.parameters)).toBe('the network alone (blend off)');
  }, 120000);

  it('Hamming-filtered noise: where the network falls behind NLM, the blend does not', async () => {
    const { blended, alone, nlm, score } = await threeWays({ noise: 'apodised' });
    expect(blended.parameters.sureNoise).toBe('correlated');
    expect(score(alone)).toBeLessThan(score(nlm));
    expect(score(blended)).toBeGreaterThan(score(nlm) - 0.2);
    expect(Number(blended.parameters.nlmBlendWeight)).toBeGreaterThan(0.5);
  }, 120000);

  it('a volume too thin for NLM (5 slices) keeps the network alone and says why', async () => {
    const subject = phantomSubject({ seed: SEED, subjects: 1 });
    const [nx, ny] = subject.truth.dims;
    const slab = createVolume({
      dims: [nx, ny, 5],
      spacing: [4, 4, 4],
      data: subject.acquisitions[0].data.slice(30 * nx * ny, 35 * nx * ny),
    });
    const r = await denoiseVolume(slab, { method: 'da' }, { backend: 'wasm', workerPool: pool });
    expect(r.parameters.nlmBlend).toBe('none: 5 voxels is too thin for NLM, whose block radius is 5');
    const alone = await denoiseVolume(slab, { method: 'da', blend: 'off' }, { backend: 'wasm' });
    expect(r.volume.data).toEqual(alone.volume.data);
    expect(blendText(r.parameters)).toBe('the network alone (5 voxels is too thin for NLM, whose block radius is 5)');
  }, 120000);

  it('an untrained network gets (almost) all NLM; an unknown blend is refused in one line', async () => {
    const { blended } = await threeWays({ matrix: 32, voxelSizeMm: 8 }, loaded(3));
    expect(Number(blended.parameters.nlmBlendWeight)).toBeGreaterThan(0.9);
    const input = phantomSubject({ seed: SEED, subjects: 1, matrix: 16, voxelSizeMm: 16 }).acquisitions[0];
    await expect(denoiseVolume(input, { method: 'da', blend: 'half' as never })).rejects.toThrow(
      /^the DA blend must be sure or off, got "half"$/,
    );
  }, 120000);
});

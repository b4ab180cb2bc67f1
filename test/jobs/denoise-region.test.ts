// The shared job leaves alone what is not the head: air keeps its noise floor and the calibration tubes their
// concentration, for the DA (shipped weights, demo-size 64³ phantom) and NLM (a 128³ × 2 mm volume; a 3³ search of
// single voxels keeps it cheap: the rule is about where a method runs). Runtime ≈ 30 s alone on 2 cores (75 s under load).
import { findHead } from '../../src/core/brain-mask';
import { dilate } from '../../src/core/mask';
import { createVolume, type Volume } from '../../src/core/volume';
import { denoiseVolume, type DenoiseRequest } from '../../src/jobs/denoise';
import { createNodeNlmPool } from '../../src/model/nlm/node-pool';
import { generateSubject, resolvePhantomParams, type PhantomSubject } from '../../src/phantom';
import { calibrateWithTubes, maskedMean, signalToConcentration } from '../../src/research/evaluate/tsc';

/** Mean of the voxels at least 8 mm from any tissue or tube: the air a reader sees around the head. */
function airMean(subject: PhantomSubject, data: Float32Array): number {
  const { dims, spacing } = subject.truth;
  const object = subject.labels.map((v) => (v !== 0 ? 1 : 0));
  const near = dilate(object, dims, spacing, 8);
  return maskedMean(
    data,
    near.map((v) => 1 - v),
  )!;
}

/** Each tube's concentration read through the noise-free image's calibration, minus its nominal value (mM). */
function tubeBiasMM(subject: PhantomSubject, image: Volume): number[] {
  const tubes = subject.tubes.map((t) => ({
    mask: subject.tubeMask.map((v) => (v === t.label ? 1 : 0)),
    concentrationMM: t.concentrationMM,
  }));
  const cal = calibrateWithTubes(subject.truth, tubes);
  return tubes.map((t) => signalToConcentration(maskedMean(image.data, t.mask)!, cal) - t.concentrationMM);
}

async function checkRule(subject: PhantomSubject, request: DenoiseRequest): Promise<void> {
  const input = subject.acquisitions[0];
  // The regime check has its own tests; NLM runs on worker threads (outside Jest's slow vm context).
  const pool = request.method === 'nlm' ? createNodeNlmPool(2) : undefined;
  const r = await denoiseVolume(input, request, { backend: 'wasm', checkRegime: false, workerPool: pool }).finally(() =>
    pool?.dispose(),
  );
  expect(r.parameters.region).toBe('head (automatic)');
  const head = findHead(input);
  let changedInside = 0;
  for (let i = 0; i < head.length; i++) {
    if (!head[i]) expect(r.volume.data[i]).toBe(input.data[i]);
    else if (r.volume.data[i] !== input.data[i]) changedInside++;
  }
  expect(r.parameters.regionVoxels).toBe(head.reduce((s, v) => s + v, 0));
  expect(changedInside).toBeGreaterThan(0.9 * Number(r.parameters.regionVoxels));
  // The DA over the whole volume lifted this air to about twice the input's mean; now only the head's
  // partial-volume rim changes, so the air stays at the input's noise floor (0.5 % allowed for that rim's reach).
  expect(airMean(subject, r.volume.data)).toBeLessThanOrEqual(1.005 * airMean(subject, input.data));
  for (const bias of tubeBiasMM(subject, r.volume)) expect(Math.abs(bias)).toBeLessThan(0.5);
}

describe('denoiseVolume leaves air and calibration tubes as acquired', () => {
  it('DA (shipped weights) on a demo-size 64³ × 4 mm phantom', async () => {
    const subject = generateSubject(resolvePhantomParams({ seed: 4242, subjects: 1 }), 0);
    await checkRule(subject, { method: 'da' });
  }, 600_000);

  it('NLM (3³ search) on a 128³ × 2 mm phantom', async () => {
    const subject = generateSubject(
      resolvePhantomParams({ seed: 4243, subjects: 1, matrix: 128, voxelSizeMm: 2, oversampling: 1 }),
      0,
    );
    await checkRule(subject, { method: 'nlm', patchRadius: 0, blockRadius: 1 });
  }, 600_000);

  it('denoises every voxel of a volume without a head to protect, and says so', async () => {
    const data = new Float32Array(12 * 12 * 12).fill(100);
    const r = await denoiseVolume(createVolume({ dims: [12, 12, 12], data }), { method: 'nlm', sigma: 5 });
    expect(String(r.parameters.region)).toMatch(/^whole volume \(no head found: /);
    expect(r.parameters.regionVoxels).toBe(data.length);
  });

  it("denoises everything with region 'all' and rejects an unknown region", async () => {
    const subject = generateSubject(resolvePhantomParams({ seed: 4244, subjects: 1, matrix: 32, voxelSizeMm: 8 }), 0);
    const input = subject.acquisitions[0];
    const r = await denoiseVolume(input, { method: 'nlm', patchRadius: 0, blockRadius: 1 }, { region: 'all' });
    expect(r.parameters.region).toBe('whole volume');
    await expect(denoiseVolume(input, { method: 'nlm' }, { region: 'brain' as never })).rejects.toThrow(
      /unknown denoising region "brain"; use 'head' or 'all'/,
    );
  });
});

// Training data for da-wide's second stage: the frozen first stage's outputs as inputs (in the raw acquisition's
// scale), each acquisition's label the mean of the *other* acquisitions, and patch centres only in the head.
// One 32³ × 8 mm phantom and random first-stage weights: about 10 s.
import { findHead } from '../../../src/core/brain-mask';
import { activateBackend } from '../../../src/model/backend';
import { denoiseDAWithScale } from '../../../src/model/da/infer';
import { resolvePhantomParams } from '../../../src/phantom/params';
import { generateSubject } from '../../../src/phantom/subject';
import { meansOfOthers, prepareSecondStageSubject } from '../../../src/research/train/secondStage';
import { sigmaNormalisation } from '../../../src/model/da/normalise';
import { loaded, testCard } from '../../model/da/helpers';

beforeAll(async () => {
  expect(await activateBackend('wasm')).toBeUndefined();
});

describe('second-stage training subjects', () => {
  it('label i is the mean of the other acquisitions and never holds acquisition i', () => {
    const params = resolvePhantomParams({ seed: 2, subjects: 1, matrix: 32, voxelSizeMm: 8, oversampling: 1 });
    const acq = generateSubject(params, 0).acquisitions.map((a, i) => ({ ...a, data: a.data.map(() => 10 ** i) }));
    expect(meansOfOthers(acq).map((l) => l.data[5])).toEqual([(10 + 100) / 2, (1 + 100) / 2, (1 + 10) / 2]);
    expect(() => meansOfOthers(acq.slice(0, 1))).toThrow(/needs at least 2, got 1/);
  });

  it('inputs are the first stage’s outputs in the acquisition’s scale; centres lie in the head', async () => {
    const params = resolvePhantomParams({ seed: 3, subjects: 1, matrix: 32, voxelSizeMm: 8, oversampling: 1 });
    const subject = generateSubject(params, 0);
    const stage1 = { ...loaded(5), card: testCard({ normalisation: sigmaNormalisation(20) }) };
    const s = await prepareSecondStageSubject(subject, stage1);
    const a = s.acquisitions[1];
    const whole = await denoiseDAWithScale(subject.acquisitions[1], stage1, a.scale);
    const head = findHead(subject.mean3);
    for (const v of [...s.brainVoxels, ...s.pools!.head]) {
      expect(Math.abs(a.volume.data[v] - whole.volume.data[v])).toBeLessThan(
        1e-2 * Math.abs(whole.volume.data[v]) + 1e-3,
      );
      expect(s.labels![1].data[v]).toBeCloseTo(
        (subject.acquisitions[0].data[v] + subject.acquisitions[2].data[v]) / 2,
        3,
      );
    }
    for (const v of s.pools!.head) expect(head[v]).toBe(1);
    expect(s.pools!.tube.length + s.pools!.background.length).toBe(0);
  });
});

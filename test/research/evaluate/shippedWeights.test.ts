// The shipped weights (weights/da/, the default model) against NLM (the product's defaults: DIPY nlmeans, σ from the
// background) on freshly generated phantom subjects from a seed never used in training, in three regimes: white noise
// at the training SNR, white noise at low SNR, and noise filtered by the reconstruction's Hamming window. pSNR and SSIM
// over the brain, against the noise-free truth and the mean of three acquisitions (the paper's reference).
// What is asserted per regime is what holds (reports/robustness): the DA beats NLM with white noise at SNR 13 on every
// measure, and at SNR 5 in pSNR vs truth and on both measures vs the mean of three (its SSIM vs truth is level with
// NLM's there); with Hamming-filtered noise it improves on the input but NLM stays ahead (a 5³ receptive field cannot
// average correlated noise), so that case checks the improvement and no win. The wider model (weights/da-wide, two
// stages, 9³ receptive field) does not beat NLM there either (reports/robustness: −0.84 dB with Hamming-filtered noise,
// below the paper's DA), so no model is asserted to win with filtered noise. About 4 min at load 25 (three 64³ NLMs).
import { createEvaluationDenoiser } from '../../../src/research/evaluate/denoisers';
import { psnr, ssim3d } from '../../../src/core/metrics';
import type { Volume } from '../../../src/core/volume';
import { activateBackend } from '../../../src/model/backend';
import { loadDA } from '../../../src/model/da/weights-io';
import { modelWeightsSource } from '../../../src/model/da/models';
import type { PhantomParamsInput } from '../../../src/phantom/types';
import { phantomSubject } from '../../helpers/phantom';

/** Training used cohort seed 1 (subjects 1–13); 4242 appears nowhere in training or cross-validation. */
const UNSEEN_SEED = 4242;

type Score = { psnr: number; ssim: number };
interface Scores {
  noisy: Score;
  nlm: Score;
  da: Score;
}

async function scores(params: PhantomParamsInput, weights?: string): Promise<{ truth: Scores; mean3: Scores }> {
  const model = await loadDA(weights);
  const subject = phantomSubject({ seed: UNSEEN_SEED, subjects: 1, ...params });
  const input = subject.acquisitions[0];
  const brain = subject.brainMask;
  const denoise = createEvaluationDenoiser(model);
  const da = await denoise(input, 'da', subject);
  const nlm = await denoise(input, 'nlm', subject);
  const against = (ref: Volume): Scores => {
    const score = (v: Volume) => ({ psnr: psnr(ref, v, brain), ssim: ssim3d(ref, v, { mask: brain }).mean });
    return { noisy: score(input), nlm: score(nlm), da: score(da) };
  };
  return { truth: against(subject.truth), mean3: against(subject.mean3) };
}

describe('shipped DA weights on unseen subjects', () => {
  beforeAll(async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
  });

  it('are the trained default model', async () => {
    const model = await loadDA();
    expect(model.card.status).toBe('trained');
    expect(model.card.training.data).toMatch(/seed 1\b/);
  });

  it('white noise, SNR 13 (the training regime): beat NLM in pSNR and SSIM, vs truth and vs mean of three', async () => {
    const s = await scores({});
    for (const ref of [s.truth, s.mean3]) {
      expect(ref.nlm.psnr).toBeGreaterThan(ref.noisy.psnr);
      expect(ref.da.psnr).toBeGreaterThan(ref.nlm.psnr);
      expect(ref.da.ssim).toBeGreaterThan(ref.nlm.ssim);
    }
  }, 300000);

  it('white noise, SNR 5: beat NLM in pSNR vs truth, and in pSNR and SSIM vs mean of three', async () => {
    const s = await scores({ snr: 5 });
    expect(s.truth.da.psnr).toBeGreaterThan(s.truth.nlm.psnr);
    expect(s.truth.da.ssim).toBeGreaterThan(s.truth.noisy.ssim);
    expect(s.mean3.da.psnr).toBeGreaterThan(s.mean3.nlm.psnr);
    expect(s.mean3.da.ssim).toBeGreaterThan(s.mean3.nlm.ssim);
  }, 300000);

  it('Hamming-filtered noise: both shipped models improve on the input, and NLM stays ahead of both (the header)', async () => {
    for (const model of ['da', 'da-wide'] as const) {
      const s = await scores({ noise: 'apodised' }, modelWeightsSource(model));
      expect(s.truth.da.psnr).toBeGreaterThan(s.truth.noisy.psnr);
      expect(s.truth.da.ssim).toBeGreaterThan(s.truth.noisy.ssim);
      // The target (beat NLM here) is missed: when a model meets it, this line fails and the test is turned.
      expect(s.truth.da.psnr).toBeLessThan(s.truth.nlm.psnr);
    }
  }, 600000);
});

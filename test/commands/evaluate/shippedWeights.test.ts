// The shipped weights (weights/) on a freshly generated phantom subject from a seed never used in training: they are
// the trained model and denoise — pSNR and SSIM over the brain improve on the noisy input against the truth and the
// mean of three. They do NOT beat NLM on this cohort (reports/da-vs-nlm-diagnosis.md: correlated scanner-like noise
// and the paper's 5³ receptive field); the last assertion pins that measured fact so a better model must update it.
import { createEvaluationDenoiser } from '../../../src/commands/evaluate/denoisers';
import { psnr, ssim3d } from '../../../src/core/metrics';
import type { Volume } from '../../../src/core/volume';
import { activateBackend } from '../../../src/model/backend';
import { loadDA } from '../../../src/model/da/weights-io';
import { resolvePhantomParams } from '../../../src/phantom/params';
import { generateSubject } from '../../../src/phantom/subject';

/** Training used cohort seed 1 (subjects 1–13); 4242 appears nowhere in training or cross-validation. */
const UNSEEN_SEED = 4242;

describe('shipped DA weights', () => {
  it('are the trained model and improve pSNR and SSIM over the noisy input on an unseen subject', async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
    const model = await loadDA();
    expect(model.card.status).toBe('trained');
    expect(model.card.training.data).toMatch(/seed 1/);
    const subject = generateSubject(resolvePhantomParams({ seed: UNSEEN_SEED, subjects: 1 }), 0);
    const input = subject.acquisitions[0];
    const brain = subject.brainMask;
    const denoise = createEvaluationDenoiser(model);
    const da = await denoise(input, 'da', subject);
    const nlm = await denoise(input, 'nlm', subject);
    for (const ref of [subject.truth, subject.mean3]) {
      const score = (v: Volume) => ({ psnr: psnr(ref, v, brain), ssim: ssim3d(ref, v, { mask: brain }).mean });
      const [noisy, n, d] = [score(input), score(nlm), score(da)];
      expect(d.psnr).toBeGreaterThan(noisy.psnr);
      expect(d.ssim).toBeGreaterThan(noisy.ssim);
      expect(n.psnr).toBeGreaterThan(noisy.psnr);
      // Measured: NLM stays ahead on this cohort (see the header).
      expect(d.psnr).toBeLessThan(n.psnr);
    }
  }, 240000);
});

// The shipped weights (weights/) must beat NLM (the product's defaults: DIPY nlmeans, σ from the background) on a
// freshly generated phantom subject from a seed never used in training: pSNR and SSIM over the brain, against the
// noise-free truth and against the mean of three acquisitions (the paper's reference).
import { createEvaluationDenoiser } from '../../../src/research/evaluate/denoisers';
import { psnr, ssim3d } from '../../../src/core/metrics';
import type { Volume } from '../../../src/core/volume';
import { activateBackend } from '../../../src/model/backend';
import { loadDA } from '../../../src/model/da/weights-io';
import { phantomSubject } from '../../helpers/phantom';

/** Training used cohort seed 1 (subjects 1–13); 4242 appears nowhere in training or cross-validation. */
const UNSEEN_SEED = 4242;

describe('shipped DA weights', () => {
  it('are the trained model and beat NLM on an unseen subject (pSNR and SSIM, vs truth and vs mean of three)', async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
    const model = await loadDA();
    expect(model.card.status).toBe('trained');
    expect(model.card.training.data).toMatch(/seed 1\b/);
    const subject = phantomSubject({ seed: UNSEEN_SEED, subjects: 1 });
    const input = subject.acquisitions[0];
    const brain = subject.brainMask;
    const denoise = createEvaluationDenoiser(model);
    const da = await denoise(input, 'da', subject);
    const nlm = await denoise(input, 'nlm', subject);
    for (const ref of [subject.truth, subject.mean3]) {
      const score = (v: Volume) => ({ psnr: psnr(ref, v, brain), ssim: ssim3d(ref, v, { mask: brain }).mean });
      const [noisy, n, d] = [score(input), score(nlm), score(da)];
      expect(n.psnr).toBeGreaterThan(noisy.psnr);
      expect(d.psnr).toBeGreaterThan(n.psnr);
      expect(d.ssim).toBeGreaterThan(n.ssim);
    }
  }, 240000);
});

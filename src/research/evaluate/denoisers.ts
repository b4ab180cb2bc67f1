// The two methods under evaluation, through the product's own denoising job (src/jobs/denoise): NLM with DIPY's
// nlmeans defaults (patch radius 1, block radius 5, Rician correction, σ estimated from the background) and the DA
// with a given set of weights.
import { dilate } from '../../core/mask';
import type { Volume } from '../../core/volume';
import type { DAWeights } from '../../model/da/architecture';
import { architectureSection, MODEL_CARD_FORMAT, type ModelCard } from '../../model/da/card';
import { type DANormalisation, DEFAULT_NORMALISATION } from '../../model/da/normalise';
import type { LoadedDA } from '../../model/da/weights-io';
import { type DABlend, denoiseVolume } from '../../jobs/denoise';
import type { Denoiser } from './evaluateSubjects';

/** NLM exactly as `sodium-denoise denoise --method nlm` runs it by default. */
export async function denoiseNlm(input: Volume): Promise<Volume> {
  return (await denoiseVolume(input, { method: 'nlm' })).volume;
}

/** Wraps freshly trained weights (not yet on disk) as a loaded model with the normalisation they were trained with. */
export function asLoadedDA(
  weights: DAWeights,
  source = 'in-memory training result',
  normalisation: DANormalisation = DEFAULT_NORMALISATION,
): LoadedDA {
  const card: ModelCard = {
    format: MODEL_CARD_FORMAT,
    name: 'sodium-da',
    version: 'in-training',
    status: 'provisional',
    created: new Date().toISOString(),
    architecture: architectureSection(),
    normalisation,
    training: { data: source, protocol: 'see the run folder', optimizer: 'Adam', learningRate: 1e-4, batchSize: 128 },
    metrics: {},
  };
  return { weights, card, source };
}

/** Margin around the brain that both methods denoise: the SSIM window (σ 1.5 voxels, cut at 3.5σ) needs ~6 voxels. */
export const EVALUATION_MARGIN_VOXELS = 6;

/**
 * The region both methods denoise in evaluation (the rest keeps its input): the brain plus the SSIM window's reach, and
 * the calibration tubes with the same margin, since tube bias and TSC read the denoised tubes.
 */
export function evaluationRegion(brainMask: Uint8Array, like: Volume, tubeMask?: Uint8Array): Uint8Array {
  const margin = EVALUATION_MARGIN_VOXELS * Math.max(...like.spacing);
  const region = dilate(brainMask, like.dims, like.spacing, margin);
  if (tubeMask) {
    const tubes = dilate(
      tubeMask.map((v) => (v ? 1 : 0)),
      like.dims,
      like.spacing,
      margin,
    );
    for (let i = 0; i < region.length; i++) region[i] |= tubes[i];
  }
  return region;
}

/**
 * NLM and the DA on the same region (brain and tubes + SSIM margin; metrics read nothing else): the DA's cost grows with the
 * voxels it computes, so this keeps an evaluation of a 64³ subject to seconds instead of a minute. `blend` is the DA's
 * blend with NLM: 'off' (default) evaluates the network alone, the paper's method; 'sure' the product's default.
 */
export function createEvaluationDenoiser(model: DAWeights | LoadedDA, blend: DABlend = 'off'): Denoiser {
  const loaded = 'card' in model ? (model as LoadedDA) : asLoadedDA(model as DAWeights);
  return async (input, method, subject) => {
    const mask = evaluationRegion(subject.brainMask, input, subject.tubeMask);
    return (
      await denoiseVolume(input, method === 'nlm' ? { method: 'nlm' } : { method: 'da', weights: loaded, blend }, {
        mask,
        checkRegime: false,
      })
    ).volume;
  };
}

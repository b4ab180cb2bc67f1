// The two methods under evaluation, bound to their settings: NLM as DIPY's nlmeans defaults (patch radius 1, block
// radius 5, Rician correction) with σ from the background, and the DA with a given set of weights.
import { estimateNoiseSigma } from '../../core/noise';
import type { Volume } from '../../core/volume';
import type { DAWeights } from '../../model/da/architecture';
import { architectureSection, MODEL_CARD_FORMAT, type ModelCard } from '../../model/da/card';
import { denoiseDA } from '../../model/da/infer';
import { DEFAULT_NORMALISATION } from '../../model/da/normalise';
import type { LoadedDA } from '../../model/da/weights-io';
import { nlmeans } from '../../model/nlm/nlm-cpu';
import type { Denoiser } from './evaluateSubjects';

/** NLM with DIPY's defaults; σ = the Rician σ of the input's background (what DIPY users pass from estimate_sigma). */
export async function denoiseNlm(input: Volume): Promise<Volume> {
  const sigma = estimateNoiseSigma(input).sigma;
  return nlmeans(input, { sigma });
}

/** Wraps freshly trained weights (not yet on disk) as a loaded model with the default normalisation. */
export function asLoadedDA(weights: DAWeights, source = 'in-memory training result'): LoadedDA {
  const card: ModelCard = {
    format: MODEL_CARD_FORMAT, name: 'sodium-da', version: 'in-training', status: 'provisional', created: new Date().toISOString(),
    architecture: architectureSection(), normalisation: DEFAULT_NORMALISATION,
    training: { data: source, protocol: 'see the run folder', optimizer: 'Adam', learningRate: 1e-4, batchSize: 128 }, metrics: {},
  };
  return { weights, card, source };
}

export function createEvaluationDenoiser(model: DAWeights | LoadedDA): Denoiser {
  const loaded = 'card' in model ? (model as LoadedDA) : asLoadedDA(model as DAWeights);
  return async (input, method) => (method === 'nlm' ? denoiseNlm(input) : (await denoiseDA(input, loaded)).volume);
}

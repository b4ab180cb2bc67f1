// The default DA output: the network blended with NLM by the weight that minimises Stein's unbiased risk estimate of
// the error on this input's brain (core/sure), with no truth and no repeats. Where the DA is on familiar ground the
// weight stays small and the DA's lead is kept; where it is not (a reconstruction filter it never saw, flat
// compartments at low SNR) the weight goes to NLM, so the result does not fall behind NLM (reports/robustness).
// Costs one more pass of each method, on the brain only, over the perturbed input y + ε·b.
import { isWhite, mcDivergence, sureBlendWeight, sureProbe } from '../core/sure';
import type { Mask, Volume } from '../core/volume';
import { volumeLike } from '../core/volume';
import type { AxisCorrelations } from '../core/whitening';

/** The Monte-Carlo probe: step ε (in units of the probe, whose voxels have σ̂), its seed, the correlation lags. */
export const SURE_PROBE = { epsilon: 0.05, seed: 1, maxLag: 8 } as const;

/** What the job gives the blend: the input, the two outputs on it, and how to run each method again. */
export interface SureBlendInputs {
  volume: Volume;
  /** The voxels SURE is taken over: the automatic brain mask within the denoised region. */
  brain: Mask;
  /** σ̂ of the noise (the job's; NLM's σ in both of its runs). */
  sigma: number;
  /** The noise's correlations per axis and lag (core/regime noiseCorrelationsFromBackground); null or white: none. */
  correlations: AxisCorrelations | null;
  da: Float32Array;
  nlm: Float32Array;
  /** Each method over `brain` of another input (the probe's). */
  runDA: (volume: Volume, mask: Mask) => Promise<Float32Array>;
  runNlm: (volume: Volume, mask: Mask) => Promise<Float32Array>;
}

/** The chosen weight and SURE's estimates (mean squared error per brain voxel, image units²). */
export interface SureBlendChoice {
  /** Weight of NLM in da + w·(nlm − da), in [0, 1]. */
  weight: number;
  sureDA: number;
  sureNlm: number;
  sureBlend: number;
  voxels: number;
  /** The noise the probe was given: coloured to measured correlations, white as measured, or white for want of a
   * measurement (no background). */
  noise: 'correlated' | 'white' | 'unknown';
}

/**
 * The SURE-optimal weight of NLM in the blend, for this input.
 * @example const { weight } = await sureBlend({ volume, brain, sigma, correlations, da, nlm, runDA, runNlm });
 */
export async function sureBlend(inputs: SureBlendInputs): Promise<SureBlendChoice> {
  const { volume, brain, sigma } = inputs;
  const probe = sureProbe(volume, sigma, inputs.correlations, SURE_PROBE.seed);
  const eps = SURE_PROBE.epsilon;
  const perturbed = volumeLike(
    volume,
    volume.data.map((v, i) => v + eps * probe[i]),
  );
  const daProbe = await inputs.runDA(perturbed, brain);
  const nlmProbe = await inputs.runNlm(perturbed, brain);
  const divergence = (base: Float32Array, moved: Float32Array) => mcDivergence(probe, base, moved, eps, brain);
  const choice = sureBlendWeight(
    volume.data,
    { output: inputs.da, divergence: divergence(inputs.da, daProbe) },
    { output: inputs.nlm, divergence: divergence(inputs.nlm, nlmProbe) },
    brain,
    sigma * sigma,
  );
  return {
    weight: Number(choice.alpha.toFixed(4)),
    sureDA: choice.sureA,
    sureNlm: choice.sureB,
    sureBlend: choice.sureBlend,
    voxels: choice.voxels,
    noise: inputs.correlations === null ? 'unknown' : isWhite(inputs.correlations) ? 'white' : 'correlated',
  };
}

/**
 * What a DA run did about NLM, in words, from its parameters (the CLI's summary, the viewer's overlay); undefined for a
 * run without a blend decision (NLM, or an older result).
 * @example blendText(result.parameters) // 'blended with NLM by SURE: 23 % NLM'
 */
export function blendText(parameters: Record<string, string | number | boolean>): string | undefined {
  const rule = parameters.nlmBlend;
  if (typeof rule !== 'string') return undefined;
  const share = `${Math.round(Number(parameters.nlmBlendWeight) * 100)} % NLM`;
  if (rule === 'sure') return `blended with NLM by SURE: ${share}`;
  if (rule === 'held-out slabs')
    return parameters.nlmBlendWeight === 0
      ? 'the network alone (its card pins no blend)'
      : `blended with NLM by the study's held-out slabs: ${share}`;
  if (rule === 'off') return 'the network alone (blend off)';
  return `the network alone (${rule.replace(/^none: /, '')})`;
}

// The held-out slabs also compare the result with NLM, the product's other method, so the user learns when NLM is
// the better choice for this study (filtered, spatially correlated noise can make it so: the DA reads a 5³ or 9³
// neighbourhood, NLM 11³). On the held-out brain voxels of every acquisition, the DA the adaptation returns and NLM
// (the product's defaults, with that acquisition's σ̂) are both scored against the mean of the OTHER acquisitions.
// That label's noise is independent of both outputs, so it adds the same variance, σ̂²/(n − 1), to both mean squared
// errors; subtracting it estimates each method's error against the (unknown) noise-free image.
import { fitBlendWeight } from '../../core/blend';
import type { Mask, Volume } from '../../core/volume';
import { denoiseDA } from '../../model/da/infer';
import type { LoadedDA } from '../../model/da/weights-io';
import { nlmeans } from '../../model/nlm/nlm-cpu';

/** What the held-out slabs say about the DA against NLM. */
export interface NlmComparison {
  region: 'brain, held-out slabs';
  /** Voxels scored, over all acquisitions. */
  voxels: number;
  /** Mean squared difference from the leave-one-out label (image units²) of the DA's output and of NLM's. */
  daMse: number;
  nlmMse: number;
  /** The label's own noise variance, mean over acquisitions of σ̂ᵢ²·Σ_{j≠i}σ̂ⱼ²/σ̂ᵢ²/(n − 1)² (image units²). */
  labelNoise: number;
  /**
   * 10·log10((nlmMse − labelNoise) / (daMse − labelNoise)): how far the DA is ahead of NLM in dB (negative: NLM is
   * ahead); null when an estimate is not positive (the label noise swamps the difference).
   */
  daAheadDb: number | null;
  /** The DA's and NLM's outputs blended by the least-squares weight on these voxels (blendCheck). */
  blend?: BlendCheck;
  /** Wall seconds the comparison took (set by the adaptation, on its clock). */
  seconds?: number;
}

/**
 * out = da + weight·(nlm − da), the weight fitted on the held-out voxels against the leave-one-out labels (whose noise
 * is independent of both outputs, so the fit is unbiased for the weight against the labels' mean). Kept when it lowers
 * the DA's estimated error against the truth by at least BLEND_MIN_GAIN_PERCENT; below that (under 0.1 dB) the fit
 * is within its own sampling noise, and at low SNR the labels' Rician bias (a mean of magnitudes) leans it toward the
 * network, so the adapted card leaves the weight to SURE on each input, as for every DA run.
 */
export interface BlendCheck {
  weight: number;
  /** Mean squared difference of the blend from the labels (image units²). */
  mse: number;
  /** How much lower the blend's estimated error against the truth is than the DA's, %. */
  gainPercent: number;
  /** The blend against NLM, in dB, as daAheadDb (null: an estimate is not positive). */
  aheadDb: number | null;
  kept: boolean;
}

/** A blend must lower the DA's estimated error by this much to be kept (2 %: about 0.09 dB). */
export const BLEND_MIN_GAIN_PERCENT = 2;

/** The comparison, or why it did not run (it must fit in the adaptation's budget). */
export type NlmCheck = NlmComparison | { skipped: string };

/** A method's mean squared difference from the leave-one-out labels over the held-out voxels of every acquisition. */
export interface HeldOutScore {
  /** Image units². */
  mse: number;
  /** Voxels scored, over all acquisitions. */
  voxels: number;
  /** The method's output for each acquisition (valid on the scored mask), for a blend fit. */
  outputs: Float32Array[];
}

interface HeldOutRunOptions {
  backend?: string;
  signal?: AbortSignal;
  onProgress?: () => void;
}

/**
 * The DA's held-out score: `model` (its whitening included) over `mask` of each acquisition, against `labels`.
 * @example const parent = await heldOutDAMse(acqs, leaveOneOutMeans(acqs), model, heldOutBrain);
 */
export async function heldOutDAMse(
  acquisitions: readonly Volume[],
  labels: readonly Float32Array[],
  model: LoadedDA,
  mask: Mask,
  opts: HeldOutRunOptions = {},
): Promise<HeldOutScore> {
  checkScoreInputs(acquisitions, labels);
  const outputs: Float32Array[] = [];
  for (const volume of acquisitions) {
    const progress = () => opts.onProgress?.();
    const run = { mask, backend: opts.backend, signal: opts.signal, onProgress: progress };
    outputs.push((await denoiseDA(volume, model, run)).volume.data);
  }
  return scoreOutputs(outputs, labels, mask);
}

/** NLM's held-out score (the product's defaults, each acquisition with its own σ̂), as heldOutDAMse. */
export async function heldOutNlmMse(
  acquisitions: readonly Volume[],
  labels: readonly Float32Array[],
  mask: Mask,
  sigmas: readonly number[],
  opts: HeldOutRunOptions = {},
): Promise<HeldOutScore> {
  checkScoreInputs(acquisitions, labels);
  if (sigmas.length !== acquisitions.length) throw new Error('the NLM score needs one σ̂ per acquisition');
  const outputs: Float32Array[] = [];
  for (const [i, volume] of acquisitions.entries()) {
    // NLM computes every voxel of the masked slices' bounding box: one call per slab keeps the boxes to the slabs.
    const nlm = new Float32Array(volume.data.length);
    for (const slab of slabMasks(mask, volume.dims)) {
      const out = await nlmeans(
        volume,
        { sigma: sigmas[i] },
        { mask: slab, signal: opts.signal, onProgress: () => opts.onProgress?.() },
      );
      for (let v = 0; v < slab.length; v++) if (slab[v]) nlm[v] = out.data[v];
    }
    outputs.push(nlm);
  }
  return scoreOutputs(outputs, labels, mask);
}

/** The leave-one-out label's noise variance, mean over inputs i of Σ_{j≠i} σ̂ⱼ² / (n − 1)² (image units²). */
export function labelNoiseVariance(sigmas: readonly number[]): number {
  const n = sigmas.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sigmas.reduce((s, sj, j) => (j === i ? s : s + sj * sj), 0) / (n - 1) ** 2 / n;
  return sum;
}

/**
 * The comparison from the two scores on the same voxels (`mask`, against `labels`), with the label noise both carry
 * (from each acquisition's σ̂) and their best blend.
 */
export function nlmComparison(
  da: HeldOutScore,
  nlm: HeldOutScore,
  labels: readonly Float32Array[],
  mask: Mask,
  sigmas: readonly number[],
): NlmComparison {
  if (da.voxels !== nlm.voxels) throw new Error('the DA and NLM were scored on different voxels');
  const labelNoise = labelNoiseVariance(sigmas);
  const daErr = da.mse - labelNoise;
  const nlmErr = nlm.mse - labelNoise;
  return {
    region: 'brain, held-out slabs',
    voxels: da.voxels,
    daMse: da.mse,
    nlmMse: nlm.mse,
    labelNoise,
    daAheadDb: daErr > 0 && nlmErr > 0 ? Number((10 * Math.log10(nlmErr / daErr)).toFixed(3)) : null,
    blend: blendCheck(da, nlm, labels, mask, labelNoise),
  };
}

/**
 * The blend of the two held-out outputs that fits the labels best, and whether it is worth keeping.
 * @example const b = blendCheck(keptScore, nlmScore, labels, heldOutBrain, labelNoiseVariance(sigmas)); // b.kept
 */
export function blendCheck(
  da: HeldOutScore,
  nlm: HeldOutScore,
  labels: readonly Float32Array[],
  mask: Mask,
  labelNoise: number,
): BlendCheck {
  const fit = fitBlendWeight(da.outputs, nlm.outputs, labels, mask);
  const daErr = fit.mseA - labelNoise;
  const blendErr = fit.mseBlend - labelNoise;
  const nlmErr = fit.mseB - labelNoise;
  const gainPercent = daErr > 0 ? (100 * (daErr - blendErr)) / daErr : 0;
  const weight = Number(fit.weight.toFixed(4));
  return {
    weight,
    mse: fit.mseBlend,
    gainPercent: Number(gainPercent.toFixed(3)),
    aheadDb: blendErr > 0 && nlmErr > 0 ? Number((10 * Math.log10(nlmErr / blendErr)).toFixed(3)) : null,
    kept: weight > 0 && gainPercent >= BLEND_MIN_GAIN_PERCENT,
  };
}

/**
 * Scores `model`, NLM and their best blend on `mask` (the held-out brain voxels) of each acquisition against `labels`.
 * @param sigmas - σ̂ of each acquisition (image units): NLM's σ and the label-noise estimate
 * @example const c = await heldOutNlmComparison(acqs, labels, r.model, heldOutBrain, sigmas);
 *          if ('daAheadDb' in c && c.daAheadDb !== null && c.daAheadDb < 0) console.log('NLM is better here');
 */
export async function heldOutNlmComparison(
  acquisitions: readonly Volume[],
  labels: readonly Float32Array[],
  model: LoadedDA,
  mask: Mask,
  sigmas: readonly number[],
  opts: HeldOutRunOptions = {},
): Promise<NlmComparison> {
  if (sigmas.length !== acquisitions.length)
    throw new Error('the NLM comparison needs ≥ 2 acquisitions, each with its label and σ̂');
  const da = await heldOutDAMse(acquisitions, labels, model, mask, opts);
  const nlm = await heldOutNlmMse(acquisitions, labels, mask, sigmas, opts);
  return nlmComparison(da, nlm, labels, mask, sigmas);
}

function checkScoreInputs(acquisitions: readonly Volume[], labels: readonly Float32Array[]): void {
  if (acquisitions.length < 2 || labels.length !== acquisitions.length)
    throw new Error('held-out scores need ≥ 2 acquisitions, each with its leave-one-out label');
}

function scoreOutputs(outputs: readonly Float32Array[], labels: readonly Float32Array[], mask: Mask): HeldOutScore {
  let sum = 0;
  let voxels = 0;
  for (const [i, out] of outputs.entries()) {
    const label = labels[i];
    for (let v = 0; v < mask.length; v++) {
      if (!mask[v]) continue;
      sum += (out[v] - label[v]) ** 2;
      voxels++;
    }
  }
  if (voxels === 0) throw new Error('the held-out slabs hold no brain voxels to compare on');
  return { mse: sum / voxels, voxels, outputs: [...outputs] };
}

/** The mask split into runs of consecutive slices that hold mask voxels (one mask per run). */
export function slabMasks(mask: Mask, dims: readonly number[]): Mask[] {
  const plane = dims[0] * dims[1];
  const used = (z: number) => mask.subarray(z * plane, (z + 1) * plane).some((m) => m !== 0);
  const out: Mask[] = [];
  for (let z = 0; z < dims[2]; z++) {
    if (!used(z)) continue;
    const start = z;
    while (z + 1 < dims[2] && used(z + 1)) z++;
    const slab = new Uint8Array(mask.length);
    slab.set(mask.subarray(start * plane, (z + 1) * plane), start * plane);
    out.push(slab);
  }
  return out;
}

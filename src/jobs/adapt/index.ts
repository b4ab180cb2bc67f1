// Adapts the DA to one study from its own repeated acquisitions, in the browser (a Web Worker) or Node: fine-tunes
// the parent weights on Noise2Noise pairs (pairs.ts) from slices whose patches never touch the held-out slabs
// (split.ts), stops early on those slabs or at the time budget, and keeps the parent when the slabs show no gain.
// When the repeats show spatially correlated noise (a k-space window), it trains on input and labels whitened with
// the study's own noise spectrum (whitening.ts), and the adapted card carries that whitening to inference.
import { computeBrainMask } from '../../core/brain-mask';
import { estimateNoiseSigma, findBackground, objectMask } from '../../core/noise';
import { splitmix32Words } from '../../core/random';
import { meanVolume, sameGrid, type Mask, type Volume } from '../../core/volume';
import { cloneWeights, type DAWeights, PATCH_VOXELS } from '../../model/da/architecture';
import { centreRegions } from './regions';
import { heldOutDAMse, heldOutNlmMse, type HeldOutScore, type NlmCheck, nlmComparison } from './nlm-check';
import { studyWhitening, whitenAll, WHITENING_DEFAULTS } from './whitening';
import { floor } from '../../core/math';
import { computeVolumeScale } from '../../model/da/normalise';
import { checkPatchDims } from '../../model/da/patches';
import { createDATrainer, daMeanSquaredError } from '../../model/da/trainer';
import type { LoadedDA } from '../../model/da/weights-io';
import { firstStageCard } from '../../model/da/card';
import { denoiseDAWithScale } from '../../model/da/infer';
import { weightsChecksum } from '../../model/da/weights-bytes';
import { adaptedCard, type AdaptationRecord, NOT_ADAPTED_NOTE, type StudyRegime } from './card';
import { type CentrePool, leaveOneOutMeans, type PairAcquisition, PairSampler } from './pairs';
import { type SlabSplit, type SlabSplitOptions, splitSlabs, voxelsOnSlices } from './split';
import { yieldToEventLoop } from '../../model/eventLoop';
import { useBackend } from '../../model/backend';
import { estimateRegime, type RegimeEstimate } from '../../core/regime';
import { regimeWarnings } from '../regime';
import type { TrainingRange } from '../../model/da/card';

export {
  NOT_ADAPTED_NOTE,
  nlmComparisonText,
  studyHash,
  voxelDataHash,
  type AdaptationRecord,
  type StudyRegime,
} from './card';
export { DEFAULT_SLAB_SPLIT, footprintSlices, splitSlabs, type SlabSplit, type SlabSplitOptions } from './split';
export { leaveOneOutMeans, PairSampler } from './pairs';
export { centreRegions, type CentreRegions } from './regions';
export {
  BLEND_MIN_GAIN_PERCENT,
  blendCheck,
  type BlendCheck,
  heldOutDAMse,
  heldOutNlmComparison,
  heldOutNlmMse,
  slabMasks,
  type HeldOutScore,
  type NlmCheck,
  type NlmComparison,
} from './nlm-check';
export { studyWhitening, WHITENING_DEFAULTS, type StudyWhitening } from './whitening';

/** Shares of the patch centres: mostly brain, some of the rest of the head (scalp, tubes), a little background. */
export const DEFAULT_REGION_SHARES = { brain: 0.7, head: 0.2, background: 0.1 } as const;

export interface AdaptOptions {
  /** Identity of the study for the card: studyHash(UIDs) or voxelDataHash(acquisitions). Never a name. */
  study: string;
  /** Wall-clock budget of the whole job in seconds (preparation included); it stops cleanly by then. Default 45. */
  seconds?: number;
  /** Adam learning rate. Default 1e-4 (the paper's). */
  learningRate?: number;
  batchSize?: number;
  /**
   * Added-noise level k (σ_add = k·σ̂), the paper's trick. Default 0: with a label independent of the input, the
   * loss is already minimised by the denoiser for the input's own noise; added noise would train it for a higher
   * level than it meets at inference (the paper needed k > 0 because its label contains the input).
   */
  noiseLevel?: number;
  /**
   * Decay of the running average of the weights that validation judges and the result keeps (0: the last iterate).
   * Default 0.98 (a horizon of ~50 batches): Noise2Noise labels make single Adam iterates jitter by several % of
   * the held-out loss between validations; their average does not.
   */
  averaging?: number;
  /** Batches between two validations on the held-out slabs. Default 32. */
  stepsPerEpoch?: number;
  /**
   * Stop after this many validations without a lower held-out loss. Default 5; 20 when whitened (whitening amplifies
   * the labels' noise as well, so the held-out loss is noisier and converges more slowly).
   */
  patience?: number;
  /**
   * Whiten input and labels with the study's own noise spectrum when its repeats show correlated noise (lag-1
   * correlation ≥ WHITENING_DEFAULTS.minCorrelation on some axis). Default true; one-stage parents only.
   */
  whiten?: boolean;
  /** Brain validation pairs drawn from the held-out slabs (fixed for the run; a quarter as many per other region). Default 2048. */
  validationSamples?: number;
  /** The adapted weights are kept only if their held-out loss is at least this much lower, in %. Default 0.2. */
  minGainPercent?: number;
  seed?: number;
  split?: SlabSplitOptions;
  shares?: { brain: number; head: number; background: number };
  /** Brain mask on the acquisitions' grid; default: computed from the mean of the acquisitions. */
  brainMask?: Mask;
  /** tfjs backend for training (activated if needed); default the active one. */
  backend?: string;
  signal?: AbortSignal;
  onProgress?: (p: AdaptProgress) => void;
  /**
   * Also score the result and NLM on the held-out slabs (nlm-check.ts), within the budget, so the user learns when
   * NLM is the better method for this study. Default true.
   */
  compareWithNlm?: boolean;
  /** ISO time for the card's `created` (default now); tests fix it. */
  created?: string;
  /** Milliseconds clock the budget is measured on (default performance.now); tests drive it. */
  clock?: () => number;
}

export interface AdaptEpoch {
  /** Epoch within its candidate's run. */
  epoch: number;
  /** Which run: on the acquisitions as acquired, or whitened (correlated noise); 'plain' when absent. */
  candidate?: 'plain' | 'whitened';
  trainLoss: number;
  /** Held-out loss of the decisive region (the brain). */
  valLoss: number;
  /** Held-out loss per region (brain, head, background). */
  valLosses: Record<string, number>;
  samples: number;
  /** Seconds since the job started, at the end of this epoch's validation. */
  elapsedSeconds: number;
}

export interface AdaptProgress {
  stage: 'preparing' | 'validating-parent' | 'training' | 'done';
  /** Fraction of the time budget used (0…1). */
  fraction: number;
  elapsedSeconds: number;
  parentValLoss?: number;
  bestValLoss?: number;
  history: readonly AdaptEpoch[];
}

export interface AdaptResult {
  /** True when the adapted weights beat the parent on the held-out slabs; otherwise `model` is the parent's. */
  adapted: boolean;
  /** What to denoise with: the adapted weights and their card, or the parent's weights with a "not adapted" card. */
  model: LoadedDA;
  record: AdaptationRecord;
  history: AdaptEpoch[];
  /** The held-out slabs, and where the plain candidate trained (a whitened one trains 4 slices further from them). */
  split: SlabSplit;
}

/**
 * Fine-tunes `parent` on the study's repeated acquisitions (≥ 2, one grid) within `seconds`.
 * @example const r = await adaptDA([acq1, acq2, acq3], await loadDA(), { study: studyHash(uids), seconds: 45 });
 *          if (r.adapted) await denoiseVolume(acq1, { method: 'da', weights: r.model });
 */
export async function adaptDA(
  acquisitions: readonly Volume[],
  parent: LoadedDA,
  opts: AdaptOptions,
): Promise<AdaptResult> {
  const clock = opts.clock ?? (() => performance.now());
  const t0 = clock();
  const elapsed = () => (clock() - t0) / 1000;
  const o = resolveOptions(acquisitions, opts);
  if (parent.card.whitening)
    throw new Error(
      `${parent.card.name} is already adapted to a study with whitened noise; adapt the shipped model instead`,
    );
  const history: AdaptEpoch[] = [];
  const report = (stage: AdaptProgress['stage'], extra: Partial<AdaptProgress> = {}) =>
    opts.onProgress?.({
      stage,
      fraction: Math.min(1, elapsed() / o.seconds),
      elapsedSeconds: elapsed(),
      history,
      ...extra,
    });
  opts.signal?.throwIfAborted();
  report('preparing');

  // Regions and per-acquisition statistics, on the mean of all repeats (the best SNR the study has).
  const grid = acquisitions[0];
  const mean = meanVolume(acquisitions);
  // One background for all repeats (they share the grid and the object); each gets its own Rayleigh σ̂ on it.
  let background: Mask | undefined;
  try {
    background = findBackground(mean);
  } catch {
    background = undefined; // too little background: each acquisition falls back to the local estimator
  }
  const estimates = acquisitions.map((a) => {
    try {
      return estimateNoiseSigma(a, background ? { background } : {});
    } catch {
      return estimateNoiseSigma(a);
    }
  });
  const sigmas = estimates.map((e) => e.sigma);
  const meanSigma = sigmas.reduce((s, v) => s + v, 0) / sigmas.length;
  const head = objectMask(mean, meanSigma);
  const brain = opts.brainMask ?? brainMaskOrHead(mean, head, meanSigma);
  // da-wide adapts its second stage on the frozen first stage's outputs: its footprint spans both stages.
  const stages: 1 | 2 = parent.stage2 ? 2 : 1;
  const split = splitSlabs(grid.dims[2], opts.split, stages);
  // A whitened run holds the same slabs out but trains further from them (the kernel's reach), and its whitening is
  // measured on the slices it may train on.
  const whitenedSplit =
    stages === 1 && o.whiten ? splitOrNone(grid.dims[2], opts.split, WHITENING_DEFAULTS.radius) : undefined;
  const whitening = whitenedSplit ? studyWhitening(acquisitions, brain, whitenedSplit) : undefined;
  const regions = centreRegions(head, brain, grid.dims, stages);
  const firstStageMask = regions.firstStageMask;
  const pools = (slices: Uint8Array): CentrePool[] => [
    { name: 'brain', voxels: voxelsOnSlices(regions.brain, grid.dims, slices), share: o.shares.brain },
    { name: 'head', voxels: voxelsOnSlices(regions.rest, grid.dims, slices), share: o.shares.head },
    { name: 'background', voxels: voxelsOnSlices(regions.background, grid.dims, slices), share: o.shares.background },
  ];
  // The scale is always the raw acquisition's: the rule inference applies before whitening (stages.ts).
  const prepared: PairAcquisition[] = acquisitions.map((volume, i) => ({
    volume,
    sigma: sigmas[i],
    scale: computeVolumeScale(volume, parent.card.normalisation),
  }));
  // The first stage's pass is most of the preparation: it runs under the budget too (checked after each chunk), and
  // a pass the budget cuts short leaves the parent unchanged ('time', no epoch) instead of overrunning.
  const budget = { signal: opts.signal, timeUp: () => elapsed() > o.seconds, backend: opts.backend };
  let preparationTimedOut = false;
  if (parent.stage2) {
    const first: LoadedDA = { weights: parent.weights, card: firstStageCard(parent.card), source: parent.source };
    const firstStage = await withinBudget(budget, async (run) => {
      const outputs: Volume[] = [];
      for (const p of prepared) {
        if (budget.timeUp()) return undefined;
        outputs.push((await denoiseDAWithScale(p.volume, first, p.scale, { ...run, mask: firstStageMask })).volume);
      }
      return outputs;
    });
    if (firstStage) firstStage.forEach((volume, i) => (prepared[i].volume = volume));
    else preparationTimedOut = true;
  }
  const labels = leaveOneOutMeans(acquisitions);
  const seedWords = (k: number) => splitmix32Words((o.seed * 7919 + k) >>> 0);
  // Held-out pairs as inference sees them (no added noise), per region; the brain decides (it is what is read). The
  // draws depend only on the seed, so a whitened candidate's set has the same centres and the same (raw) targets.
  const validationSets = (inputs: PairAcquisition[]): ValidationSet[] =>
    pools(split.validationSlices)
      .filter((p) => p.voxels.length > 0)
      .map((p, k) => {
        const count = p.name === 'brain' ? o.validationSamples : Math.ceil(o.validationSamples / 4);
        const patches = new Float32Array(count * PATCH_VOXELS);
        const targets = new Float32Array(count);
        new PairSampler(inputs, [{ ...p, share: 1 }], 0, seedWords(2 + k), labels).fill(patches, targets, count, false);
        return { name: p.name, patches, targets, count };
      });
  const plainSets = validationSets(prepared);
  if (plainSets.length === 0) throw new Error('the held-out slabs hold no voxels to validate on');
  const decisive = plainSets.find((v) => v.name === 'brain') ?? plainSets[0];
  const regime = studyRegime(acquisitions, mean, brain, sigmas, estimates[0].method, parent.card.trainingRange);
  // The plain candidate trains on the acquisitions as acquired; with correlated noise a second one on whitened inputs
  // (same raw labels, so its held-out loss is directly comparable with the parent's and the plain one's).
  const candidates: CandidateSetup[] = [
    { name: 'plain', prepared, sets: plainSets, patience: o.patience ?? 5, trainSlices: split.trainSlices },
    ...(whitening
      ? (() => {
          const white: PairAcquisition[] = whitenAll(acquisitions, whitening).map((volume, i) => ({
            ...prepared[i],
            volume,
          }));
          return [
            {
              name: 'whitened' as const,
              prepared: white,
              sets: validationSets(white),
              patience: o.patience ?? WHITENING_DEFAULTS.patience,
              trainSlices: whitenedSplit!.trainSlices,
            },
          ];
        })()
      : []),
  ];

  opts.signal?.throwIfAborted();
  report('validating-parent');
  const parentWeights = parent.stage2 ?? parent.weights;
  let parentLosses: Record<string, number> = {};
  let parentLoss = NaN;
  let samples = 0;
  let stopped: AdaptationRecord['stopped'] = 'max-epochs';
  const results: CandidateResult[] = [];
  // The comparison with NLM (nlm-check.ts) in image units on the held-out brain voxels: the parent's and NLM's
  // scores are taken before training, so only the kept model's DA pass is left for afterwards, and the loop leaves
  // time for it.
  const heldOut = heldOutMask(brain, grid.dims, split);
  let parentRaw: HeldOutScore | undefined;
  let nlmRaw: HeldOutScore | undefined;
  let nlmSeconds = 0;
  let reserveSeconds = 0;
  if (preparationTimedOut) stopped = 'time';
  else {
    await useBackend(opts.backend, 'adaptDA');
    const valStart = clock();
    parentLosses = validate(parentWeights, plainSets);
    parentLoss = parentLosses[decisive.name];
    const valSeconds = (clock() - valStart) / 1000;
    if (o.compareWithNlm) {
      const t = clock();
      parentRaw = await withinBudget(budget, (run) => heldOutDAMse(acquisitions, labels, parent, heldOut, run));
      reserveSeconds = (clock() - t) / 1000;
      if (parentRaw)
        nlmRaw = await withinBudget(budget, (run) => heldOutNlmMse(acquisitions, labels, heldOut, sigmas, run));
      nlmSeconds = (clock() - t) / 1000;
    }
    report('training', { parentValLoss: parentLoss, bestValLoss: parentLoss });
    const trainingStart = elapsed();
    for (const [k, c] of candidates.entries()) {
      // With two candidates the plain one (which stops early within seconds) gets at most a third of the training
      // time; the whitened one, whose held-out loss is noisier, the rest.
      const end = o.seconds - reserveSeconds;
      const until = k === 0 && candidates.length > 1 ? trainingStart + (end - trainingStart) / 3 : end;
      const r = await trainCandidate(c, {
        initial: parentWeights,
        sampler: new PairSampler(c.prepared, pools(c.trainSlices), o.noiseLevel, seedWords(1), labels),
        decisive: decisive.name,
        until,
        valSeconds,
        elapsed,
        clock,
        options: o,
        backend: opts.backend,
        signal: opts.signal,
        onEpoch: (epoch) => {
          history.push(epoch);
          report('training', {
            parentValLoss: parentLoss,
            bestValLoss: Math.min(parentLoss, ...results.map((x) => x.bestLoss), epoch.valLoss),
          });
        },
      });
      results.push(r);
      samples += r.samples;
      stopped = r.stopped;
    }
  }

  // The candidate with the lowest held-out loss, kept when it beats the parent by the minimum gain.
  const winner = results.reduce<CandidateResult | undefined>(
    (a, r) => (r.bestEpoch > 0 && (!a || r.bestLoss < a.bestLoss) ? r : a),
    undefined,
  );
  // Not measured when the preparation used the budget: recorded as no gain.
  const gainPercent = winner && !preparationTimedOut ? (100 * (parentLoss - winner.bestLoss)) / parentLoss : 0;
  const adapted = winner !== undefined && gainPercent >= o.minGainPercent;
  const best = adapted ? winner.best : parentWeights;
  const keptWhitening = adapted && winner.name === 'whitened' ? whitening : undefined;
  const keptModel: LoadedDA = keptWhitening
    ? { weights: best, card: { ...parent.card, whitening: keptWhitening.spec }, source: parent.source }
    : { ...parent, ...(parent.stage2 ? { stage2: best } : { weights: best }) };
  // The kept model's held-out score in image units (its time was reserved), for the comparison with NLM.
  const keptRaw =
    adapted && parentRaw ? await heldOutDAMse(acquisitions, labels, keptModel, heldOut, budget) : parentRaw;
  const nlm: NlmCheck | undefined = !o.compareWithNlm
    ? undefined
    : keptRaw && nlmRaw
      ? {
          ...nlmComparison(keptRaw, nlmRaw, labels, heldOut, sigmas),
          seconds: Number(nlmSeconds.toFixed(2)),
        }
      : { skipped: NO_TIME_LEFT };
  const bestLosses = adapted ? winner.bestLosses : parentLosses;
  const record: AdaptationRecord = {
    result: adapted ? 'adapted' : NOT_ADAPTED_NOTE,
    parent: {
      name: parent.card.name,
      version: parent.card.version,
      ...(parent.checksum ? { sha256: parent.checksum } : {}),
      source: parent.source,
    },
    study: opts.study,
    regime,
    epochs: history.length,
    bestEpoch: adapted ? winner.bestEpoch : 0,
    samples,
    seconds: Number(elapsed().toFixed(2)),
    stopped,
    validation: {
      parentLoss,
      adaptedLoss: adapted ? winner.bestLoss : parentLoss,
      gainPercent: Number(gainPercent.toFixed(3)),
      region: decisive.name,
      samples: decisive.count,
      byRegion: Object.fromEntries(
        plainSets.map((v) => [
          v.name,
          { parentLoss: parentLosses[v.name], adaptedLoss: bestLosses[v.name], samples: v.count },
        ]),
      ),
    },
    ...(whitening
      ? {
          whitening: {
            ...whitening.spec,
            lag1: whitening.lag1,
            kept: keptWhitening !== undefined,
            candidates: results.map((r) => ({
              name: r.name,
              bestLoss: r.bestEpoch > 0 ? r.bestLoss : null,
              bestEpoch: r.bestEpoch,
              epochs: r.epochs,
              stopped: r.stopped,
            })),
          },
        }
      : {}),
    split: {
      ...split.options,
      heldOutSlices: split.heldOut.reduce((s, v) => s + v, 0),
      slices: grid.dims[2],
    },
    noiseLevel: o.noiseLevel,
    learningRate: o.learningRate,
    batchSize: o.batchSize,
    averaging: o.averaging,
    ...(nlm ? { nlm } : {}),
  };
  const card = adaptedCard(parent.card, record, opts.created ?? new Date().toISOString());
  const model: LoadedDA = parent.stage2
    ? {
        weights: parent.weights,
        stage2: adapted ? cloneWeights(best) : parent.stage2,
        card,
        source: adapted ? `adapted from ${parent.source}` : parent.source,
        ...(adapted
          ? { checksum: weightsChecksum(parent.weights, best) }
          : parent.checksum
            ? { checksum: parent.checksum }
            : {}),
      }
    : {
        weights: adapted ? cloneWeights(best) : parent.weights,
        card,
        source: adapted ? `adapted from ${parent.source}` : parent.source,
        ...(adapted ? { checksum: weightsChecksum(best) } : parent.checksum ? { checksum: parent.checksum } : {}),
      };
  report('done', { parentValLoss: parentLoss, bestValLoss: record.validation.adaptedLoss });
  return { adapted, model, record, history, split };
}

interface ResolvedOptions {
  seconds: number;
  learningRate: number;
  batchSize: number;
  noiseLevel: number;
  stepsPerEpoch: number;
  averaging: number;
  patience: number | undefined;
  maxEpochs: number;
  validationSamples: number;
  minGainPercent: number;
  compareWithNlm: boolean;
  whiten: boolean;
  seed: number;
  shares: { brain: number; head: number; background: number };
}

function resolveOptions(acquisitions: readonly Volume[], opts: AdaptOptions): ResolvedOptions {
  if (!Array.isArray(acquisitions) || acquisitions.length < 2) {
    throw new Error(`adaptation needs at least 2 repeated acquisitions of the study, got ${acquisitions?.length ?? 0}`);
  }
  for (const [i, a] of acquisitions.entries()) {
    if (!a || !(a.data instanceof Float32Array)) throw new Error(`acquisition ${i + 1} is not a volume`);
    if (i > 0 && !sameGrid(acquisitions[0], a))
      throw new Error(`acquisition ${i + 1} is not on acquisition 1's grid (dims, spacing, origin, direction)`);
  }
  checkPatchDims(acquisitions[0].dims);
  if (typeof opts.study !== 'string' || opts.study.length === 0)
    throw new Error('adaptation needs the study identity (a hash of its UIDs)');
  if (opts.brainMask && opts.brainMask.length !== acquisitions[0].data.length)
    throw new Error('the brain mask is not on the acquisitions grid');
  const o: ResolvedOptions = {
    seconds: opts.seconds ?? 45,
    learningRate: opts.learningRate ?? 1e-4,
    batchSize: opts.batchSize ?? 128,
    noiseLevel: opts.noiseLevel ?? 0,
    stepsPerEpoch: opts.stepsPerEpoch ?? 32,
    averaging: opts.averaging ?? 0.98,
    patience: opts.patience,
    maxEpochs: 10_000,
    validationSamples: opts.validationSamples ?? 2048,
    minGainPercent: opts.minGainPercent ?? 0.2,
    compareWithNlm: opts.compareWithNlm ?? true,
    whiten: opts.whiten ?? true,
    seed: opts.seed ?? 1,
    shares: opts.shares ?? { ...DEFAULT_REGION_SHARES },
  };
  const positive = (v: number, name: string) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new Error(`${name} must be a positive number, got ${v}`);
  };
  const positiveInt = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  positive(o.seconds, 'seconds');
  positive(o.learningRate, 'learning rate');
  positiveInt(o.batchSize, 'batch size');
  positiveInt(o.stepsPerEpoch, 'steps per epoch');
  if (o.patience !== undefined) positiveInt(o.patience, 'patience');
  positiveInt(o.validationSamples, 'validation samples');
  if (!(o.averaging >= 0 && o.averaging < 1)) throw new Error(`averaging must be in [0, 1), got ${o.averaging}`);
  if (!(o.noiseLevel >= 0)) throw new Error(`added-noise level must be ≥ 0, got ${o.noiseLevel}`);
  if (!Number.isInteger(o.seed) || o.seed < 0) throw new Error(`seed must be an integer ≥ 0, got ${o.seed}`);
  return o;
}

/** The automatic brain mask of the mean; the head mask when that fails (e.g. a phantom without a brain shape). */
function brainMaskOrHead(mean: Volume, head: Mask, sigma: number): Mask {
  try {
    const m = computeBrainMask(mean, { noiseSigma: sigma });
    if (m.some((v) => v !== 0)) return m;
  } catch {
    // fall through: train on the head
  }
  return head;
}

function studyRegime(
  acquisitions: readonly Volume[],
  mean: Volume,
  brain: Mask,
  sigmas: number[],
  method: string,
  parentRange: TrainingRange | undefined,
): StudyRegime {
  // Acquisition 1 only: the check costs about 0.5 s at 64³ and 4 s at 128³, and repeats share their protocol.
  let estimate: RegimeEstimate | null = null;
  try {
    estimate = estimateRegime(acquisitions[0], { noiseSigma: sigmas[0] });
  } catch {
    // no regime to measure: recorded as unknown
  }
  const check = {
    brainSnr: estimate?.brainSnr != null ? Number(estimate.brainSnr.toFixed(2)) : null,
    noiseCorrelation: estimate?.noiseCorrelation ? Number(Math.max(...estimate.noiseCorrelation).toFixed(3)) : null,
    warnings: regimeWarnings(estimate, parentRange),
  };
  let sum = 0;
  let n = 0;
  for (let i = 0; i < brain.length; i++)
    if (brain[i]) {
      sum += mean.data[i];
      n++;
    }
  const meanSigma = sigmas.reduce((s, v) => s + v, 0) / sigmas.length;
  const g = acquisitions[0];
  return {
    sigma: sigmas.map((s) => Number(s.toPrecision(5))),
    brainSnr: Number((n > 0 ? sum / n / meanSigma : NaN).toFixed(2)),
    voxelSizeMm: [...g.spacing],
    matrix: [...g.dims],
    acquisitions: acquisitions.length,
    method,
    check,
  };
}

const NO_TIME_LEFT = 'no time left in the budget';

/** The brain voxels on held-out slices: where the result is compared with NLM. */
function heldOutMask(brain: Mask, dims: readonly number[], split: SlabSplit): Mask {
  const plane = dims[0] * dims[1];
  return Uint8Array.from(brain, (m, v) => (m && split.validationSlices[floor(v / plane)] ? 1 : 0));
}

interface ValidationSet {
  name: string;
  patches: Float32Array;
  targets: Float32Array;
  count: number;
}

/** One way of training the parent on this study: its inputs, the slices it trains on, its held-out patches, patience. */
interface CandidateSetup {
  name: 'plain' | 'whitened';
  prepared: PairAcquisition[];
  /** 1 where a training patch may be centred (a whitened run keeps the kernel's reach off the held-out slabs too). */
  trainSlices: Uint8Array;
  sets: ValidationSet[];
  patience: number;
}

interface CandidateResult {
  name: CandidateSetup['name'];
  best: DAWeights;
  /** Held-out loss of the decisive region at the best epoch (Infinity before any epoch). */
  bestLoss: number;
  bestLosses: Record<string, number>;
  bestEpoch: number;
  epochs: number;
  samples: number;
  stopped: AdaptationRecord['stopped'];
}

/** Held-out loss per region of `weights` on `sets`. */
function validate(weights: DAWeights, sets: readonly ValidationSet[]): Record<string, number> {
  return Object.fromEntries(sets.map((v) => [v.name, daMeanSquaredError(weights, v.patches, v.targets)]));
}

/**
 * Fine-tunes a copy of `initial` on one candidate's pairs until early stopping or `until` seconds (each epoch's
 * validation included), judging a running average of the weights on the candidate's held-out patches.
 */
async function trainCandidate(
  c: CandidateSetup,
  run: {
    initial: DAWeights;
    sampler: PairSampler;
    decisive: string;
    until: number;
    /** Seconds one validation takes (the parent's), until the first epoch measures its own. */
    valSeconds: number;
    elapsed: () => number;
    clock: () => number;
    options: ResolvedOptions;
    backend?: string;
    signal?: AbortSignal;
    onEpoch: (epoch: AdaptEpoch) => void;
  },
): Promise<CandidateResult> {
  const o = run.options;
  const trainer = await createDATrainer({
    learningRate: o.learningRate,
    initialWeights: run.initial,
    backend: run.backend,
  });
  // The averaged weights start at the parent's, so early averages lean towards it (no bias correction needed).
  const average = cloneWeights(run.initial);
  const result: CandidateResult = {
    name: c.name,
    best: run.initial,
    bestLoss: Infinity,
    bestLosses: {},
    bestEpoch: 0,
    epochs: 0,
    samples: 0,
    stopped: 'max-epochs',
  };
  const patches = new Float32Array(o.batchSize * PATCH_VOXELS);
  const targets = new Float32Array(o.batchSize);
  let sinceBest = 0;
  let stepSeconds = 0;
  let valSeconds = run.valSeconds;
  let lastYield = performance.now();
  try {
    for (let epoch = 1; ; epoch++) {
      let lossSum = 0;
      let epochSamples = 0;
      let outOfTime = false;
      for (let step = 0; step < o.stepsPerEpoch; step++) {
        // Leave time for the validation that closes the epoch.
        if (run.elapsed() + stepSeconds + valSeconds > run.until) {
          outOfTime = true;
          break;
        }
        const s0 = run.clock();
        run.sampler.fill(patches, targets, o.batchSize);
        const loss = trainer.step(patches, targets);
        if (!Number.isFinite(loss)) throw new Error(`adaptation diverged: training loss ${loss} at epoch ${epoch}`);
        trainer.averageInto(average, o.averaging);
        stepSeconds = (run.clock() - s0) / 1000;
        lossSum += loss * o.batchSize;
        epochSamples += o.batchSize;
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop(); // lets a worker see Cancel, and Node its signals
          lastYield = performance.now();
          run.signal?.throwIfAborted();
        }
      }
      result.samples += epochSamples;
      if (epochSamples > 0) {
        const valStart = run.clock();
        const losses = validate(average, c.sets);
        const valLoss = losses[run.decisive];
        valSeconds = (run.clock() - valStart) / 1000;
        if (!Number.isFinite(valLoss)) throw new Error(`adaptation diverged: held-out loss ${valLoss}`);
        result.epochs = epoch;
        if (valLoss < result.bestLoss) {
          result.bestLoss = valLoss;
          result.bestLosses = losses;
          result.bestEpoch = epoch;
          result.best = cloneWeights(average);
          sinceBest = 0;
        } else sinceBest++;
        run.onEpoch({
          epoch,
          candidate: c.name,
          trainLoss: lossSum / epochSamples,
          valLoss,
          valLosses: losses,
          samples: epochSamples,
          elapsedSeconds: run.elapsed(),
        });
      }
      run.signal?.throwIfAborted();
      if (outOfTime) {
        result.stopped = 'time';
        break;
      }
      if (sinceBest >= c.patience) {
        result.stopped = 'early-stopping';
        break;
      }
      if (epoch >= o.maxEpochs) break;
    }
  } finally {
    trainer.dispose();
  }
  return result;
}

/**
 * Runs `job` with an abort that fires when the budget's time is up (checked at each progress report): its result,
 * or undefined when the time ran out first. A user's Cancel still rejects.
 */
async function withinBudget<T>(
  budget: { signal?: AbortSignal; timeUp: () => boolean; backend?: string },
  job: (run: { backend?: string; signal: AbortSignal; onProgress: () => void }) => Promise<T>,
): Promise<T | undefined> {
  if (budget.timeUp()) return undefined;
  const stop = new AbortController();
  const timeUp = new Error(NO_TIME_LEFT);
  const forward = () => stop.abort(budget.signal?.reason);
  budget.signal?.addEventListener('abort', forward);
  budget.signal?.throwIfAborted();
  try {
    return await job({
      backend: budget.backend,
      signal: stop.signal,
      onProgress: () => {
        if (budget.timeUp()) stop.abort(timeUp);
      },
    });
  } catch (e) {
    if (stop.signal.reason !== timeUp) throw e;
    return undefined;
  } finally {
    budget.signal?.removeEventListener('abort', forward);
  }
}

/** The split with a whitening kernel's margin, or undefined when the study is too thin for it (then no whitening). */
function splitOrNone(nz: number, opts: SlabSplitOptions | undefined, radius: number): SlabSplit | undefined {
  try {
    return splitSlabs(nz, opts, 1, radius);
  } catch {
    return undefined;
  }
}

// Trains one run (a CV fold or the final model) end to end: prepares validation patches, builds the trainer, runs the
// loop with checkpoints and early stopping, and saves the best weights as a tfjs LayersModel with its model card.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DAWeights } from '../../model/da/architecture';
import { architectureSection, MODEL_CARD_FORMAT, type ModelCard, type TrainingRange } from '../../model/da/card';
import { type DANormalisation, DEFAULT_NORMALISATION, sigmaNormalisation } from '../../model/da/normalise';
import type { CentreShare } from './regimeMixture';
import { saveDA } from '../../model/da/weights-io';
import type { EpochRecord } from './checkpoint';
import type { Fold } from './cvSplit';
import { drawValidationSet, PatchSampler } from './patchSampler';
import type { ProgressReporter } from './progressReporter';
import { SeededRng } from './rng';
import type { TrainingSubject } from './trainingSubject';
import { type PatchTrainer, type StopReason, type StopSignal, trainRun } from './trainLoop';
import { fromTensorRecords } from './daTrainer';
import { writeFolderAtomic } from '../../io/atomic-write';

export interface TrainingHyperparameters {
  batchSize: number;
  learningRate: number;
  /** Added-noise level k (σ_add = k·σ̂). */
  noiseLevel: number;
  maxEpochs: number;
  patience: number;
  /** Samples per epoch; default one pass over the training subjects' brain voxels. */
  samplesPerEpoch?: number;
  /** Fixed validation patches drawn from the validation subject(s). */
  validationSamples: number;
  seed: number;
  /** Subjects kept in memory at once. */
  cacheSize: number;
  /** The input scale rule (default 'intensity', the paper's; 'sigma' divides by a multiple of σ̂). */
  normalisation?: 'intensity' | 'sigma';
  /** Training across regimes: where patch centres fall (absent: brain only) and the mixture, for the card. */
  share?: CentreShare;
  mixture?: string;
  /** Weights the run starts from (e.g. the shipped DA), named for the card. */
  initialWeightsFrom?: string;
  /** What the regime check compares inputs with (a mixture's range); absent: the card carries none. */
  trainingRange?: TrainingRange;
  /** Subjects held out for early stopping in the final protocol (default 1); several span several regimes. */
  validationSubjects?: number;
  /** Early stopping reads the MSE against the noise-free truth (phantoms) on brain-centred patches, geometric mean
   * over validation subjects. */
  validationTruth?: boolean;
  /** A second stage: the frozen first stage's folder; inputs are its outputs, labels the mean of the other acquisitions. */
  stage1From?: string;
  /** The normalisation as a whole (a second stage takes its first stage's); overrides `normalisation`. */
  normalisationRule?: DANormalisation;
}

/** The card's normalisation for a run's hyperparameters. */
export function runNormalisation(h: TrainingHyperparameters): DANormalisation {
  if (h.normalisationRule) return h.normalisationRule;
  return h.normalisation === 'sigma' ? sigmaNormalisation() : DEFAULT_NORMALISATION;
}

export interface RunContext {
  /** The run's folder: checkpoint/, log.csv, weights/. */
  dir: string;
  label: string;
  fold: Fold;
  hyper: TrainingHyperparameters;
  resume: boolean;
  loadSubject: (id: string) => Promise<TrainingSubject>;
  createTrainer: (seed: number) => Promise<PatchTrainer & { dispose(): void }>;
  progress: ProgressReporter;
  stop: StopSignal;
  /** Describes the training data for the model card. */
  dataDescription: string;
}

export interface RunOutcome {
  label: string;
  fold: Fold;
  history: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  stopped: StopReason;
  seconds: number;
  samplesPerEpoch: number;
  weightsDir: string;
  bestWeights: DAWeights;
}

export async function runTraining(ctx: RunContext): Promise<RunOutcome> {
  const { fold, hyper } = ctx;
  fs.mkdirSync(ctx.dir, { recursive: true });
  // Validation patches come from the validation subject only, with their own seed: identical across resumes.
  const valSubjects = await Promise.all(fold.validation.map((id) => ctx.loadSubject(id)));
  const val = drawValidationSet(
    valSubjects,
    hyper.validationSamples,
    hyper.noiseLevel,
    new SeededRng(hyper.seed ^ 0x5a5a5a5a),
    // Against the truth, validation scores the brain as the metrics do: air's truth is 0 while every label (and so the
    // network) carries the magnitude's Rician floor there, an error no training can remove that would swamp the rest.
    hyper.validationTruth ? undefined : hyper.share,
    Boolean(hyper.validationTruth),
  );
  let samplesPerEpoch = hyper.samplesPerEpoch;
  if (!samplesPerEpoch) {
    // One pass over the brain voxels of the training subjects (each loaded once to count; the cache keeps the recent ones).
    samplesPerEpoch = 0;
    for (const id of fold.train) samplesPerEpoch += (await ctx.loadSubject(id)).brainVoxels.length;
  }
  const sampler = new PatchSampler(fold.train, ctx.loadSubject, {
    noiseLevel: hyper.noiseLevel,
    cacheSize: hyper.cacheSize,
    share: hyper.share,
  });
  await sampler.prefetch();
  const trainer = await ctx.createTrainer(hyper.seed);
  try {
    const result = await trainRun(
      trainer,
      sampler,
      val,
      {
        label: ctx.label,
        seed: hyper.seed,
        batchSize: hyper.batchSize,
        samplesPerEpoch,
        maxEpochs: hyper.maxEpochs,
        patience: hyper.patience,
        checkpointDir: path.join(ctx.dir, 'checkpoint'),
        logFile: path.join(ctx.dir, 'log.csv'),
        resume: ctx.resume,
        // The data description is part of the run's identity: a resume on a changed cohort (or generator) is refused.
        config: {
          data: ctx.dataDescription,
          fold,
          batchSize: hyper.batchSize,
          learningRate: hyper.learningRate,
          noiseLevel: hyper.noiseLevel,
          samplesPerEpoch,
          validationSamples: hyper.validationSamples,
          seed: hyper.seed,
          normalisation: hyper.normalisation,
          share: hyper.share,
          initialWeightsFrom: hyper.initialWeightsFrom,
          ...(hyper.stage1From ? { stage1From: hyper.stage1From } : {}),
          ...(hyper.validationSubjects ? { validationCount: hyper.validationSubjects } : {}),
          ...(hyper.validationTruth
            ? { validationLabel: 'truth on brain-centred patches, geometric mean over subjects' }
            : {}),
        },
      },
      ctx.progress,
      ctx.stop,
    );
    const bestWeights = fromTensorRecords(result.bestWeights);
    const weightsDir = path.join(ctx.dir, 'weights');
    if (result.stopped !== 'interrupted') {
      const card = makeCard(ctx, result.history, result.bestEpoch, result.bestValLoss, result.seconds, samplesPerEpoch);
      await writeFolderAtomic(weightsDir, (tmp) => saveDA(tmp, bestWeights, card), { replace: true });
    }
    return {
      label: ctx.label,
      fold,
      history: result.history,
      bestEpoch: result.bestEpoch,
      bestValLoss: result.bestValLoss,
      stopped: result.stopped,
      seconds: result.seconds,
      samplesPerEpoch,
      weightsDir,
      bestWeights,
    };
  } finally {
    trainer.dispose();
  }
}

function makeCard(
  ctx: RunContext,
  history: EpochRecord[],
  bestEpoch: number,
  bestValLoss: number,
  seconds: number,
  samplesPerEpoch: number,
): ModelCard {
  const h = ctx.hyper;
  const samples = history.reduce((s, e) => s + e.samples, 0);
  return {
    format: MODEL_CARD_FORMAT,
    name: 'sodium-da',
    version: `${ctx.label}-${new Date().toISOString().slice(0, 10)}`,
    status: 'trained',
    created: new Date().toISOString(),
    architecture: architectureSection(),
    normalisation: runNormalisation(h),
    training: {
      data: ctx.dataDescription,
      protocol: `${h.stage1From ? `second stage: input = the frozen first stage's (${h.stage1From}) output for one acquisition (random per sample), in the first stage's scale; label = centre voxel of the mean of the *other* acquisitions (independent noise, Noise2Noise)` : `input = one of the three acquisitions (random per sample) + Gaussian noise σ_add = ${h.noiseLevel}·σ̂ (σ̂: background Rayleigh estimate of that acquisition); label = centre voxel of the mean of three`}; ${h.share ? `patch centres: brain ${h.share.brain}, rest of head ${h.share.head}, tubes ${h.share.tube}, background ${h.share.background}` : 'patches centred on brain voxels'}; MSE;${h.initialWeightsFrom ? ` started from ${h.initialWeightsFrom};` : ''} early stopping after ${h.patience} epochs without validation gain${h.validationTruth ? ' (validation: MSE against the noise-free truth on brain-centred patches per validation subject, geometric mean over subjects, so each regime weighs alike)' : ''}, best weights restored`,
      optimizer: 'Adam',
      learningRate: h.learningRate,
      batchSize: h.batchSize,
      epochs: history.length,
      bestEpoch,
      seed: h.seed,
      noiseLevel: h.noiseLevel,
      samplesPerEpoch,
      samplesSeen: samples,
      trainingSeconds: Math.round(seconds),
      trainSubjects: ctx.fold.train,
      validationSubjects: ctx.fold.validation,
      ...(h.mixture ? { mixture: h.mixture, centreShare: h.share } : {}),
      ...(h.initialWeightsFrom ? { initialWeightsFrom: h.initialWeightsFrom } : {}),
      ...(h.stage1From ? { stage1From: h.stage1From } : {}),
    },
    ...(h.trainingRange ? { trainingRange: h.trainingRange } : {}),
    metrics: { validationMse: bestValLoss, bestEpoch },
  };
}

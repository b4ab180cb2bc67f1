// `sodium-denoise train`: the paper's protocol — k-fold cross-validation with per-fold evaluation (default), the final
// model on all subjects (--final), or the added-noise sweep (--sweep-noise). Checkpointed, resumable, Ctrl-C safe.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvaluationReport } from '../research/evaluate/report';
import type { PipelineContext } from '../research/train/crossValidation';
import type { TrainingHyperparameters } from '../research/train/foldRunner';
import type { StopSignal } from '../research/train/trainLoop';
import { assertOutputSafe, outputForm } from '../io/output-safety';
import { findCheckpoints } from '../research/train/checkpoint';
import { log, type Register } from './output';
import { intOption, numberListOption, numberOption, type NumberRule } from './parse';
import { threadCount, threadsOption } from './threads';
import {
  MIXTURES,
  mixtureSummary,
  mixtureTrainingRange,
  type MixtureCohortOptions,
  type RegimeMixture,
  SECOND_STAGE_SHARE,
} from '../research/train/regimeMixture';

/** What training needs, tfjs included: loaded when `train` runs, so other commands start without it. */
async function loadTraining() {
  return {
    ...(await import('../research/train/publishWeights')),
    ...(await import('../model/da/card')),
    ...(await import('../research/train/cohortSource')),
    ...(await import('../research/train/crossValidation')),
    ...(await import('../research/train/daTrainer')),
    ...(await import('../research/train/noiseSweep')),
    ...(await import('./trainProgress')),
    ...(await import('../research/evaluate/denoisers')),
    ...(await import('../research/train/foldRunner')),
    ...(await import('../model/backend')),
    ...(await import('../model/da/weights-io')),
    ...(await import('../research/train/regimeMixture')),
    ...(await import('../research/train/secondStage')),
    ...(await import('../model/da/init')),
    ...(await import('../model/da/worker-pool')),
    ...(await import('../model/da/node-parallel')),
  };
}

/** The added-noise level k chosen by the validation sweep (reports/noise-sweep.md; white-noise default cohort). */
export const DEFAULT_NOISE_LEVEL = 1;

interface TrainCliOptions {
  cohort: string;
  out: string;
  folds: number;
  final?: boolean;
  sweepNoise?: number[];
  maxEpochs: number;
  patience: number;
  batch: number;
  lr: number;
  noiseLevel: number;
  samplesPerEpoch?: number;
  valSamples: number;
  seed: number;
  cacheSize: number;
  regimes?: string;
  stratified?: boolean;
  normalise?: string;
  initWeights?: string;
  stage2Of?: string;
  valSubjects: number;
  valTruth?: boolean;
  resume?: boolean;
  backend: string;
  threads?: number;
  publish?: string;
  cvReport?: string;
  quiet?: boolean;
  json?: boolean;
}

const COUNT = { min: 1 };
const POSITIVE: NumberRule = { min: 0, exclusiveMin: true };
const NON_NEGATIVE: NumberRule = { min: 0 };

export function hyperparameters(o: TrainCliOptions): TrainingHyperparameters {
  return {
    batchSize: o.batch,
    learningRate: o.lr,
    noiseLevel: o.noiseLevel,
    maxEpochs: o.maxEpochs,
    patience: o.patience,
    samplesPerEpoch: o.samplesPerEpoch,
    validationSamples: o.valSamples,
    seed: o.seed,
    cacheSize: o.cacheSize,
    ...(o.normalise === undefined ? {} : { normalisation: parseNormalise(o.normalise) }),
    ...(o.regimes !== undefined
      ? {
          share: { ...(o.stage2Of === undefined ? namedMixture(o.regimes).share : SECOND_STAGE_SHARE) },
          mixture: mixtureSummary({
            ...namedMixture(o.regimes),
            share: o.stage2Of === undefined ? namedMixture(o.regimes).share : SECOND_STAGE_SHARE,
          }),
          trainingRange: mixtureTrainingRange(o.noiseLevel, namedMixture(o.regimes)),
        }
      : {}),
    ...(o.initWeights === undefined ? {} : { initialWeightsFrom: o.initWeights }),
    ...(o.valSubjects > 1 ? { validationSubjects: o.valSubjects } : {}),
    ...(o.valTruth ? { validationTruth: true } : {}),
    ...(o.stage2Of === undefined ? {} : { stage1From: o.stage2Of }),
  };
}

/** A second stage takes its first stage's normalisation and trains without added noise (its label is independent). */
function checkSecondStage(o: TrainCliOptions): void {
  if (o.stage2Of === undefined) return;
  if (o.normalise !== undefined)
    throw new Error("--stage2-of: the second stage uses its first stage's normalisation; drop --normalise");
  if (o.noiseLevel !== 0)
    throw new Error(
      '--stage2-of: give --noise-level 0 (the label, the mean of the other acquisitions, is independent)',
    );
  if (o.sweepNoise !== undefined) throw new Error('--stage2-of cannot be combined with --sweep-noise');
}

function parseNormalise(v: string): 'intensity' | 'sigma' {
  if (v !== 'intensity' && v !== 'sigma') throw new Error(`--normalise must be intensity or sigma, got "${v}"`);
  return v;
}

/** The mixture `--regimes NAME` names (mixture: noise, SNR, voxel size; matrix: every robustness-matrix axis). */
export function namedMixture(name: string): Readonly<RegimeMixture> {
  const m = MIXTURES[name];
  if (!m) throw new Error(`--regimes must be ${Object.keys(MIXTURES).join(' or ')}, got "${name}"`);
  return m;
}

/**
 * The cohort a run trains on: with --regimes, phantom:<n>:<seed> becomes the same subjects across regimes; with
 * --stratified their regimes are spread evenly and the last --val-subjects form their own stratified validation set.
 */
export function trainingCohortSpec(
  o: Pick<TrainCliOptions, 'cohort' | 'regimes'> &
    Partial<Pick<TrainCliOptions, 'stratified' | 'final' | 'valSubjects'>>,
): {
  mixture?: [number, number, Readonly<RegimeMixture>, MixtureCohortOptions?];
} {
  if (o.stratified && o.regimes === undefined) throw new Error('--stratified needs --regimes');
  if (o.stratified && !o.final) throw new Error('--stratified needs --final (it designs the early-stopping subjects)');
  if (o.regimes === undefined) return {};
  const mixture = namedMixture(o.regimes);
  const m = /^phantom:(\d+):(\d+)$/.exec(o.cohort);
  if (!m) throw new Error(`--regimes ${o.regimes} generates its subjects: give --cohort phantom:<subjects>:<seed>`);
  if (!o.stratified) return { mixture: [Number(m[1]), Number(m[2]), mixture] };
  return { mixture: [Number(m[1]), Number(m[2]), mixture, { stratified: true, validation: o.valSubjects ?? 1 }] };
}

function readCvReport(file: string): { report: EvaluationReport; label: string; file: string } {
  if (!fs.existsSync(file)) throw new Error(`--cv-report ${file} does not exist`);
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as EvaluationReport;
  if (!Array.isArray(report.tables) || !Array.isArray(report.subjects))
    throw new Error(`--cv-report ${file} is not a cv-report.json written by sodium-denoise train`);
  const plan = path.join(path.dirname(file), 'cv-plan.json');
  const folds = fs.existsSync(plan)
    ? (JSON.parse(fs.readFileSync(plan, 'utf8')) as { folds: unknown[] }).folds.length
    : undefined;
  const label = `${folds ?? '?'}-fold, ${report.subjects.length} test subjects; ${report.notes.find((n) => n.startsWith('Training:')) ?? ''}`;
  return { report, label, file: path.relative(process.cwd(), file) };
}

/**
 * Signals closer together than this are one Ctrl-C: a terminal (or `timeout -s INT`) signals the whole process group
 * and the bin/ wrapper forwards the signal too, so one key press arrives twice within milliseconds.
 */
export const SAME_CTRL_C_MS = 1000;

/** Ctrl-C once: finish the batch, checkpoint, exit 130. A second, separate one: exit at once. */
function installStopHandler(stop: StopSignal): () => void {
  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (stop.requested) {
      if (now - firstAt < SAME_CTRL_C_MS) return; // the same Ctrl-C, delivered twice
      log(`sodium-denoise train: second ${signal}, exiting without waiting`);
      process.exit(130);
    }
    stop.requested = true;
    firstAt = now;
    log(`sodium-denoise train: ${signal} received, saving a checkpoint after this batch (again to quit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export const registerTrain: Register = (program, run) => {
  program
    .command('train')
    .description(
      "Train the DA as the paper: k-fold cross-validation with evaluation of each fold's test subjects (default), the final model (--final), or the added-noise sweep (--sweep-noise)",
    )
    .requiredOption('--cohort <dir>', 'cohort folder (sodium-denoise phantom --out)')
    .requiredOption('--out <dir>', 'output folder: checkpoints, logs, weights, reports')
    .addOption(intOption('--folds <k>', 'cross-validation folds (the paper: 5)', { min: 2 }, 5))
    .option('--final', 'train the shipped model on every subject, one held out for early stopping')
    .addOption(
      numberListOption(
        '--sweep-noise <list>',
        'train fold 1 once per added-noise level (comma list, e.g. 0,0.5,1) and pick k by validation',
        NON_NEGATIVE,
      ),
    )
    .addOption(intOption('--max-epochs <n>', 'cap on epochs per run', COUNT, 200))
    .addOption(intOption('--patience <n>', 'early stopping: epochs without validation gain', COUNT, 8))
    .addOption(intOption('--batch <n>', 'batch size', COUNT, 128))
    .addOption(numberOption('--lr <rate>', 'Adam learning rate', POSITIVE, 1e-4))
    .addOption(
      numberOption(
        '--noise-level <k>',
        'added training noise σ_add = k·σ̂ of the acquisition',
        NON_NEGATIVE,
        DEFAULT_NOISE_LEVEL,
      ),
    )
    .addOption(
      intOption(
        '--samples-per-epoch <n>',
        'samples per epoch (default: one pass over the training brain voxels)',
        COUNT,
      ),
    )
    .addOption(intOption('--val-samples <n>', 'fixed validation patches per run', COUNT, 8192))
    .addOption(intOption('--seed <s>', 'seed for the split, initial weights, sampling and noise', { min: 0 }, 1))
    .addOption(intOption('--cache-size <n>', 'subjects kept in memory', COUNT, 16))
    .option(
      '--regimes <name>',
      'mixture: each training subject drawn from a random regime (noise, brain SNR 3–30, voxel 3–6 mm) and patch centres on brain, head, tubes and background; matrix: also Kaiser/Fermi windows, 2× zero-filling and the anatomy variants (needs --cohort phantom:<n>:<seed>)',
    )
    .option(
      '--stratified',
      'with --regimes and --final: spread the subjects’ regimes evenly over the mixture (noise models in equal share, SNR and voxel size stratified within each) and hold out the last --val-subjects as their own stratified validation set',
    )
    .option('--normalise <rule>', "input scale: intensity (the paper's, default) or sigma (a multiple of σ̂)")
    .option('--init-weights <dir>', 'start from these weights (e.g. weights/da) instead of a random initialisation')
    .option(
      '--stage2-of <dir>',
      'train a second stage (da-wide) on the outputs of these frozen first-stage weights; label = mean of the other acquisitions (needs --noise-level 0)',
    )
    .addOption(
      intOption('--val-subjects <n>', 'with --final: subjects held out for early stopping (several regimes)', COUNT, 1),
    )
    .option(
      '--val-truth',
      'early stopping reads the MSE against the noise-free truth (phantom subjects) on brain-centred patches, geometric mean over the validation subjects so each regime weighs alike; default: pooled MSE against the mean of three, as the paper',
    )
    .option('--resume', 'continue from the checkpoints in --out')
    .option('--backend <name>', 'tfjs backend (wasm or cpu)', 'wasm')
    .addOption(
      threadsOption(
        'threads sharing each batch (data-parallel; a run is bit-reproducible for a given seed and thread count)',
      ),
    )
    .option(
      '--publish <dir>',
      'with --final: also write the best weights, model-card.json and MODEL_CARD.md here (e.g. weights/da/)',
    )
    .option(
      '--cv-report <file>',
      'with --publish: the cross-validation report (cv-report.json) to quote in the model card',
    )
    .option('--quiet', 'no progress output')
    .option('--json', 'print the result as one JSON object')
    .action(
      run<TrainCliOptions>(async (o) => {
        const out = { flag: '--out', path: o.out };
        outputForm(out, ['folder'], 'training runs');
        const inputs = [
          { flag: '--cohort', path: o.cohort },
          o.cvReport === undefined ? undefined : { flag: '--cv-report', path: o.cvReport },
        ];
        assertOutputSafe(out, inputs);
        if (o.publish !== undefined) {
          const publish = { flag: '--publish', path: o.publish };
          outputForm(publish, ['folder'], 'the weights');
          assertOutputSafe(publish, inputs);
        }
        if (o.resume && findCheckpoints(path.resolve(o.out)).length === 0)
          throw new Error(
            `--resume: no checkpoint in ${o.out} (no checkpoint/state.json below it); run without --resume to start`,
          );
        const {
          activateBackend,
          asLoadedDA,
          createEvaluationDenoiser,
          createPatchTrainer,
          createProgressReporter,
          openCohortSource,
          parseModelCard,
          publishWeights,
          runCrossValidation,
          runFinalTraining,
          runNoiseSweep,
          runNormalisation,
          loadDA,
          mixtureCohort,
          prepareSecondStageSubject,
          identityDAWeights,
          createDAWorkerPool,
          spawnNodeDAWorker,
        } = await loadTraining();
        checkSecondStage(o);
        const hyper = hyperparameters(o);
        const folds = o.folds;
        const reason = await activateBackend(o.backend);
        if (reason) throw new Error(`--backend ${o.backend}: ${reason}`);
        const spec = trainingCohortSpec(o);
        const cohort = spec.mixture ? mixtureCohort(...spec.mixture) : await openCohortSource(o.cohort);
        const initialWeights = o.initWeights ? (await loadDA(path.resolve(o.initWeights))).weights : undefined;
        const threads = threadCount(o.threads);
        const stage1 = o.stage2Of ? await loadDA(path.resolve(o.stage2Of)) : undefined;
        if (stage1) hyper.normalisationRule = stage1.card.normalisation;
        // A second stage starts as the identity unless told otherwise: da-wide starts as its first stage.
        const startWeights = initialWeights ?? (stage1 ? identityDAWeights(o.seed) : undefined);
        if (stage1 && !initialWeights) hyper.initialWeightsFrom = 'identity (the centre voxel passed through)';
        // The first stage's passes over the training subjects run on every core (they dominate a second stage's run).
        const pool = stage1 && threads > 1 ? createDAWorkerPool(threads, spawnNodeDAWorker) : undefined;
        const stop: StopSignal = { requested: false };
        const removeHandler = installStopHandler(stop);
        const progress = createProgressReporter(process.stderr, o.quiet);
        const ctx: PipelineContext = {
          cohort,
          outDir: path.resolve(o.out),
          hyper,
          resume: Boolean(o.resume),
          stop,
          createTrainer: (seed) =>
            createPatchTrainer({ learningRate: hyper.learningRate, seed, initialWeights: startWeights, threads }),
          // Fold evaluations run the weights with the normalisation they were trained with (σ, intensity, a first stage's).
          denoiserFor: (weights) =>
            createEvaluationDenoiser(asLoadedDA(weights, 'in-memory training result', runNormalisation(hyper))),
          progress,
          ...(stage1
            ? {
                prepareSubject: (s) =>
                  prepareSecondStageSubject(s, stage1, (l) => progress.message(l), pool ? pool.run : undefined),
              }
            : {}),
        };
        const t0 = performance.now();
        try {
          if (o.sweepNoise !== undefined) {
            const sweep = await runNoiseSweep(ctx, o.sweepNoise, folds);
            return {
              json: sweep,
              text: `noise sweep: chosen k = ${sweep.chosen} (see ${path.join(ctx.outDir, 'noise-sweep.md')})`,
            };
          }
          if (o.publish && !o.final) throw new Error('--publish needs --final (only the final model is shipped)');
          const cvReport = o.cvReport ? readCvReport(o.cvReport) : undefined;
          if (o.final) {
            const { run: r, files } = await runFinalTraining(ctx);
            if (r.stopped === 'interrupted') process.exitCode = 130;
            else if (o.publish) {
              const card = parseModelCard(
                JSON.parse(fs.readFileSync(path.join(r.weightsDir, 'model-card.json'), 'utf8')),
                r.weightsDir,
              );
              files.push(
                ...(await publishWeights({
                  dir: path.resolve(o.publish),
                  run: r,
                  card,
                  backend: o.backend,
                  version: `1.0.0-${new Date().toISOString().slice(0, 10)}`,
                  cv: cvReport,
                })),
              );
            }
            const summary = {
              mode: 'final',
              stopped: r.stopped,
              epochs: r.history.length,
              bestEpoch: r.bestEpoch,
              bestValLoss: r.bestValLoss,
              trainingSeconds: r.seconds,
              weights: r.stopped === 'interrupted' ? null : r.weightsDir,
              files,
              wallSeconds: (performance.now() - t0) / 1000,
            };
            return {
              json: summary,
              text:
                r.stopped === 'interrupted'
                  ? `interrupted; resume with --resume`
                  : `final model: ${r.history.length} epochs (${r.stopped}), best epoch ${r.bestEpoch}, weights in ${r.weightsDir}`,
            };
          }
          const cv = await runCrossValidation(ctx, folds);
          if (cv.interrupted) process.exitCode = 130;
          const summary = {
            mode: 'cross-validation',
            interrupted: cv.interrupted,
            plan: cv.plan,
            runs: cv.runs.map((r) => ({
              label: r.label,
              stopped: r.stopped,
              epochs: r.history.length,
              bestEpoch: r.bestEpoch,
              bestValLoss: r.bestValLoss,
              seconds: r.seconds,
              weights: r.weightsDir,
            })),
            tables: cv.report?.tables ?? null,
            quantification: cv.report?.quantification ?? null,
            files: cv.files,
            wallSeconds: (performance.now() - t0) / 1000,
          };
          return {
            json: summary,
            text: cv.interrupted
              ? 'interrupted; resume with --resume'
              : `cross-validation done: ${path.join(ctx.outDir, 'cv-report.md')}`,
          };
        } finally {
          removeHandler();
          await pool?.dispose();
        }
      }),
    );
};

// The paper's protocol end to end: k-fold cross-validation (train each fold, evaluate its test subjects with that
// fold's weights, pool the scores into one report), or the final model trained on all subjects but one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CohortSubjectData } from '../evaluate/evaluationSubject';
import { evaluateSubjects, writeReport, type Denoiser } from '../evaluate/evaluateSubjects';
import { buildReport, type EvaluationReport } from '../evaluate/report';
import type { SubjectScores } from '../evaluate/subjectScores';
import { renderLearningCurve, type EpochLoss } from '../plot/learningCurve';
import type { DAWeights } from '../../model/da/architecture';
import { planCrossValidation, planFinalTraining, type CrossValidationPlan, type Fold } from './cvSplit';
import { runNormalisation, runTraining, type RunOutcome, type TrainingHyperparameters } from './foldRunner';
import type { ProgressReporter } from './progressReporter';
import { LruCache } from './subjectCache';
import { prepareTrainingSubject, type TrainingSubject } from './trainingSubject';
import type { PatchTrainer, StopSignal } from './trainLoop';
import { writeFileAtomicSync } from '../../io/atomic-write';

/** A cohort as the pipeline reads it: subject ids and a lazy loader. */
export interface CohortSource {
  dir: string;
  ids: string[];
  load(id: string): Promise<CohortSubjectData>;
  /** One line for the model card (what the data is). */
  description: string;
  /** Subjects the cohort designed for early stopping (a stratified mixture's); the final model holds these out. */
  validationIds?: readonly string[];
}

export interface PipelineContext {
  cohort: CohortSource;
  outDir: string;
  hyper: TrainingHyperparameters;
  resume: boolean;
  createTrainer: (seed: number) => Promise<PatchTrainer & { dispose(): void }>;
  /** Makes the evaluation denoiser for a set of trained weights. */
  denoiserFor: (weights: DAWeights) => Denoiser;
  progress: ProgressReporter;
  stop: StopSignal;
  /** How a cohort subject becomes a training subject (default: prepareTrainingSubject with the run's normalisation);
   * a second stage replaces the acquisitions by the first stage's outputs here. */
  prepareSubject?: (subject: CohortSubjectData) => Promise<TrainingSubject>;
}

export interface CrossValidationResult {
  plan: CrossValidationPlan;
  runs: RunOutcome[];
  report: EvaluationReport | null;
  interrupted: boolean;
  files: string[];
}

/** Training subjects derived from cohort subjects, cached (bounded) so hundreds of subjects never all sit in memory. */
function trainingLoader(ctx: PipelineContext): (id: string) => Promise<TrainingSubject> {
  const prepare =
    ctx.prepareSubject ?? (async (s: CohortSubjectData) => prepareTrainingSubject(s, runNormalisation(ctx.hyper)));
  const cache = new LruCache<TrainingSubject>(ctx.hyper.cacheSize, async (id) => prepare(await ctx.cohort.load(id)));
  return (id) => cache.get(id);
}

export async function runCrossValidation(ctx: PipelineContext, folds: number): Promise<CrossValidationResult> {
  const plan = planCrossValidation(ctx.cohort.ids, folds, ctx.hyper.seed);
  fs.mkdirSync(ctx.outDir, { recursive: true });
  writePlan(path.join(ctx.outDir, 'cv-plan.json'), plan, ctx);
  const loadSubject = trainingLoader(ctx);
  const runs: RunOutcome[] = [];
  const scores: SubjectScores[] = [];
  const files: string[] = [];
  for (const fold of plan.folds) {
    const dir = path.join(ctx.outDir, `fold-${fold.index}`);
    ctx.progress.message(
      `fold ${fold.index}/${plan.folds.length}: train ${fold.train.join(' ')} | validation ${fold.validation.join(' ')} | test ${fold.test.join(' ')}`,
    );
    const run = await runTraining({
      dir,
      label: `fold ${fold.index}`,
      fold,
      hyper: { ...ctx.hyper, seed: ctx.hyper.seed + fold.index },
      resume: ctx.resume,
      loadSubject,
      createTrainer: ctx.createTrainer,
      progress: ctx.progress,
      stop: ctx.stop,
      dataDescription: ctx.cohort.description,
    });
    runs.push(run);
    files.push(...(await writeLearningCurves(ctx.outDir, runs)));
    if (run.stopped === 'interrupted') return { plan, runs, report: null, interrupted: true, files };
    const evaluation = await evaluateFold(ctx, fold, run.bestWeights, path.join(dir, 'evaluation'));
    scores.push(...evaluation.report.perSubject);
    files.push(...evaluation.files);
  }
  const report = buildReport(scores, cvNotes(ctx, runs));
  files.push(...writeReport(ctx.outDir, report, `${plan.folds.length}-fold cross-validation: NLM vs DA`, 'cv-report'));
  return { plan, runs, report, interrupted: false, files };
}

export async function runFinalTraining(ctx: PipelineContext): Promise<{ run: RunOutcome; files: string[] }> {
  const fold = planFinalTraining(
    ctx.cohort.ids,
    ctx.hyper.seed,
    ctx.cohort.validationIds?.length ?? ctx.hyper.validationSubjects ?? 1,
    ctx.cohort.validationIds,
  );
  const dir = path.join(ctx.outDir, 'final');
  ctx.progress.message(`final model: train ${fold.train.join(' ')} | early stopping on ${fold.validation.join(' ')}`);
  const run = await runTraining({
    dir,
    label: 'final',
    fold,
    hyper: ctx.hyper,
    resume: ctx.resume,
    loadSubject: trainingLoader(ctx),
    createTrainer: ctx.createTrainer,
    progress: ctx.progress,
    stop: ctx.stop,
    dataDescription: ctx.cohort.description,
  });
  const files = await writeLearningCurves(dir, [run], 'learning-curve');
  return { run, files };
}

async function evaluateFold(ctx: PipelineContext, fold: Fold, weights: DAWeights, outDir: string) {
  return evaluateSubjects(fold.test, (id) => ctx.cohort.load(id), ctx.denoiserFor(weights), {
    outDir,
    title: `Fold ${fold.index}: NLM vs DA on ${fold.test.join(', ')}`,
    log: (l) => ctx.progress.message(`fold ${fold.index} ${l}`),
  });
}

/** learning-curves.{svg,png} and the per-epoch losses as JSON. */
export async function writeLearningCurves(
  dir: string,
  runs: readonly RunOutcome[],
  stem = 'learning-curves',
): Promise<string[]> {
  const rows: EpochLoss[] = runs.flatMap((r) =>
    r.history.map((h) => ({ run: r.label, epoch: h.epoch, trainLoss: h.trainLoss, valLoss: h.valLoss })),
  );
  if (rows.length === 0) return [];
  const fig = await renderLearningCurve(rows, 'DA training: MSE per epoch (training vs validation)');
  const svg = path.join(dir, `${stem}.svg`);
  const png = path.join(dir, `${stem}.png`);
  writeFileAtomicSync(svg, fig.svg);
  writeFileAtomicSync(png, fig.png);
  return [svg, png];
}

function writePlan(file: string, plan: CrossValidationPlan, ctx: PipelineContext): void {
  writeFileAtomicSync(
    file,
    JSON.stringify({ cohort: ctx.cohort.dir, hyperparameters: ctx.hyper, ...plan }, null, 1) + '\n',
  );
}

function cvNotes(ctx: PipelineContext, runs: readonly RunOutcome[]): string[] {
  const h = ctx.hyper;
  const totalSeconds = runs.reduce((s, r) => s + r.seconds, 0);
  const rate = runs
    .flatMap((r) => r.history)
    .reduce((a, e) => ({ n: a.n + e.samples, s: a.s + e.seconds }), { n: 0, s: 0 });
  return [
    `Protocol: ${runs.length}-fold cross-validation as the paper (each fold: train on the other groups, early stopping on one held-out subject, test on the rest of its group).`,
    `Training: Adam lr ${h.learningRate}, batch ${h.batchSize}, added noise k = ${h.noiseLevel}, ${runs[0]?.samplesPerEpoch ?? '?'} samples/epoch, at most ${h.maxEpochs} epochs, patience ${h.patience}, seed ${h.seed}.`,
    ...runs.map(
      (r) =>
        `${r.label}: ${r.history.length} epochs (${r.stopped}), best epoch ${r.bestEpoch}, best validation MSE ${r.bestValLoss.toExponential(3)}, ${(r.seconds / 60).toFixed(1)} min.`,
    ),
    `Total training time ${(totalSeconds / 60).toFixed(1)} min, ${Math.round(rate.n / Math.max(rate.s, 1e-9))} samples/s on average.`,
  ];
}

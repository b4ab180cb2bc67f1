// Chooses the added-noise level k by validation: short training runs for each candidate k on one fold's training
// subjects, each scored by denoising the validation subject's first acquisition and comparing it with the mean of the
// other two acquisitions, whose noise is independent of the input (so, unlike the mean of three, it does not reward
// copying the input). When the cohort has a noise-free truth, pSNR against it is reported beside.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { psnr, ssim3d } from '../../core/metrics';
import { meanVolume, type Volume } from '../../core/volume';
import type { DAWeights } from '../../model/da/architecture';
import type { Denoiser } from '../evaluate/evaluateSubjects';
import type { CohortSource, PipelineContext } from './crossValidation';
import { planCrossValidation } from './cvSplit';
import { runTraining } from './foldRunner';
import { LruCache } from './subjectCache';
import { prepareTrainingSubject, type TrainingSubject } from './trainingSubject';
import { writeFileAtomicSync } from '../../io/atomic-write';

export interface SweepPoint {
  noiseLevel: number;
  bestValLoss: number;
  epochs: number;
  /** pSNR / SSIM (brain mask) of the denoised acquisition 1 vs the mean of acquisitions 2 and 3. */
  psnrVsOtherTwo: number;
  ssimVsOtherTwo: number;
  psnrVsTruth: number | null;
  ssimVsTruth: number | null;
  seconds: number;
}

export interface SweepResult {
  validationSubject: string;
  points: SweepPoint[];
  /** The largest k whose pSNR against the mean of the other two acquisitions is within TIE_DB of the best. */
  chosen: number;
  noisyPsnrVsOtherTwo: number;
  noisyPsnrVsTruth: number | null;
}

export async function runNoiseSweep(
  ctx: PipelineContext,
  levels: readonly number[],
  folds: number,
): Promise<SweepResult> {
  if (levels.length === 0) throw new Error('the noise sweep needs at least one level');
  const bad = levels.find((k) => !(k >= 0) || !Number.isFinite(k));
  if (bad !== undefined) throw new Error(`noise levels must be finite and ≥ 0, got ${bad}`);
  const fold = planCrossValidation(ctx.cohort.ids, folds, ctx.hyper.seed).folds[0];
  const cache = new LruCache<TrainingSubject>(ctx.hyper.cacheSize, async (id) =>
    prepareTrainingSubject(await ctx.cohort.load(id)),
  );
  const valId = fold.validation[0];
  const val = await ctx.cohort.load(valId);
  if (val.acquisitions.length < 3) throw new Error(`noise sweep: validation subject ${valId} needs three acquisitions`);
  const otherTwo = meanVolume([val.acquisitions[1], val.acquisitions[2]]);
  const score = (img: Volume) => ({
    psnrVsOtherTwo: psnr(otherTwo, img, val.brainMask),
    ssimVsOtherTwo: ssim3d(otherTwo, img, { mask: val.brainMask }).mean,
    psnrVsTruth: val.truth ? psnr(val.truth, img, val.brainMask) : null,
    ssimVsTruth: val.truth ? ssim3d(val.truth, img, { mask: val.brainMask }).mean : null,
  });
  const noisy = score(val.acquisitions[0]);
  const points: SweepPoint[] = [];
  for (const k of levels) {
    const run = await runTraining({
      dir: path.join(ctx.outDir, `sweep-k${k}`),
      label: `sweep k=${k}`,
      fold,
      hyper: { ...ctx.hyper, noiseLevel: k },
      resume: ctx.resume,
      loadSubject: (id) => cache.get(id),
      createTrainer: ctx.createTrainer,
      progress: ctx.progress,
      stop: ctx.stop,
      dataDescription: ctx.cohort.description,
    });
    if (run.stopped === 'interrupted')
      throw new Error('noise sweep interrupted (its runs are checkpointed: rerun with --resume)');
    const denoise: Denoiser = ctx.denoiserFor(run.bestWeights as DAWeights);
    const out = await denoise(val.acquisitions[0], 'da', val);
    const s = score(out);
    points.push({
      noiseLevel: k,
      bestValLoss: run.bestValLoss,
      epochs: run.history.length,
      seconds: run.seconds,
      ...s,
    });
    ctx.progress.message(
      `sweep k=${k}: pSNR vs mean(acq2, acq3) ${s.psnrVsOtherTwo.toFixed(2)} dB (noisy ${noisy.psnrVsOtherTwo.toFixed(2)})${s.psnrVsTruth !== null ? `, vs truth ${s.psnrVsTruth.toFixed(2)} dB (noisy ${noisy.psnrVsTruth!.toFixed(2)})` : ''}`,
    );
  }
  const chosen = chooseNoiseLevel(points);
  const result: SweepResult = {
    validationSubject: valId,
    points,
    chosen,
    noisyPsnrVsOtherTwo: noisy.psnrVsOtherTwo,
    noisyPsnrVsTruth: noisy.psnrVsTruth,
  };
  fs.mkdirSync(ctx.outDir, { recursive: true });
  writeFileAtomicSync(path.join(ctx.outDir, 'noise-sweep.json'), JSON.stringify(result, null, 1) + '\n');
  writeFileAtomicSync(path.join(ctx.outDir, 'noise-sweep.md'), sweepMarkdown(result, ctx.cohort));
  return result;
}

/** pSNR differences below this are ties (run-to-run noise of short runs is larger). */
export const TIE_DB = 0.05;

/** Best pSNR vs the other two acquisitions; among ties the largest k wins, since the paper trains with added noise. */
export function chooseNoiseLevel(points: readonly Pick<SweepPoint, 'noiseLevel' | 'psnrVsOtherTwo'>[]): number {
  if (points.length === 0) throw new Error('no sweep points to choose from');
  const best = Math.max(...points.map((p) => p.psnrVsOtherTwo));
  return Math.max(...points.filter((p) => p.psnrVsOtherTwo >= best - TIE_DB).map((p) => p.noiseLevel));
}

function sweepMarkdown(r: SweepResult, cohort: CohortSource): string {
  const lines = [
    '# Added-noise level k: validation sweep',
    '',
    `Cohort ${cohort.dir}; validation subject ${r.validationSubject}. Each k trains the same fold with the same seed; the denoised acquisition 1 is compared with the mean of acquisitions 2 and 3 (independent noise), and with the noise-free truth where the cohort has one.`,
    '',
    '| k | best val MSE | epochs | pSNR vs mean(acq2,acq3) | SSIM vs mean(acq2,acq3) | pSNR vs truth | SSIM vs truth | minutes |',
    '|---|---|---|---|---|---|---|---|',
    `| noisy input | — | — | ${r.noisyPsnrVsOtherTwo.toFixed(2)} | — | ${r.noisyPsnrVsTruth?.toFixed(2) ?? '—'} | — | — |`,
    ...r.points.map(
      (p) =>
        `| ${p.noiseLevel} | ${p.bestValLoss.toExponential(3)} | ${p.epochs} | ${p.psnrVsOtherTwo.toFixed(2)} | ${p.ssimVsOtherTwo.toFixed(4)} | ${p.psnrVsTruth?.toFixed(2) ?? '—'} | ${p.ssimVsTruth?.toFixed(4) ?? '—'} | ${(p.seconds / 60).toFixed(1)} |`,
    ),
    '',
    `Chosen: k = ${r.chosen} (best pSNR against the independent reference; differences under ${TIE_DB} dB count as ties and go to the larger k, as the paper trains with added noise).`,
    '',
  ];
  return lines.join('\n');
}

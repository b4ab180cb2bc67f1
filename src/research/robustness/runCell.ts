// One cell of the robustness matrix: held-out subjects of the cell's regime, acquisition 1 denoised by NLM (automatic
// σ) and each DA, pSNR/SSIM over the brain mask against the noise-free truth and the mean of the three repeats, and —
// where a DA loses to NLM — the best linear 5³ filter of that regime.
import { psnr, ssim3d } from '../../core/metrics';
import { estimateRegime, type RegimeEstimate } from '../../core/regime';
import { regimeWarnings } from '../../jobs/regime';
import type { Mask, Volume } from '../../core/volume';
import { type DABlend, denoiseVolume } from '../../jobs/denoise';
import type { LoadedDA } from '../../model/da/weights-io';
import type { NlmWorkerPool } from '../../model/nlm';
import { generateSubject, resolvePhantomParams } from '../../phantom';
import { evaluationRegion } from '../evaluate/denoisers';
import { HELD_OUT_SEED, type RobustnessCell } from './cells';
import { applyLinearFilter, fitLinearFilter } from './linearFilter';

export interface Scores {
  psnrTruth: number;
  ssimTruth: number;
  psnrMean3: number;
  ssimMean3: number;
}

export interface CellResult {
  id: string;
  axis: string;
  label: string;
  params: RobustnessCell['params'];
  seed: number;
  subjects: number;
  matrix: number;
  voxelSizeMm: number;
  /** True noise σ and NLM's automatic estimate (means over subjects). */
  noiseSigma: number;
  nlmSigma: number;
  noisy: Scores;
  nlm: Scores;
  /** By model label (card name and version). */
  da: Record<string, Scores>;
  /** The regime check on the first subject's input, and its warnings per model (as every product run gives them). */
  regime?: RegimeEstimate | null;
  warnings?: Record<string, string[]>;
  /** The best linear 5³ filter of this regime, present where a DA loses to NLM in pSNR vs truth. */
  linear?: Scores;
  seconds: number;
}

export interface CellContext {
  /** One column each: a model and how its output is blended with NLM. */
  models: readonly { label: string; model: LoadedDA; blend: DABlend }[];
  subjects: number;
  /** Overrides applied under every cell (tests use a small grid). */
  base?: RobustnessCell['params'];
  pool?: NlmWorkerPool;
  log?: (line: string) => void;
  /** A finished checkpoint of this cell (same subjects): its NLM, noisy and DA scores are kept, and only the models
   * it lacks are run (adding a model to the matrix costs that model's runs only). */
  previous?: CellResult;
}

function score(image: Volume, truth: Volume, mean3: Volume, mask: Mask): Scores {
  return {
    psnrTruth: psnr(truth, image, mask),
    ssimTruth: ssim3d(truth, image, { mask }).mean,
    psnrMean3: psnr(mean3, image, mask),
    ssimMean3: ssim3d(mean3, image, { mask }).mean,
  };
}

function meanScores(list: readonly Scores[]): Scores {
  const avg = (k: keyof Scores) => list.reduce((s, x) => s + x[k], 0) / list.length;
  return {
    psnrTruth: avg('psnrTruth'),
    ssimTruth: avg('ssimTruth'),
    psnrMean3: avg('psnrMean3'),
    ssimMean3: avg('ssimMean3'),
  };
}

/** The regime check of a cell, from the first subject's input alone, and each model's warnings. */
export function cellRegime(
  cell: RobustnessCell,
  ctx: Pick<CellContext, 'models' | 'subjects' | 'base'>,
): Pick<CellResult, 'regime' | 'warnings'> {
  const input = generateSubject(cellParams(cell, ctx.base, ctx.subjects), 0).acquisitions[0];
  return regimeOf(input, ctx.models);
}

function regimeOf(input: Volume, models: CellContext['models']): Pick<CellResult, 'regime' | 'warnings'> {
  let regime: RegimeEstimate | null = null;
  try {
    regime = estimateRegime(input);
  } catch {
    regime = null;
  }
  return {
    regime,
    warnings: Object.fromEntries(models.map((m) => [m.label, regimeWarnings(regime, m.model.card.trainingRange)])),
  };
}

/** Merges the cell's parameters over the base (nested anatomy merged); `seed` other than the held-out one is for
 * development runs (scripts/sure-blend.ts), never for the matrix. */
export function cellParams(
  cell: RobustnessCell,
  base: RobustnessCell['params'] = {},
  subjects: number,
  seed: number = HELD_OUT_SEED,
) {
  return resolvePhantomParams({
    ...base,
    ...cell.params,
    anatomy: { ...(base.anatomy ?? {}), ...(cell.params.anatomy ?? {}) },
    seed,
    // One more subject than is scored: the last one fits the linear filter.
    subjects: subjects + 1,
  });
}

export async function runCell(cell: RobustnessCell, ctx: CellContext): Promise<CellResult> {
  const t0 = performance.now();
  const params = cellParams(cell, ctx.base, ctx.subjects);
  const noisy: Scores[] = [];
  const nlm: Scores[] = [];
  const prev = ctx.previous;
  const toRun = ctx.models.filter((m) => !prev?.da[m.label]);
  const da: Record<string, Scores[]> = Object.fromEntries(toRun.map((m) => [m.label, []]));
  const inputs: { input: Volume; region: Mask; brain: Mask; truth: Volume; mean3: Volume }[] = [];
  let noiseSigma = 0;
  let nlmSigma = 0;
  let checked: Pick<CellResult, 'regime' | 'warnings'> = {};
  for (let s = 0; s < ctx.subjects; s++) {
    const subject = generateSubject(params, s);
    const input = subject.acquisitions[0];
    const { truth, mean3, brainMask: brain } = subject;
    // Both methods run on the brain plus the SSIM window's reach: the metrics read nothing else.
    const region = evaluationRegion(brain, input);
    if (s === 0) checked = regimeOf(input, ctx.models);
    noiseSigma += subject.noiseSigma / ctx.subjects;
    if (!prev) {
      noisy.push(score(input, truth, mean3, brain));
      const n = await denoiseVolume(
        input,
        { method: 'nlm' },
        { mask: region, workerPool: ctx.pool, checkRegime: false },
      );
      nlm.push(score(n.volume, truth, mean3, brain));
      nlmSigma += Number(n.parameters.sigma) / ctx.subjects;
    }
    for (const { label, model, blend } of toRun) {
      const d = await denoiseVolume(
        input,
        { method: 'da', weights: model, blend },
        { mask: region, backend: 'wasm', checkRegime: false, workerPool: ctx.pool },
      );
      da[label].push(score(d.volume, truth, mean3, brain));
    }
    inputs.push({ input, region, brain, truth, mean3 });
    ctx.log?.(`${cell.id}: subject ${s + 1}/${ctx.subjects} done (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const result: CellResult = {
    id: cell.id,
    axis: cell.axis,
    label: cell.label,
    params: cell.params,
    seed: params.seed,
    subjects: ctx.subjects,
    matrix: params.matrix,
    voxelSizeMm: params.voxelSizeMm,
    noiseSigma,
    nlmSigma: prev ? prev.nlmSigma : nlmSigma,
    noisy: prev ? prev.noisy : meanScores(noisy),
    nlm: prev ? prev.nlm : meanScores(nlm),
    da: {
      ...Object.fromEntries(ctx.models.filter((m) => prev?.da[m.label]).map((m) => [m.label, prev!.da[m.label]])),
      ...Object.fromEntries(Object.entries(da).map(([k, v]) => [k, meanScores(v)])),
    },
    ...checked,
    ...(prev?.linear ? { linear: prev.linear } : {}),
    seconds: 0,
  };
  if (!result.linear && Object.values(result.da).some((d) => d.psnrTruth < result.nlm.psnrTruth)) {
    // Fitted on the extra subject's three acquisitions against its noise-free truth, applied to the scored ones.
    const fit = generateSubject(params, ctx.subjects);
    const filter = fitLinearFilter(fit.acquisitions, fit.truth, fit.brainMask);
    result.linear = meanScores(
      inputs.map((x) => score(applyLinearFilter(x.input, filter, x.region), x.truth, x.mean3, x.brain)),
    );
  }
  // A resumed cell's time is the checkpoint's plus what the added models took.
  result.seconds = (prev?.seconds ?? 0) + (performance.now() - t0) / 1000;
  return result;
}

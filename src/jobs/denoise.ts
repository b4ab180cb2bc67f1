// The one denoising job shared by the viewer and the CLI: DA or NLM on a volume, with everything needed to reproduce
// the run, and pSNR/SSIM against a reference over the brain mask when one is given. Knows nothing of OHIF or files.
import type { Mask, Volume } from '../core/volume';
import { assertSameDims, volumeLike } from '../core/volume';
import { blendOutputs } from '../core/blend';
import { assertFiniteVolume } from '../core/finite';
// The DA and NLM 'tf' paths load tfjs (hundreds of ms): imported when used, so NLM on the CPU never loads it.
import type { DenoiseDAOptions, DenoiseDAResult } from '../model/da/infer';
import type { LoadedDA } from '../model/da/weights-io';
import { nlmeans } from '../model/nlm/nlm-cpu';
import { nlmKernelLabel } from '../model/nlm/job';
import { blockFits, checkNlmSigma, NLM_DEFAULTS, resolveNlmSigma } from '../model/nlm/params';
import type { NlmWorkerPool } from '../model/nlm/pool';
import { brainMaskSteps, findHead, type BrainMaskSteps, type KnownBackground } from '../core/brain-mask';
import { and, countMask } from '../core/mask';
import { BlurCache } from '../core/filters';
import { estimateNoiseSigma, findBackground, MIN_BACKGROUND_VOXELS, type NoiseEstimate } from '../core/noise';
import { estimateRegime, noiseCorrelationsFromBackground, type RegimeEstimate } from '../core/regime';
import { SURE_PROBE, sureBlend } from './sure-blend';
import type { AxisCorrelations } from '../core/whitening';
import { yieldToEventLoop } from '../model/eventLoop';
import type { TrainingRange } from '../model/da/card';
import { regimeWarnings } from './regime';
import type { InputMemo } from './input-memo';
import {
  measureDenoising,
  metricsBasis,
  type DenoiseMetrics,
  type MetricsBasis,
  type ReferenceKind,
} from './denoise-metrics';

export type { DenoiseMetrics, ReferenceKind } from './denoise-metrics';

/** How the DA's output is blended with NLM's: 'sure' per input (jobs/sure-blend.ts), 'off' for the network alone. */
export const DA_BLENDS = ['sure', 'off'] as const;
export type DABlend = (typeof DA_BLENDS)[number];

/**
 * Checks a blend named by a flag or an option; throws one line naming `where` and the known blends.
 * @example parseBlend(opts.blend, '--blend') // 'off'
 */
export function parseBlend(value: unknown, where: string): DABlend {
  if ((DA_BLENDS as readonly unknown[]).includes(value)) return value as DABlend;
  throw new Error(`${where} must be ${DA_BLENDS.join(' or ')}, got ${JSON.stringify(value)}`);
}

/**
 * The product's DA: the network blended with NLM by SURE on each input. Across the robustness matrix this never falls
 * behind NLM where the network alone does, and keeps the network's lead elsewhere (reports/robustness).
 */
export const DA_BLEND_DEFAULT: DABlend = 'sure';

export interface DenoiseDARequest {
  method: 'da';
  /** Loaded weights, or a directory / URL prefix to load them from (default: the repository's weights/). */
  weights?: LoadedDA | string;
  /**
   * Default DA_BLEND_DEFAULT. A study-adapted card's own blend (fitted on its held-out slabs) takes the place of
   * SURE's; 'off' gives the network alone (the paper's method) either way.
   */
  blend?: DABlend;
}

/** DIPY's nlmeans parameters (names as in DIPY); σ is estimated from the image when not given. */
export interface DenoiseNlmRequest {
  method: 'nlm';
  sigma?: number;
  patchRadius?: number;
  blockRadius?: number;
  rician?: boolean;
  /** 'cpu' (default): the TypeScript kernel on a worker pool; 'tf': tensor ops on the tfjs backend (GPU in a browser). */
  implementation?: 'cpu' | 'tf';
}

export type DenoiseRequest = DenoiseDARequest | DenoiseNlmRequest;

/**
 * Whether a request runs NLM's CPU kernel (NLM itself, or the DA's blend with NLM), so a runner gives it an NLM pool.
 * @example const pool = usesNlmKernel(request) ? createNodeNlmPool(threads) : undefined;
 */
export function usesNlmKernel(request: DenoiseRequest): boolean {
  return request.method === 'nlm' ? request.implementation !== 'tf' : request.blend !== 'off';
}

export interface DenoiseOptions {
  /** Fraction done (0…1) and what is happening. */
  onProgress?: (fraction: number, stage?: string) => void;
  signal?: AbortSignal;
  /** Image to measure against (noise-free truth, mean of repeats…): adds `metrics` to the result. */
  reference?: Volume;
  /** What the reference is, recorded in the metrics (default 'reference'). */
  referenceKind?: ReferenceKind;
  /** Brain mask: only these voxels are denoised (the rest keep their input) and measured. Default: denoise the head
   * (see `region`), measure over the automatic brain mask of the input. */
  mask?: Mask;
  /** Without a mask: 'head' (default) denoises only the head found in the input (findHead) and leaves air, calibration
   * tubes and anything else beside the head exactly as acquired; 'all' denoises every voxel. */
  region?: 'head' | 'all';
  /** Estimate the input's regime and check it against the model's training range. Default: for the DA (every product
   * run) but not NLM, which has no training range and would pay a whole brain-mask pass (most of a 64³ NLM command)
   * for nothing; evaluations that estimate it once themselves pass false. */
  checkRegime?: boolean;
  /** Where NLM's CPU kernel runs (Node worker_threads, browser Web Workers); default: the calling thread. */
  workerPool?: NlmWorkerPool;
  /** tfjs backend for the DA and NLM 'tf' (e.g. 'wasm', 'cpu', 'webgl'); default: the active one. */
  backend?: string;
  /** Where the DA runs (e.g. Node worker threads, model/da/node-parallel); default: denoiseDA on this thread. */
  daRunner?: DARunner;
  /** The input's analysis kept from earlier runs on this same volume (createInputMemo), filled in by this run. */
  memo?: InputMemo;
}

/** Runs the DA on a volume: denoiseDA's signature, so a multi-threaded runner can stand in for it. */
export type DARunner = (volume: Volume, model: LoadedDA, opts: DenoiseDAOptions) => Promise<DenoiseDAResult>;

export type DenoiseParameters = Record<string, string | number | boolean>;

export interface DenoiseResult {
  volume: Volume;
  method: DenoiseRequest['method'];
  /** Everything needed to reproduce the run: σ actually used and where it came from, radii, weights version… */
  parameters: DenoiseParameters;
  /** Where it ran: a tfjs backend name (wasm×2: two worker threads), or NLM's CPU kernel: 'wasm-simd' or 'js-cpu'. */
  backend: string;
  /** Wall time of the denoising itself (not of loading weights or measuring). */
  millis: number;
  metrics?: DenoiseMetrics;
  /** The input's regime estimated from the image alone (null when it could not be estimated). */
  regime: RegimeEstimate | null;
  /** Where the input lies outside the model's training range, in plain words; empty inside it (and for NLM). */
  warnings: string[];
  /** Wall time of each step of the job, ms, in order (where a run's seconds go; see JobPhases). */
  phases: JobPhases;
}

/**
 * Wall time of the job's steps, ms; every step but `analysisOverlapped` follows the one before, so they add up to the
 * job's wall time. The input's own analysis (brain mask, regime, input metrics) is `analysis` when it runs before the
 * method, and `analysisOverlapped` when the method runs off this thread meanwhile; `waitForAnalysis` is then what it
 * added after the method ended.
 */
export interface JobPhases {
  /** Background, noise estimate and the head (the region to denoise). */
  region: number;
  analysis: number;
  method: number;
  analysisOverlapped: number;
  waitForAnalysis: number;
  /** The output's pSNR/SSIM (0 without a reference). */
  metrics: number;
}

/**
 * Denoises `volume` as `request` asks: the one job behind the viewer's "Denoise Na" and `sodium-denoise denoise`.
 * Never modifies its inputs.
 * @param request - `{ method: 'da', weights? }` or `{ method: 'nlm', sigma?, patchRadius?, blockRadius?, rician? }`
 *   (unset NLM parameters: NLM_DEFAULTS; σ estimated from the background)
 * @param opts - mask (denoise and measure only there), reference (adds pSNR/SSIM `metrics`), progress, abort
 * @returns the denoised volume on the input's grid, with everything needed to reproduce the run
 * @example
 * const { volume: clean, metrics } = await denoiseVolume(acq1, { method: 'nlm' }, { reference: mean3 });
 */
export async function denoiseVolume(
  volume: Volume,
  request: DenoiseRequest,
  opts: DenoiseOptions = {},
): Promise<DenoiseResult> {
  checkInputs(volume, request, opts);
  opts.signal?.throwIfAborted();
  const tStart = performance.now();
  const memo = inputMemo(volume, opts);
  // One background and noise estimate for the head, NLM's σ, the regime and the brain mask (each used to make its
  // own: findBackground ran five times per run, 2.3 s each at 128³ on a loaded machine).
  const blurs = new BlurCache(volume); // the background and the head share their one-voxel blur (4 mm voxels)
  const background = memo.once('background', () => findBackgroundSafely(volume, blurs));
  const noise = memo.once('noise', () => estimateNoiseSafely(volume, background));
  const region = denoisingRegion(volume, opts, noise?.sigma, background, memo, blurs);
  const check = opts.checkRegime ?? request.method === 'da';
  const runOpts = { ...opts, mask: region.mask };
  const tRegion = performance.now();
  let analysisMillis = 0;
  // The input's own analysis: the regime, and the metrics' brain mask and input scores, from one brain-mask
  // computation. It does not depend on the output, so when the method runs off this thread (worker threads, Web
  // Workers) it is done while they work; otherwise before, so the method's own time stays its own.
  const offThread =
    request.method === 'da'
      ? opts.daRunner !== undefined
      : opts.workerPool !== undefined && request.implementation !== 'tf';
  let analysis: InputAnalysis | undefined;
  let analysisError: unknown;
  const analyse = async () => {
    const t0 = performance.now();
    try {
      analysis = await analyseInput(volume, noise?.sigma, background, opts, check, memo);
    } catch (err) {
      analysisError = err; // reported after the method, where the metrics used to fail
    }
    analysisMillis = performance.now() - t0;
  };
  if (!offThread) {
    if (check) opts.onProgress?.(0, 'Checking the regime');
    await analyse();
  }
  const tMethod = performance.now();
  let methodEnd = 0;
  const method = (
    request.method === 'da'
      ? runDA(volume, request, runOpts, {
          noise: noise ?? undefined,
          background,
          steps: () => brainSteps(volume, noise?.sigma, background, memo),
          memo,
        })
      : runNlm(volume, request, runOpts, noise ?? undefined)
  ).then((r) => {
    methodEnd = performance.now();
    return r;
  });
  if (offThread) {
    method.catch(() => undefined); // awaited below; an early failure must not count as unhandled meanwhile
    await yieldToEventLoop(); // lets the method hand its work to its workers first
    await analyse();
  }
  const { trainingRange, ...ran } = await method;
  const tJoined = performance.now();
  if (analysisError) throw analysisError;
  const regime = analysis?.regime ?? null;
  const phases: JobPhases = {
    region: tRegion - tStart,
    analysis: offThread ? 0 : analysisMillis,
    method: methodEnd - tMethod,
    analysisOverlapped: offThread ? analysisMillis : 0,
    waitForAnalysis: offThread ? tJoined - methodEnd : 0,
    metrics: 0,
  };
  const run: DenoiseResult = {
    ...ran,
    parameters: { ...ran.parameters, region: region.description, regionVoxels: region.voxels },
    regime,
    // The DA's input is checked against its card's training range (NLM has none).
    warnings: check && trainingRange !== undefined ? regimeWarnings(regime, trainingRange ?? undefined) : [],
    phases,
  };
  if (!opts.reference) return run;
  opts.onProgress?.(1, 'Measuring pSNR and SSIM');
  const tMetrics = performance.now();
  const metrics = measureDenoising(volume, run.volume, opts.reference, {
    mask: opts.mask,
    referenceKind: opts.referenceKind,
    basis: analysis?.basis,
  });
  phases.metrics = performance.now() - tMetrics;
  return { ...run, metrics };
}

/**
 * Makes, ahead of a run, the analysis of its input that the run would make: background, noise, the head, the brain
 * mask, the regime and, when the memo has a reference, the input's metrics basis, kept in `memo` (for an unmasked run
 * against the memo's reference, as the viewer's are). The same functions on the same input as denoiseVolume, so the
 * run's result is unchanged; it only finds them made. A viewer calls this while idle, so the first click starts at
 * the method. `pause` runs between steps (each up to seconds at 128³; default: a yield to the event loop), and
 * `signal` stops it between steps.
 * @example
 * const memo = createInputMemo(acq1, mean3);
 * await analyseInputAhead(memo);
 * await denoiseVolume(acq1, { method: 'da' }, { reference: mean3, memo }); // analyses nothing
 */
export async function analyseInputAhead(
  memo: InputMemo,
  opts: { signal?: AbortSignal; pause?: () => Promise<void> } = {},
): Promise<void> {
  const { volume, reference } = memo;
  const runOpts: DenoiseOptions = { reference, memo, signal: opts.signal };
  const kept = inputMemo(volume, runOpts);
  // Pauses only before a step still to make (a run may have made them meanwhile: then this ends at once).
  const pause = async (...keys: string[]) => {
    opts.signal?.throwIfAborted();
    if (keys.every((k) => memo.keys.includes(k))) return;
    await (opts.pause ?? yieldToEventLoop)();
    opts.signal?.throwIfAborted();
  };
  await pause('background');
  const blurs = new BlurCache(volume); // shared by the background and the head, as in a run
  const background = kept.once('background', () => findBackgroundSafely(volume, blurs));
  await pause('noise');
  const noise = kept.once('noise', () => estimateNoiseSafely(volume, background));
  await pause('head');
  denoisingRegion(volume, runOpts, noise?.sigma, background, kept, blurs);
  await pause('brainMaskSteps', 'regime', ...(reference ? ['metricsBasis'] : []));
  // The regime too (the DA checks it; NLM runs leave it unused).
  await analyseInput(volume, noise?.sigma, background, runOpts, true, kept);
  // And the noise's correlations, which the DA's blend with NLM reads.
  await pause('noiseCorrelations');
  noiseCorrelations(volume, background, brainSteps(volume, noise?.sigma, background, kept), kept);
}

/** What may be kept between runs: with no memo, a throwaway one; the mask-dependent steps only without a mask. */
interface RunMemo {
  once<T>(key: string, compute: () => T): T;
  /** For the steps that depend on the mask or the reference: kept only when the run has no mask and the memo's reference. */
  unmasked<T>(key: string, compute: () => T): T;
}

function inputMemo(volume: Volume, opts: DenoiseOptions): RunMemo {
  const memo = opts.memo;
  if (!memo) {
    // Kept for this run only: the analysis and the DA's blend share the brain mask steps.
    const kept = new Map<string, unknown>();
    const once = <T>(key: string, compute: () => T): T => {
      if (!kept.has(key)) kept.set(key, compute());
      return kept.get(key) as T;
    };
    return { once, unmasked: once };
  }
  if (memo.volume !== volume) throw new Error('the input memo was made for another volume: make one per input');
  const plain = opts.mask === undefined && opts.reference === memo.reference;
  return {
    once: (key, compute) => memo.once(key, compute),
    unmasked: (key, compute) => (plain ? memo.once(key, compute) : compute()),
  };
}

/** findBackground(volume), or null when it finds none (the object fills the field of view). */
function findBackgroundSafely(volume: Volume, blurs: BlurCache): KnownBackground {
  try {
    return findBackground(volume, { blurs });
  } catch {
    return null;
  }
}

/** The input's noise estimate, or null when it has none (a constant image): the steps that need it then say why. */
function estimateNoiseSafely(volume: Volume, background: KnownBackground): NoiseEstimate | null {
  try {
    // estimateNoiseSigma's own background is findBackground's; too small a one, and it falls back on its own.
    const known = background && countMask(background) >= MIN_BACKGROUND_VOXELS ? { background } : {};
    return estimateNoiseSigma(volume, known);
  } catch {
    return null;
  }
}

/** What the job learns from the input alone. */
interface InputAnalysis {
  regime: RegimeEstimate | null;
  basis?: MetricsBasis;
}

/** Yields between its steps (each up to seconds at 128³), so a Cancel click or a progress message gets through. */
async function analyseInput(
  volume: Volume,
  sigma: number | undefined,
  background: KnownBackground,
  opts: DenoiseOptions,
  check: boolean,
  memo: RunMemo,
): Promise<InputAnalysis> {
  const needsBrain = check || (opts.reference !== undefined && opts.mask === undefined);
  let steps: BrainMaskSteps | null = null;
  if (needsBrain && sigma !== undefined) {
    // No brain: the regime says so; the metrics (if asked) fail below with the reason.
    steps = brainSteps(volume, sigma, background, memo);
    await yieldToEventLoop();
    opts.signal?.throwIfAborted();
  }
  const regime =
    check && sigma !== undefined
      ? memo.unmasked('regime', () => estimateRegimeSafely(volume, opts.mask, sigma, steps, background))
      : null;
  await yieldToEventLoop();
  opts.signal?.throwIfAborted();
  const reference = opts.reference;
  const basis = reference
    ? memo.unmasked('metricsBasis', () =>
        metricsBasis(volume, reference, { mask: opts.mask, automaticMask: steps?.mask }),
      )
    : undefined;
  return { regime, basis };
}

/**
 * Where the method runs. A model has no business changing what it never saw: the DA, trained on brain patches, lifts
 * the air around the head to ≈ 3σ (a grey square, 55 vs 27 in a 64³ phantom) and shifts the 100 mM calibration tube by
 * 1.4 mM, while the head alone leaves both as acquired (tube within 0.3 mM). One rule for every method.
 */
function denoisingRegion(
  volume: Volume,
  opts: DenoiseOptions,
  sigma: number | undefined,
  background: KnownBackground,
  memo: RunMemo,
  blurs: BlurCache,
): { mask?: Mask; description: string; voxels: number } {
  const all = volume.data.length;
  if (opts.mask) return { mask: opts.mask, description: 'user mask', voxels: countMask(opts.mask) };
  if (opts.region === 'all') return { description: 'whole volume', voxels: all };
  opts.onProgress?.(0, 'Finding the head');
  return memo.once('head', () => {
    try {
      const head = findHead(volume, sigma === undefined ? { blurs } : { noiseSigma: sigma, background, blurs });
      return { mask: head, description: 'head (automatic)', voxels: countMask(head) };
    } catch (err) {
      // No head to find (a crop, a volume without air): nothing to protect, so denoise everything and say why.
      return { description: `whole volume (no head found: ${(err as Error).message})`, voxels: all };
    }
  });
}

/** What one method's run returns before the job adds the region, the regime and the metrics (the DA: its card's
 * training range, which the regime is checked against). */
type MethodRun = Omit<DenoiseResult, 'regime' | 'warnings' | 'metrics' | 'phases'> & {
  trainingRange?: TrainingRange | null;
};

/** The regime, or null when the image gives no handle on it (a constant image: no noise to measure). */
function estimateRegimeSafely(
  volume: Volume,
  brainMask: Mask | undefined,
  noiseSigma: number,
  steps: BrainMaskSteps | null,
  background: KnownBackground,
): RegimeEstimate | null {
  try {
    return estimateRegime(volume, { brainMask, noiseSigma, steps, background });
  } catch {
    return null;
  }
}

function checkInputs(volume: Volume, request: DenoiseRequest, opts: DenoiseOptions): void {
  const method = (request as { method?: unknown })?.method;
  if (method !== 'da' && method !== 'nlm')
    throw new Error(`unknown denoising method ${JSON.stringify(method)}; use 'da' or 'nlm'`);
  assertFiniteVolume(volume, 'the volume', 'denoising needs finite voxel values');
  if (opts.mask) assertSameDims(volume, opts.mask.length, 'mask');
  // A given σ is checked before the head search and the regime check: a bad flag fails at once, in one line.
  if (request.method === 'nlm' && request.sigma !== undefined) checkNlmSigma(volume, request.sigma);
  if (request.method === 'da' && request.blend !== undefined) parseBlend(request.blend, 'the DA blend');
  if (opts.region !== undefined && opts.region !== 'head' && opts.region !== 'all')
    throw new Error(`unknown denoising region ${JSON.stringify(opts.region)}; use 'head' or 'all'`);
  if (opts.reference && !opts.reference.dims.every((d, i) => d === volume.dims[i])) {
    throw new Error(
      `the reference has dims [${opts.reference.dims.join(', ')}] but the volume has [${volume.dims.join(', ')}]`,
    );
  }
  if (
    request.method === 'nlm' &&
    request.implementation !== undefined &&
    request.implementation !== 'cpu' &&
    request.implementation !== 'tf'
  ) {
    throw new Error(`unknown NLM implementation ${JSON.stringify(request.implementation)}; use 'cpu' or 'tf'`);
  }
}

/** What the DA's blend reads from the job's analysis of the input. */
interface BlendContext {
  noise: NoiseEstimate | undefined;
  background: KnownBackground;
  steps: () => BrainMaskSteps | null;
  memo: RunMemo;
}

async function runDA(
  volume: Volume,
  request: DenoiseDARequest,
  opts: DenoiseOptions,
  ctx: BlendContext,
): Promise<MethodRun> {
  opts.onProgress?.(0, 'Loading DA weights');
  const model =
    typeof request.weights === 'object'
      ? request.weights
      : await (await import('../model/da/weights-load')).loadDA(request.weights);
  opts.signal?.throwIfAborted();
  const runner = opts.daRunner ?? (await import('../model/da/infer')).denoiseDA;
  const t0 = performance.now();
  const out = await runner(volume, model, {
    mask: opts.mask,
    backend: opts.backend,
    signal: opts.signal,
    onProgress: (f) => opts.onProgress?.(f, 'Denoising (DA)'),
  });
  const { card } = model;
  // The blend with NLM runs here, where the job's σ̂, region and worker pool are, so every runner (CLI, PACS batch,
  // viewer) returns the same result.
  const blend = await blendWithNlm(volume, out.volume, model, runner, request.blend ?? DA_BLEND_DEFAULT, opts, ctx);
  const millis = performance.now() - t0;
  return {
    volume: blend.volume,
    method: 'da',
    parameters: {
      weights: model.source,
      model: card.name,
      modelVersion: card.version,
      // The weights' checksum (verified against the card when it records one): the model's identity.
      ...((model.checksum ?? card.sha256) ? { modelSha256: (model.checksum ?? card.sha256)! } : {}),
      modelStatus: card.status,
      formulation: out.formulation,
      scale: out.scale,
      masked: opts.mask !== undefined,
      ...blend.parameters,
    },
    backend: out.backend,
    millis,
    trainingRange: card.trainingRange ?? null,
  };
}

/** The DA's output blended with NLM's: by the card's held-out weight, by SURE's, or not at all (and why). */
async function blendWithNlm(
  volume: Volume,
  da: Volume,
  model: LoadedDA,
  runner: DARunner,
  rule: DABlend,
  opts: DenoiseOptions,
  ctx: BlendContext,
): Promise<{ volume: Volume; parameters: DenoiseParameters }> {
  if (rule === 'off') return { volume: da, parameters: { nlmBlend: 'off' } };
  const fixed = model.card.nlmBlend;
  if (fixed?.weight === 0) return { volume: da, parameters: { nlmBlend: 'held-out slabs', nlmBlendWeight: 0 } };
  const nlmParams = fixed
    ? { patchRadius: fixed.patchRadius, blockRadius: fixed.blockRadius, rician: fixed.rician }
    : { ...NLM_DEFAULTS };
  // NLM pads by reflection and needs every dimension beyond its block radius; a thinner volume (a few slices) keeps
  // the network's output, which needs only 5, and says why.
  if (!blockFits(volume.dims, nlmParams.blockRadius)) {
    const thin = Math.min(...volume.dims);
    return {
      volume: da,
      parameters: {
        nlmBlend: `none: ${thin} voxels is too thin for NLM, whose block radius is ${nlmParams.blockRadius}`,
      },
    };
  }
  let brain: Mask | undefined;
  if (!fixed) {
    // SURE needs σ̂ and a brain to take the error over; without them the network's output stands, and says why.
    if (!ctx.noise) return { volume: da, parameters: { nlmBlend: 'none: no noise estimate' } };
    const steps = ctx.steps();
    brain = steps ? (opts.mask ? and(steps.mask, opts.mask) : steps.mask) : undefined;
    if (!brain || countMask(brain) === 0) return { volume: da, parameters: { nlmBlend: 'none: no brain found' } };
  }
  const progress = (stage: string) => (f: number) => opts.onProgress?.(f, stage);
  const nlmOn = (input: Volume, mask: Mask | undefined, stage: string) =>
    runNlm(input, { method: 'nlm', ...nlmParams }, { ...opts, mask, onProgress: progress(stage) }, ctx.noise);
  const nlm = await nlmOn(volume, opts.mask, 'Denoising (NLM, for the blend)');
  // NLM's σ̂ and kernel: where its half of the result came from.
  const common = { nlmSigma: nlm.parameters.sigma, nlmSigmaSource: nlm.parameters.sigmaSource, nlmKernel: nlm.backend };
  if (fixed) {
    const out = blendOutputs(da.data, nlm.volume.data, fixed.weight, opts.mask);
    return {
      volume: volumeLike(da, out),
      parameters: { nlmBlend: 'held-out slabs', nlmBlendWeight: fixed.weight, ...common },
    };
  }
  const correlations = noiseCorrelations(volume, ctx.background, ctx.steps(), ctx.memo);
  const choice = await sureBlend({
    volume,
    brain: brain!,
    sigma: Number(nlm.parameters.sigma),
    correlations,
    da: da.data,
    nlm: nlm.volume.data,
    runDA: async (input, mask) =>
      (
        await runner(input, model, {
          mask,
          backend: opts.backend,
          signal: opts.signal,
          onProgress: progress('Checking the blend (SURE, DA)'),
        })
      ).volume.data,
    runNlm: async (input, mask) => (await nlmOn(input, mask, 'Checking the blend (SURE, NLM)')).volume.data,
  });
  const out = blendOutputs(da.data, nlm.volume.data, choice.weight, opts.mask);
  return {
    volume: volumeLike(da, out),
    parameters: {
      nlmBlend: 'sure',
      nlmBlendWeight: choice.weight,
      sureMseDA: Number(choice.sureDA.toPrecision(4)),
      sureMseNlm: Number(choice.sureNlm.toPrecision(4)),
      sureMseBlend: Number(choice.sureBlend.toPrecision(4)),
      sureVoxels: choice.voxels,
      // Without a background there is no measuring the noise's correlation: said, as the probe then takes it as white
      // (on correlated noise that leans the weight toward the network).
      sureNoise: choice.noise === 'unknown' ? 'unknown (no background to measure it): taken as white' : choice.noise,
      ...common,
    },
  };
}

/** The noise's correlations per axis and lag, for the DA's SURE probe: once per run (or per memo). */
function noiseCorrelations(
  volume: Volume,
  background: KnownBackground,
  steps: BrainMaskSteps | null,
  memo: RunMemo,
): AxisCorrelations | null {
  return memo.once('noiseCorrelations', () =>
    noiseCorrelationsFromBackground(volume, { background, head: steps?.head }, SURE_PROBE.maxLag),
  );
}

/** The input's automatic brain mask steps, once per run (or per memo), null when there is no brain. */
function brainSteps(
  volume: Volume,
  sigma: number | undefined,
  background: KnownBackground,
  memo: RunMemo,
): BrainMaskSteps | null {
  if (sigma === undefined) return null;
  return memo.once('brainMaskSteps', () => {
    try {
      return brainMaskSteps(volume, { noiseSigma: sigma, background });
    } catch {
      return null;
    }
  });
}

async function runNlm(
  volume: Volume,
  request: DenoiseNlmRequest,
  opts: DenoiseOptions,
  noise: NoiseEstimate | undefined,
): Promise<MethodRun> {
  const implementation = request.implementation ?? 'cpu';
  if (request.sigma === undefined) opts.onProgress?.(0, 'Estimating the noise σ');
  const { sigma, source: sigmaSource } = resolveNlmSigma(volume, request.sigma, noise);
  const params = {
    sigma,
    patchRadius: request.patchRadius ?? NLM_DEFAULTS.patchRadius,
    blockRadius: request.blockRadius ?? NLM_DEFAULTS.blockRadius,
    rician: request.rician ?? NLM_DEFAULTS.rician,
  };
  const onProgress = (f: number) => opts.onProgress?.(f, 'Denoising (NLM)');
  const t0 = performance.now();
  let denoised: Volume;
  let backend: string;
  let threads = 1;
  if (implementation === 'tf') {
    const { nlmeansTf } = await import('../model/nlm/nlm-tf');
    const out = await nlmeansTf(volume, params, {
      mask: opts.mask,
      signal: opts.signal,
      onProgress,
      backend: opts.backend,
    });
    denoised = out.volume;
    backend = out.backend;
  } else {
    denoised = await nlmeans(volume, params, {
      mask: opts.mask,
      signal: opts.signal,
      onProgress,
      pool: opts.workerPool,
    });
    backend = nlmKernelLabel(sigma);
    threads = opts.workerPool?.size ?? 1;
  }
  const millis = performance.now() - t0;
  return {
    volume: denoised,
    method: 'nlm',
    parameters: {
      definition: 'dipy.denoise.nlmeans (voxelwise, search radius = block_radius − patch_radius)',
      sigma,
      sigmaSource,
      patchRadius: params.patchRadius,
      blockRadius: params.blockRadius,
      rician: params.rician,
      implementation,
      threads,
      masked: opts.mask !== undefined,
    },
    backend,
    millis,
  };
}

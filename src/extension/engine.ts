// The browser side of the shared denoising job: picks the tfjs backend once (WASM paths beside the bundle), then
// calls src/jobs' denoiseVolume, so the viewer and the CLI compute the same thing.
import { getRenderingCapabilities } from '@cornerstonejs/core';
import {
  type DABlend,
  denoiseVolume,
  type DARunner,
  type DenoiseParameters,
  type DenoiseRequest,
  usesNlmKernel,
} from '../jobs/denoise';
import type { InputMemo } from '../jobs/input-memo';
import type { LoadedDA } from '../model/da/weights-io';
import { configureWasmPaths, selectBackend, type BackendSelection } from '../model';
import { tf } from '../model/tf';
import { resolveBrainMask } from '../core/brain-mask';
import { estimateSnr, type SnrEstimate } from '../core/noise';
import { createVolume, type Mask, type Volume } from '../core/volume';
import type { NaDebugDenoise } from './debugHook';
import type { NaDenoiseOptions } from './options';
import type { NaDenoiseService } from './naDenoiseService';

export type EngineMethod = 'da' | 'nlm';

export interface EngineRun {
  volume: Volume;
  backend: string;
  millis: number;
  parameters: DenoiseParameters;
  /** vs the reference in the automatic brain mask (paper definitions). */
  psnr?: number;
  ssim?: number;
  /** The same for the noisy source, so the overlay can show the gain. */
  sourcePsnr?: number;
  sourceSsim?: number;
  /** Reference-free SNR of the output (no repeats). */
  snr?: number;
  sourceSnr?: number;
  /** Notices for the radiologist (e.g. WebGL unavailable → WASM). */
  notices: string[];
  /** The regime check: where the input lies outside the model's training range (jobs/regime.ts). */
  warnings: string[];
  /** Wall time of each step, ms: waiting for the backend and weights, the job's own steps (JobPhases), the SNR. */
  phases: Record<string, number>;
}

/** The page's tfjs backend, chosen on first use; the service owns one (naDenoiseService.backend). */
export interface BackendChoice {
  /** The selection (the same promise on every call once it succeeded; a failed one is retried on the next call). */
  get(): Promise<BackendSelection>;
}

/**
 * Chooses the backend once per page: the configured one if it works, else the fastest measured. WASM's paths (beside
 * the bundle) and its thread setting are applied before the first selection.
 * @example const { backend } = await createBackendChoice(options).get()
 */
export function createBackendChoice(options: NaDenoiseOptions): BackendChoice {
  let selection: Promise<BackendSelection> | undefined;
  let wasmConfigured = false;
  return {
    get() {
      if (!selection) {
        if (!wasmConfigured) {
          configureWasmPaths(options.wasmPath);
          // Multi-threaded WASM needs cross-origin isolation; a deployment may also turn it off (or to compare).
          if (options.wasmThreads === false) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
          wasmConfigured = true;
        }
        const preferred = options.backend;
        const webglRenderer = hostWebGLRenderer();
        const pending = selectBackend(
          preferred ? { preferred, measure: false, webglRenderer } : { measure: true, webglRenderer },
        );
        selection = pending;
        pending.catch(() => {
          if (selection === pending) selection = undefined;
        });
      }
      return selection;
    },
  };
}

/**
 * The WebGL renderer Cornerstone probed when OHIF started it (kept there), so the backend choice needs no WebGL
 * context of its own to tell a software rasterizer; undefined when this Cornerstone does not say.
 */
function hostWebGLRenderer(): string | undefined {
  try {
    const capabilities = getRenderingCapabilities();
    return capabilities.webgl && capabilities.renderer ? capabilities.renderer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Notices worth showing: a GPU backend that could not start, so the run fell back (typically to WASM). A WebGL left
 * untried because it is a software rasterizer is no loss (WASM is faster there), so it gets none.
 */
export function fallbackNotices(sel: BackendSelection): string[] {
  const failed = sel.tried.filter((t) => !t.ok && !t.software && (t.name === 'webgl' || t.name === 'webgpu'));
  if (sel.backend !== 'webgl' && failed.some((t) => t.name === 'webgl')) {
    return [
      `WebGL is not available (${failed.find((t) => t.name === 'webgl')?.reason ?? 'no context'}); running on ${sel.backend.toUpperCase()} instead.`,
    ];
  }
  return [];
}

export interface EngineInput {
  method: EngineMethod;
  volume: Volume;
  /** Mean of the repeated acquisitions (source included), when the study has repeats. */
  reference?: Volume;
  nlm?: NlmOptions;
  /** DA weights to use instead of the deployment's (e.g. adapted to this study). */
  weights?: LoadedDA;
  onProgress?: (fraction: number, message: string) => void;
  signal?: AbortSignal;
  /** What earlier runs on this input learnt about it (head, brain mask, regime, input metrics), kept per series. */
  memo?: InputMemo;
}

/** NLM parameters a deployment or the command may set (DIPY's names); σ is estimated from the image when absent. */
export interface NlmOptions {
  patchRadius?: number;
  blockRadius?: number;
  sigma?: number;
  /** Rician bias correction (DIPY's rician; default true). */
  rician?: boolean;
  /** 'cpu': the kernel on Web Workers (default); 'tf': tensor ops on the tfjs backend (GPU). */
  implementation?: 'cpu' | 'tf';
}

export function denoiseRequest(
  method: EngineMethod,
  nlm: NlmOptions | undefined,
  weightsUrl: string,
  weights?: LoadedDA,
  blend?: DABlend,
): DenoiseRequest {
  return method === 'da'
    ? { method: 'da', weights: weights ?? weightsUrl, ...(blend ? { blend } : {}) }
    : { method: 'nlm', ...(nlm ?? {}) };
}

/** The deployment's DA weights, loaded and checksum-verified once per page; the service owns one (daModel). */
export interface ModelCache {
  /** The same promise on every call once it succeeded; a failed load is retried on the next call. */
  get(): Promise<LoadedDA>;
}

/**
 * Loads the weights at `weightsUrl` on first use and keeps them.
 * @example const model = await createModelCache(options.weightsUrl).get()
 */
export function createModelCache(weightsUrl: string): ModelCache {
  let loading: Promise<LoadedDA> | undefined;
  return {
    get() {
      if (!loading) {
        const pending = import('../model/da/weights-io').then(({ loadDA }) => loadDA(weightsUrl));
        loading = pending;
        pending.catch(() => {
          if (loading === pending) loading = undefined;
        });
      }
      return loading;
    },
  };
}

/**
 * Where the DA runs on `backend`: on WASM, the service's Web Worker pool (one single-threaded WASM instance per core;
 * the split and merge are the CLI's, model/da/worker-pool); otherwise (a GPU backend, or workers turned off) this
 * thread.
 */
function daRunner(service: NaDenoiseService, backend: string): DARunner | undefined {
  const pool = backend === 'wasm' ? service.pools.da?.get() : undefined;
  return pool ? (volume, model, opts) => pool.run(volume, model, opts) : undefined;
}

/**
 * Warms the engine from the moment the mode opens, before the first click: the backend is chosen, the weights load,
 * and on WASM the DA's workers start and run a tiny inference. Never throws (a failure shows at the click, which
 * retries it); everything is asynchronous, so the viewer stays responsive.
 * @example void warmEngine(naDenoiseService(servicesManager));
 */
export async function warmEngine(service: NaDenoiseService): Promise<void> {
  try {
    // The workers start while the backend is being measured (WASM wins wherever there is no GPU), and are let go
    // if a GPU backend wins.
    const workers = service.daModel.get().then((model) => service.pools.da?.get().warm(model));
    workers.catch(() => undefined);
    const sel = await service.backend.get();
    if (sel.backend !== 'wasm') await service.pools.da?.dispose();
    else await workers;
  } catch {
    // Reported when the user runs the DA.
  }
}

/**
 * The noisy source's reference-free SNR in its automatic brain mask, and that mask (what a run without repeats
 * reports beside its output's SNR); kept in the input's memo when there is one.
 */
export function sourceSnrOf(volume: Volume, memo?: InputMemo): SnrEstimate & { mask: Mask } {
  const compute = () => {
    const { mask } = resolveBrainMask(volume);
    return { mask, ...estimateSnr(volume, mask) };
  };
  return memo ? memo.once('sourceSnr', compute) : compute();
}

/** Runs the shared job on the service's backend and worker pools. */
export async function runEngine(service: NaDenoiseService, input: EngineInput): Promise<EngineRun> {
  const { method, volume, reference, signal } = input;
  const t0 = performance.now();
  const sel = await service.backend.get();
  signal?.throwIfAborted();
  // The deployment's weights come from the page's cache (warm since the mode opened); adapted ones are given.
  const weights = method === 'da' ? (input.weights ?? (await service.daModel.get())) : undefined;
  signal?.throwIfAborted();
  const warm = performance.now() - t0;
  const request = denoiseRequest(
    method,
    input.nlm ?? service.options.nlm,
    service.options.weightsUrl,
    weights,
    service.options.daBlend,
  );
  // No mask: the whole volume is denoised exactly as the CLI does; metrics use the input's automatic brain mask (see jobs/denoise-metrics).
  const result = await denoiseVolume(volume, request, {
    onProgress: (f, stage) => input.onProgress?.(f, stage ?? (method === 'da' ? 'Denoising (DA)' : 'Denoising (NLM)')),
    signal,
    reference,
    referenceKind: 'mean-of-repeats',
    workerPool: usesNlmKernel(request) ? service.pools.nlm.get() : undefined,
    daRunner: method === 'da' ? daRunner(service, sel.backend) : undefined,
    backend: sel.backend,
    memo: input.memo,
  });
  const out: EngineRun = {
    volume: result.volume,
    backend: result.backend,
    millis: result.millis,
    parameters: result.parameters,
    notices: fallbackNotices(sel),
    warnings: result.warnings,
    phases: { warm, ...result.phases },
  };
  if (result.metrics) {
    out.psnr = result.metrics.psnr;
    out.ssim = result.metrics.ssim;
    out.sourcePsnr = result.metrics.input.psnr;
    out.sourceSsim = result.metrics.input.ssim;
  } else {
    // No repeats: reference-free SNR in the automatic brain mask, σ from the noisy source's background
    // (a denoised background is too smooth to estimate noise from).
    const tSnr = performance.now();
    const { mask, ...source } = sourceSnrOf(volume, input.memo);
    out.sourceSnr = source.snr;
    out.snr = estimateSnr(result.volume, mask, source.sigma).snr;
    out.phases.metrics = performance.now() - tSnr;
  }
  return out;
}

/** The debug hook's denoiser: the same job on raw voxels, on a named backend (activated for this call). */
export function debugDenoise(service: NaDenoiseService): NaDebugDenoise {
  return async (input, request, backend) => {
    await service.backend.get();
    const volume = createVolume({ dims: input.dims, spacing: input.spacing, data: input.data });
    const req = (
      request.method === 'da'
        ? {
            weights: service.options.weightsUrl,
            ...(service.options.daBlend ? { blend: service.options.daBlend } : {}),
            ...request,
          }
        : request
    ) as DenoiseRequest;
    // 'wasm-workers': the DA on the service's Web Worker pool (as the toolbar runs it); 'wasm': on this page's thread.
    const workers = backend === 'wasm-workers';
    const r = await denoiseVolume(volume, req, {
      backend: workers ? 'wasm' : backend,
      workerPool: usesNlmKernel(req) ? service.pools.nlm.get() : undefined,
      daRunner: workers && req.method === 'da' ? daRunner(service, 'wasm') : undefined,
    });
    return { data: r.volume.data, backend: r.backend, millis: r.millis };
  };
}

/** tfjs's live tensors and bytes on the active backend (the test hook's leak check). */
export function tensorMemory(): { numTensors: number; numBytes: number } {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

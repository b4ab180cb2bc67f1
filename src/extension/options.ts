// Deployment options from window.config.naDenoise (a URL inside an [ext, config] pair is never imported, see docs).
import type { NlmOptions } from './engine';
import { type DABlend, parseBlend } from '../jobs/denoise';
import { type ModelName, parseModelName } from '../model/da/models';

export interface NaDenoiseOptions {
  /** The shipped model the DA runs: 'da' (the paper's network, default) or 'da-wide' (two stages, 9³ receptive field). */
  model: ModelName;
  /** Folder URL of the DA weights (model.json, shards, model-card.json); root-absolute or absolute. Default: the
   * chosen model's folder beside this bundle (weights/<model>/); a given URL wins over `model`, as --weights does. */
  weightsUrl: string;
  /** Folder of tfjs-backend-wasm's .wasm files (default: beside this bundle). */
  wasmPath: string;
  /** Force a tfjs backend ('wasm', 'webgl', 'webgpu', 'cpu'); default: the fastest measured. */
  backend?: string;
  /** Data source used by "Save to PACS" (a DICOMweb source with STOW); default: the active one. */
  storeDataSource?: string;
  /**
   * The DA's blend with NLM: 'sure' (default, DA_BLEND_DEFAULT: the weight chosen per input by SURE) or 'off' (the
   * network alone, the paper's method), as the CLI's --blend.
   */
  daBlend?: DABlend;
  /** NLM parameters (DIPY's: patchRadius, blockRadius, σ; implementation 'cpu' | 'tf'); defaults follow the CLI. */
  nlm?: NlmOptions;
  /** false: single-threaded WASM even when the page is cross-origin isolated (default: threads when possible). */
  wasmThreads?: boolean;
  /** false: the DA runs on the page's thread (multi-threaded WASM when isolated) instead of one Web Worker per core. */
  daWorkers?: boolean;
  /** Largest volume (voxels) denoised in one pass; bigger volumes are tiled by the engine. */
  maxVoxels: number;
  /** true: install the test hook window.__naDenoise (last run's numbers, voxels read on demand); default off. */
  debugHook?: boolean;
  /** Known concentrations (mM) of the calibration tubes in this site's scans (default 50 and 100 mM). */
  tubeConcentrationsMM?: number[];
  /** Time budget of "Adapt DA to this study" in seconds (default: the browser budget, see adaptFlow). */
  adaptSeconds?: number;
  /**
   * In the Denoise Na mode, read and analyse the shown sodium series (with its repeats) once the viewer is idle, so
   * the first click starts at the method (default true: opening the mode is the intent to denoise). false: nothing is
   * read before a click.
   */
  prefetch: boolean;
}

/** Webpack's runtime publicPath ('auto': the folder this bundle was loaded from); absent outside webpack (tests). */
declare const __webpack_public_path__: string | undefined;

/** This bundle's folder, so assets resolve wherever the admin put it. */
const BUNDLE_DIR =
  typeof __webpack_public_path__ === 'string' && __webpack_public_path__
    ? __webpack_public_path__
    : 'http://localhost/na/';

const DEFAULTS: NaDenoiseOptions = {
  // The paper's DA (weights/da/, see model/da/models.ts); naDenoise.model picks da-wide, naDenoise.weightsUrl any folder.
  model: 'da',
  weightsUrl: new URL('weights/da/', BUNDLE_DIR).href,
  wasmPath: BUNDLE_DIR,
  maxVoxels: 256 * 256 * 256,
  prefetch: true,
};

/**
 * The deployment's options: window.config.naDenoise over the defaults, URLs made absolute; an unknown model name
 * fails in one line naming the known ones. The service holds the
 * result (naDenoiseService.options); nothing else keeps a copy.
 * @example readOptions({ weightsUrl: '/na/weights/da/' }).weightsUrl // 'http://host/na/weights/da/'
 */
export function readOptions(naDenoise: Record<string, unknown> | undefined): NaDenoiseOptions {
  const raw = (naDenoise ?? {}) as Partial<NaDenoiseOptions>;
  const abs = (u: string | undefined, fallback: string) =>
    u ? new URL(u, globalThis.location?.href ?? BUNDLE_DIR).href : fallback;
  if (raw.prefetch !== undefined && typeof raw.prefetch !== 'boolean')
    throw new Error(`naDenoise.prefetch must be true or false, got ${JSON.stringify(raw.prefetch)}`);
  const model = raw.model === undefined ? DEFAULTS.model : parseModelName(String(raw.model), 'naDenoise.model');
  if (raw.daBlend !== undefined) parseBlend(raw.daBlend, 'naDenoise.daBlend');
  return {
    ...DEFAULTS,
    ...raw,
    model,
    weightsUrl: abs(raw.weightsUrl, new URL(`weights/${model}/`, BUNDLE_DIR).href).replace(/\/?$/, '/'),
    wasmPath: abs(raw.wasmPath, DEFAULTS.wasmPath).replace(/\/?$/, '/'),
    maxVoxels: raw.maxVoxels ?? DEFAULTS.maxVoxels,
    prefetch: raw.prefetch ?? DEFAULTS.prefetch,
  };
}

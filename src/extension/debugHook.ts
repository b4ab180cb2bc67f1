// window.__naDenoise: read-only hooks for the end-to-end tests and for support (last result, timings, backend).

export interface NaDebugResult {
  method: string;
  backend: string;
  millis: number;
  dims: [number, number, number];
  /** Derived voxels in source units. */
  data: Float32Array;
  /** The voxels the engine was given (full-precision read of the source volume). */
  input: Float32Array;
  reference?: Float32Array;
  metrics?: Record<string, number>;
  displaySetInstanceUID: string;
  /** The derived series' identity (deterministic, see jobs/derivedSeries) and number in the study. */
  seriesInstanceUID?: string;
  seriesNumber?: number;
  /** The run's parameters as the job reported them. */
  parameters?: Record<string, string | number | boolean>;
  /** SeriesInstanceUID of the display set the run was started on (the source, or the derived set selected). */
  selectedSeriesInstanceUID?: string;
  savedSeriesInstanceUID?: string;
}

/** Runs the shared denoising job on raw voxels in this page (tests compare backends on a crop with it). */
export type NaDebugDenoise = (
  input: { data: Float32Array; dims: [number, number, number]; spacing?: [number, number, number] },
  request: { method: 'da' | 'nlm'; [k: string]: unknown },
  backend: string,
) => Promise<{ data: Float32Array; backend: string; millis: number }>;

/** One series as the viewer read it for a run (slice order k = 0 first). */
export interface NaDebugSeriesRead {
  seriesInstanceUID: string;
  dims: [number, number, number];
  /** Image Position (Patient) of slice 0 and the slice step (mm), for matching slices with the PACS. */
  origin: [number, number, number];
  data: Float32Array;
  /** Slices whose cached (streamed) pixels differed from a fresh read and were replaced (see cornerstoneVolume). */
  replacedSlices: number[];
}

export interface NaDebugHook {
  /** Reads the active series and its repeats exactly as a "Denoise Na" run does, without denoising. */
  readSeries?: () => Promise<NaDebugSeriesRead[]>;
  /** Whether the page is cross-origin isolated (SharedArrayBuffer → multi-threaded WASM). */
  isolated?: boolean;
  denoise?: NaDebugDenoise;
  lastResult?: NaDebugResult;
  results: NaDebugResult[];
  /** SeriesInstanceUID of each finished "Save", in order. */
  saves?: string[];
  errors: string[];
  busy: boolean;
}

export function debugHook(): NaDebugHook {
  const g = globalThis as unknown as { __naDenoise?: NaDebugHook };
  if (!g.__naDenoise) g.__naDenoise = { results: [], errors: [], busy: false };
  return g.__naDenoise;
}

export function installDebugHook(denoise: NaDebugDenoise): void {
  const hook = debugHook();
  hook.isolated = globalThis.crossOriginIsolated === true;
  hook.denoise = denoise;
}

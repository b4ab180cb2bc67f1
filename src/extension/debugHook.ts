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
  savedSeriesInstanceUID?: string;
}

export interface NaDebugHook {
  lastResult?: NaDebugResult;
  results: NaDebugResult[];
  errors: string[];
  busy: boolean;
}

export function debugHook(): NaDebugHook {
  const g = globalThis as unknown as { __naDenoise?: NaDebugHook };
  if (!g.__naDenoise) g.__naDenoise = { results: [], errors: [], busy: false };
  return g.__naDenoise;
}

export function installDebugHook(): void {
  debugHook();
}

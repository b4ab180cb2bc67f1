// window.__naDenoise: a read-only view of the service for the end-to-end tests and for support, installed only when
// the deployment sets `debugHook: true`. It keeps nothing itself: the last run's numbers come from the service, and
// voxels are read on demand from what the viewer currently holds (Cornerstone's cache, or a fresh read of a source).
import type {
  AdaptationSummary,
  NaDenoiseService,
  PlacedTube,
  QuantSummary,
  RoiReadout,
  RunSummary,
} from './naDenoiseService';
import type { PrefetchStatus } from './inputPrefetch';

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

/** The voxels a display set holds now. */
export interface NaDebugVolumeRead {
  dims: [number, number, number];
  data: Float32Array;
  /** 'cache': a derived volume read from Cornerstone's cache; 'source': a stored series read fresh, as a run reads it. */
  from: 'cache' | 'source';
}

export interface NaDebugHook {
  /** Whether the page is cross-origin isolated (SharedArrayBuffer → multi-threaded WASM). */
  readonly isolated: boolean;
  /** Whether a run holds the service's run lock. */
  readonly busy: boolean;
  readonly runCount: number;
  readonly lastRun?: RunSummary;
  readonly lastAdaptation?: AdaptationSummary;
  /** The last concentration map or residual, and the last ROI readout in mM. */
  readonly lastQuant?: QuantSummary;
  readonly lastRoi?: RoiReadout;
  /** Tubes placed by clicking, "Place tubes" mode, and the last refused placement's reason. */
  readonly placedTubes: readonly PlacedTube[];
  readonly placingTubes: boolean;
  readonly tubeMessage?: string;
  readonly saveCount: number;
  readonly lastSave?: string;
  /** Derived volumes re-created after Cornerstone evicted them. */
  readonly evictionsRecovered: number;
  /** The newest failure messages (bounded). */
  readonly errors: readonly string[];
  /** The read of the shown series ahead of the first click (absent outside the Denoise Na mode). */
  readonly prefetch?: PrefetchStatus;
  /** The kept run inputs: reads started, and reads served from what was kept (or being read). */
  readonly inputs: { loads: number; hits: number; size: number };
  /** Reads the active series and its repeats exactly as a "Denoise Na" run does, without denoising. */
  readSeries(): Promise<NaDebugSeriesRead[]>;
  /** The voxels of a display set as the viewer holds them now (derived: the cached volume; else a fresh read). */
  readVolume(displaySetInstanceUID: string): Promise<NaDebugVolumeRead>;
  denoise: NaDebugDenoise;
  /** tfjs's live tensors and their bytes (tf.memory()), for leak checks. */
  tensorMemory(): { numTensors: number; numBytes: number };
}

/** What the hook reads through (the flows that know OHIF and Cornerstone supply them). */
export interface NaDebugReaders {
  readSeries: NaDebugHook['readSeries'];
  readVolume: NaDebugHook['readVolume'];
  denoise: NaDebugDenoise;
  tensorMemory: NaDebugHook['tensorMemory'];
}

/**
 * A hook whose fields read the service at the time they are read.
 * @example globalThis.__naDenoise = createDebugHook(service, readers)
 */
export function createDebugHook(service: NaDenoiseService, readers: NaDebugReaders): NaDebugHook {
  return Object.freeze({
    isolated: globalThis.crossOriginIsolated === true,
    get busy() {
      return service.runLock.busy;
    },
    get runCount() {
      return service.runCount;
    },
    get lastRun() {
      return service.lastRun && { ...service.lastRun };
    },
    get lastAdaptation() {
      return service.lastAdaptation;
    },
    get lastQuant() {
      return service.lastQuant && { ...service.lastQuant };
    },
    get lastRoi() {
      return service.lastRoi && { ...service.lastRoi };
    },
    get placedTubes() {
      return service.placedTubes;
    },
    get placingTubes() {
      return service.placingTubes;
    },
    get tubeMessage() {
      return service.tubeMessage;
    },
    get saveCount() {
      return service.saveCount;
    },
    get lastSave() {
      return service.lastSave;
    },
    get evictionsRecovered() {
      return service.evictionsRecovered;
    },
    get errors() {
      return [...service.errors];
    },
    get prefetch() {
      const p = service.prefetch;
      return p && { ...p, ...(p.analysed ? { analysed: [...p.analysed] } : {}) };
    },
    get inputs() {
      const { loads, hits, size } = service.inputs;
      return { loads, hits, size };
    },
    ...readers,
  });
}

/** Installs the hook on the page when the options ask for it (and only then). */
export function installDebugHook(service: NaDenoiseService, readers: NaDebugReaders): void {
  if (!service.options.debugHook) return;
  const hook = createDebugHook(service, readers);
  service.debugHook = hook;
  (globalThis as unknown as { __naDenoise?: NaDebugHook }).__naDenoise = hook;
}

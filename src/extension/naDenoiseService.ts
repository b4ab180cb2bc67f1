// The extension's one home for viewer state, as an OHIF service (registered in preRegistration, the way OHIF's own
// extensions register theirs): options, the tfjs backend choice, Web Worker pools, results, derived-series metadata
// aliases, reference sets and the run lock. Modules hold no mutable state of their own (test/architecture.test.ts),
// so a second app instance or a test gets fresh state and nothing outlives the page's service.
import type { NlmWorkerPool } from '../model/nlm/pool';
import type { DAWorkerPool } from '../model/da/worker-pool';
import { readOptions, type NaDenoiseOptions } from './options';
import { createBackendChoice, createModelCache, type BackendChoice, type ModelCache } from './engine';
import { createDaWorkerPool } from './daPool';
import { createNlmWorkerPool } from './nlmPool';
import { createDerivedAliases, type DerivedAliases, type DerivedVolumeSpec } from './cornerstoneVolume';
import { createRunLock, type RunLock } from './runLock';
import type { DerivedResult } from './saveRegistry';
import type { NaDebugHook } from './debugHook';
import type { ServicesManager } from './ohif';

/** A resource made on first use by its factory and freed by the service (worker pools: threads). */
export interface Owned<T> {
  /** The resource, created on the first call. */
  get(): T;
  /** The resource if it was created, without creating it. */
  peek(): T | undefined;
  /** Frees the resource (if created); the next get() makes a new one. */
  dispose(): Promise<void>;
}

/**
 * An Owned slot around a factory.
 * @example const pool = owned(() => createNlmWorkerPool(2), (p) => p.dispose()); await pool.get().run(task)
 */
export function owned<T>(create: () => T, free: (t: T) => Promise<void> | void = () => undefined): Owned<T> {
  let value: T | undefined;
  return {
    get: () => (value ??= create()),
    peek: () => value,
    async dispose() {
      const v = value;
      value = undefined;
      if (v !== undefined) await free(v);
    },
  };
}

/**
 * The Web Worker pools the service owns, each an owned() slot around its factory. `da`: the DA's pool (set by the
 * code that makes DA workers; absent until then).
 */
export interface WorkerPools {
  nlm: Owned<NlmWorkerPool>;
  da?: Owned<DAWorkerPool>;
}

/** The last finished run's numbers (no voxels: those stay in Cornerstone's cache, read on demand). */
export interface RunSummary {
  method: string;
  backend: string;
  millis: number;
  dims: [number, number, number];
  metrics: Record<string, number>;
  /** The derived display set, its source's and the reference's (mean of repeats), when made. */
  displaySetInstanceUID: string;
  sourceDisplaySetInstanceUID: string;
  referenceDisplaySetInstanceUID?: string;
  seriesInstanceUID: string;
  seriesNumber: number;
  parameters: Record<string, string | number | boolean>;
  /** SeriesInstanceUID of the display set the run was started on (the source, or the derived set selected). */
  selectedSeriesInstanceUID: string;
  savedSeriesInstanceUID?: string;
}

/** The last concentration map or residual made: what it is, its series, and for a map the fit and its tubes. */
export interface QuantSummary {
  kind: 'concentration' | 'residual';
  displaySetInstanceUID: string;
  seriesInstanceUID: string;
  /** The display set it was computed from (an original, or a denoised set). */
  inputDisplaySetInstanceUID: string;
  calibration?: { slope: number; intercept: number; r2: number; rmsResidualMM: number };
  tubes?: Array<{
    centreMm: number[];
    concentrationMM: number;
    meanSignal: number;
    residualMM: number;
    voxels: number;
  }>;
  tubeSource?: 'detected' | 'positions';
  /** The line shown to the reader (fit, or what the residual subtracts). */
  text: string;
}

/** The last ROI read out in mM on a concentration map. */
export interface RoiReadout {
  displaySetInstanceUID: string;
  annotationUID: string;
  shape: 'ellipse' | 'rectangle';
  mean: number;
  sd: number;
  voxels: number;
  /** e.g. "ROI 41.2 ± 3.9 mM (23 voxels)". */
  text: string;
}

/** The "Adapt DA" run's record, for the hook. */
export type AdaptationSummary = Record<string, unknown> & { displaySetInstanceUID?: string };

/** How many failure messages are kept (the newest), so a long session does not grow them without bound. */
const KEPT_ENTRIES = 20;

export class NaDenoiseService {
  static REGISTRATION = {
    name: 'naDenoiseService',
    altName: 'NaDenoiseService',
    /** `configuration`: window.config.naDenoise, passed by preRegistration. */
    create: ({ configuration }: { configuration?: Record<string, unknown>; servicesManager?: ServicesManager }) =>
      new NaDenoiseService(readOptions(configuration)),
  };

  readonly options: NaDenoiseOptions;
  /** The tfjs backend, chosen once per page (WASM paths set first). */
  readonly backend: BackendChoice;
  readonly pools: WorkerPools;
  /** The deployment's DA weights, loaded once (warm from mode entry, see engine.warmEngine). */
  readonly daModel: ModelCache;
  /** Held while a run (denoise, adapt) is in progress: one run at a time. */
  readonly runLock: RunLock;
  /** What Save needs about each derived series we made, by display set UID (metadata; voxels stay in the cache). */
  readonly results = new Map<string, DerivedResult>();
  /** Reference display sets already made, per source display set (the mean of repeats does not depend on the method). */
  readonly referenceSets = new Map<string, string>();
  /**
   * Every derived volume we cached (denoised and reference), by display set UID: what re-creates it if Cornerstone
   * evicts it while its display set exists (derivedVolumeKeeper). Its buffer is the one the cached slices view.
   */
  readonly derivedVolumes = new Map<string, DerivedVolumeSpec>();
  /** Metadata of derived image ids answered from their source slices. */
  readonly aliases: DerivedAliases;
  lastRun?: RunSummary;
  lastAdaptation?: AdaptationSummary;
  /** The last concentration map or residual, and the last ROI readout in mM (for the panel and the hook). */
  lastQuant?: QuantSummary;
  lastRoi?: RoiReadout;
  /** Stops the ROI readout's annotation listener (set on mode entry). */
  stopRoiReadout?: () => void;
  /** Finished runs and saves since the page opened, and the last save's SeriesInstanceUID. */
  runCount = 0;
  saveCount = 0;
  /** Derived volumes re-created after Cornerstone evicted them (derivedVolumeKeeper). */
  evictionsRecovered = 0;
  lastSave?: string;
  /** Failure messages of runs and saves, newest last (at most KEPT_ENTRIES). */
  readonly errors: string[] = [];
  /** The test hook (window.__naDenoise), present only when options.debugHook is set. */
  debugHook?: NaDebugHook;
  /** Stops the watch that re-creates evicted derived volumes (set by preRegistration). */
  stopKeeper?: () => void;

  constructor(options: NaDenoiseOptions) {
    this.options = options;
    this.backend = createBackendChoice(options);
    this.pools = {
      nlm: owned(
        () => createNlmWorkerPool(),
        (p) => p.dispose(),
      ),
      // The DA on Web Workers unless the deployment runs it on this thread (multi-threaded WASM when isolated).
      ...(options.daWorkers === false
        ? {}
        : {
            da: owned(
              () => createDaWorkerPool(options.wasmPath),
              (p) => p.dispose(),
            ),
          }),
    };
    this.daModel = createModelCache(options.weightsUrl);
    this.runLock = createRunLock();
    this.aliases = createDerivedAliases();
  }

  /** Records a failure message (kept for the hook and support; bounded). */
  recordError(message: string): void {
    this.errors.push(message);
    if (this.errors.length > KEPT_ENTRIES) this.errors.splice(0, this.errors.length - KEPT_ENTRIES);
  }

  /** Records a finished run (replacing the previous one's numbers). */
  recordRun(summary: RunSummary): void {
    this.lastRun = summary;
    this.runCount++;
  }

  /** Records a finished save. */
  recordSave(displaySetInstanceUID: string, seriesInstanceUID: string): void {
    this.saveCount++;
    this.lastSave = seriesInstanceUID;
    if (this.lastRun?.displaySetInstanceUID === displaySetInstanceUID)
      this.lastRun.savedSeriesInstanceUID = seriesInstanceUID;
  }

  /** Forgets a derived display set OHIF removed: its voxels, Save record, reference entry and metadata aliases. */
  forgetDerived(displaySetInstanceUID: string, sliceIds: readonly string[] = []): void {
    this.results.delete(displaySetInstanceUID);
    this.derivedVolumes.delete(displaySetInstanceUID);
    for (const [source, ref] of this.referenceSets)
      if (ref === displaySetInstanceUID) this.referenceSets.delete(source);
    this.aliases.remove(sliceIds);
  }

  /**
   * OHIF calls every service's onModeExit when the viewer leaves a mode: the study's display sets are gone, so are
   * our results, and the worker threads are freed.
   */
  onModeExit(): void {
    this.results.clear();
    this.derivedVolumes.clear();
    this.referenceSets.clear();
    this.aliases.clear();
    this.lastRun = undefined;
    this.lastAdaptation = undefined;
    this.lastQuant = undefined;
    this.stopRoiReadout?.();
    this.stopRoiReadout = undefined;
    this.lastRoi = undefined;
    void this.disposePools();
  }

  /** Frees the worker pools (threads); the next run makes new ones. */
  async disposePools(): Promise<void> {
    await Promise.all([this.pools.nlm.dispose(), this.pools.da?.dispose()]);
  }
}

/**
 * The page's service, from OHIF's services manager; throws if preRegistration did not register it.
 * @example const service = naDenoiseService(servicesManager); if (service.runLock.busy) …
 */
export function naDenoiseService(servicesManager: ServicesManager): NaDenoiseService {
  const s = (servicesManager.services as { naDenoiseService?: NaDenoiseService }).naDenoiseService;
  if (!s) throw new Error('naDenoiseService is not registered (the Denoise Na extension did not pre-register)');
  return s;
}

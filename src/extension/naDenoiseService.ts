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
import type { ServicesManager, Subscription } from './ohif';
import type { TubePlacementContext } from '../core/tubes';
import type { Vec3, Volume } from '../core/volume';
import { createInputCache, type InputCache } from './inputCache';
import type { RunInput } from './denoiseFlow';
import type { PrefetchStatus } from './inputPrefetch';

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
  /**
   * Where the click's time went, ms, in order: the command's start (target, lock, progress panel), reading the series, waiting for the backend and weights, the job's
   * steps (region, analysis, method, waitForAnalysis, metrics), adding the derived series, the layout.
   */
  phases?: Record<string, number>;
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

/** A calibration tube the user placed by clicking (Cornerstone Probe annotation as its marker). */
export interface PlacedTube {
  /** The marker annotation's UID (removing the marker removes the tube, and the other way round). */
  id: string;
  positionMm: Vec3;
  /** Voxel index it falls in, on the series it was placed on. */
  voxel: Vec3;
  concentrationMM: number;
  /** The acquisition it belongs to: the original display set (a click on a denoised result counts for its source). */
  seriesDisplaySetInstanceUID: string;
  seriesName: string;
}

/** The voxels and levels a placement is checked against, per acquisition (computed on the first click). */
export interface PlacementInput {
  volume: Volume;
  context: TubePlacementContext;
}

/**
 * A Map that tells its owner when an entry is set, deleted or cleared (the service's records, so the panel re-renders
 * on the change itself rather than polling).
 */
class ObservedMap<K, V> extends Map<K, V> {
  constructor(private readonly changed: () => void) {
    super();
  }
  override set(key: K, value: V): this {
    super.set(key, value);
    this.changed?.();
    return this;
  }
  override delete(key: K): boolean {
    const had = super.delete(key);
    if (had) this.changed();
    return had;
  }
  override clear(): void {
    const had = this.size > 0;
    super.clear();
    if (had) this.changed();
  }
}

/** The "Adapt DA" run's record, for the hook. */
export type AdaptationSummary = Record<string, unknown> & { displaySetInstanceUID?: string };

/** How many failure messages are kept (the newest), so a long session does not grow them without bound. */
const KEPT_ENTRIES = 20;

/** Events the service publishes (OHIF's PubSubService shape: `subscribe(event, cb)` → `{ unsubscribe }`). */
export const NA_SERVICE_EVENTS = Object.freeze({
  /** Something the panel shows changed: results, last run/map/ROI, saves, placed tubes, placement mode. */
  CHANGED: 'event::naDenoiseService:changed',
} as const);

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
  readonly EVENTS = NA_SERVICE_EVENTS;
  /** Subscribers by event name (OHIF services keep theirs the same way: per instance, never module-wide). */
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  /** What Save needs about each derived series we made, by display set UID (metadata; voxels stay in the cache). */
  readonly results: Map<string, DerivedResult> = new ObservedMap(() => this.changed('results'));
  /** Reference display sets already made, per source display set (the mean of repeats does not depend on the method). */
  readonly referenceSets = new Map<string, string>();
  /**
   * Every derived volume we cached (denoised and reference), by display set UID: what re-creates it if Cornerstone
   * evicts it while its display set exists (derivedVolumeKeeper). Its buffer is the one the cached slices view.
   */
  readonly derivedVolumes = new Map<string, DerivedVolumeSpec>();
  /** Metadata of derived image ids answered from their source slices. */
  readonly aliases: DerivedAliases;
  /** The last series read for a run, with its repeats, their mean and its analysis: the next run on it reads nothing. */
  readonly inputs: InputCache<RunInput> = createInputCache<RunInput>();
  /** Stops the watch that forgets kept inputs whose display sets are removed or invalidated (set by preRegistration). */
  stopInputWatch?: () => void;
  /** The read of the shown series ahead of the first click (inputPrefetch), while the Denoise Na mode is open. */
  prefetch?: PrefetchStatus;
  /** Stops that read and its watch (set when the mode starts it). */
  stopPrefetch?: () => void;
  lastRun?: RunSummary;
  lastAdaptation?: AdaptationSummary;
  #lastQuant?: QuantSummary;
  #lastRoi?: RoiReadout;
  /** Calibration tubes placed by clicking, in placement order (all acquisitions; see placedTubesFor). */
  readonly #placedTubes: PlacedTube[] = [];
  /** True while clicks on a series place tubes ("Place tubes" mode). */
  #placingTubes = false;
  /** The last placement refused (one line), cleared by the next accepted one. */
  #tubeMessage?: string;
  /** Voxels and levels of the acquisition tubes are being placed on (one at a time; dropped when placing stops). */
  readonly placementInputs = new Map<string, Promise<PlacementInput>>();
  /** Stops the tube placement's annotation listener (set on mode entry), and restores the tools placing replaced. */
  stopTubeWatch?: () => void;
  /** Gives the primary mouse button back to the tools "Place tubes" replaced (set while placing). */
  restoreTools?: () => void;
  /** Unmounts the Sodium panel and ends its subscriptions (set when it is mounted). */
  unmountPanel?: () => void;
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

  /**
   * Calls `callback` on each `event` (NA_SERVICE_EVENTS) until unsubscribed.
   * @example const sub = service.subscribe(service.EVENTS.CHANGED, render); … sub.unsubscribe()
   */
  subscribe(event: string, callback: (payload: unknown) => void): Subscription {
    if (!Object.values(NA_SERVICE_EVENTS).includes(event as never))
      throw new Error(
        `naDenoiseService has no event "${event}" (it has ${Object.values(NA_SERVICE_EVENTS).join(', ')})`,
      );
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    // A wrapper per subscription: the same callback subscribed twice is two subscriptions.
    const entry = (payload: unknown) => callback(payload);
    set.add(entry);
    return { unsubscribe: () => void set.delete(entry) };
  }

  /** Subscribers of `event` (for tests and teardown checks). */
  listenerCount(event: string): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Publishes `event` to its subscribers; one failing subscriber does not keep the others from it. */
  protected _broadcastEvent(event: string, payload: unknown): void {
    for (const callback of [...(this.listeners.get(event) ?? [])]) {
      try {
        callback(payload);
      } catch (e) {
        console.error(`[na-denoise] ${event} subscriber failed:`, e);
      }
    }
  }

  /** Publishes CHANGED with what changed (subscribers re-read the service; the payload only says what). */
  changed(what: string): void {
    this._broadcastEvent(NA_SERVICE_EVENTS.CHANGED, { what });
  }

  /** The last concentration map or residual (for the panel and the hook). */
  get lastQuant(): QuantSummary | undefined {
    return this.#lastQuant;
  }
  set lastQuant(q: QuantSummary | undefined) {
    this.#lastQuant = q;
    this.changed('lastQuant');
  }

  /** The last ROI readout in mM. */
  get lastRoi(): RoiReadout | undefined {
    return this.#lastRoi;
  }
  set lastRoi(r: RoiReadout | undefined) {
    this.#lastRoi = r;
    this.changed('lastRoi');
  }

  /** Placed tubes (a frozen copy, placement order). */
  get placedTubes(): readonly PlacedTube[] {
    return Object.freeze(this.#placedTubes.map((t) => Object.freeze({ ...t })));
  }

  /** The tubes placed on one acquisition (its original display set), in placement order. */
  placedTubesFor(seriesDisplaySetInstanceUID: string): PlacedTube[] {
    return this.#placedTubes
      .filter((t) => t.seriesDisplaySetInstanceUID === seriesDisplaySetInstanceUID)
      .map((t) => ({ ...t }));
  }

  get placingTubes(): boolean {
    return this.#placingTubes;
  }

  /** The last refused placement's one-line reason (undefined after an accepted one). */
  get tubeMessage(): string | undefined {
    return this.#tubeMessage;
  }

  /** Turns "Place tubes" mode on or off (off also drops the placement voxels). */
  setPlacingTubes(on: boolean): void {
    if (!on) this.placementInputs.clear();
    if (this.#placingTubes === on) return;
    this.#placingTubes = on;
    this.#tubeMessage = undefined;
    this.changed('placingTubes');
  }

  /** Records a refused placement (shown in the panel) without changing the tubes. */
  refuseTube(message: string): void {
    this.#tubeMessage = message;
    this.changed('tubeMessage');
  }

  /** Adds a placed tube, or replaces the one with the same id (its marker moved). */
  placeTube(tube: PlacedTube): void {
    assertConcentration(tube.concentrationMM);
    const at = this.#placedTubes.findIndex((t) => t.id === tube.id);
    if (at >= 0) this.#placedTubes[at] = { ...tube };
    else this.#placedTubes.push({ ...tube });
    this.#tubeMessage = undefined;
    this.changed('placedTubes');
  }

  /** Removes a placed tube; false when there was none with that id. */
  removeTube(id: string): boolean {
    const at = this.#placedTubes.findIndex((t) => t.id === id);
    if (at < 0) return false;
    this.#placedTubes.splice(at, 1);
    this.changed('placedTubes');
    return true;
  }

  /** Sets a placed tube's known concentration (mM). @throws one line for an unknown tube or a bad value */
  setTubeConcentration(id: string, concentrationMM: number): void {
    assertConcentration(concentrationMM);
    const tube = this.#placedTubes.find((t) => t.id === id);
    if (!tube) throw new Error(`no placed tube ${id}`);
    tube.concentrationMM = concentrationMM;
    this.changed('placedTubes');
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
    this.changed('lastRun');
  }

  /** Records a finished save. */
  recordSave(displaySetInstanceUID: string, seriesInstanceUID: string): void {
    this.saveCount++;
    this.lastSave = seriesInstanceUID;
    if (this.lastRun?.displaySetInstanceUID === displaySetInstanceUID)
      this.lastRun.savedSeriesInstanceUID = seriesInstanceUID;
    this.changed('save');
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
    this.stopPrefetch?.();
    this.stopPrefetch = undefined;
    this.results.clear();
    this.derivedVolumes.clear();
    this.referenceSets.clear();
    this.aliases.clear();
    this.inputs.clear();
    this.lastRun = undefined;
    this.lastAdaptation = undefined;
    this.lastQuant = undefined;
    this.stopRoiReadout?.();
    this.stopRoiReadout = undefined;
    this.lastRoi = undefined;
    this.stopTubeWatch?.();
    this.stopTubeWatch = undefined;
    this.restoreTools = undefined;
    this.#placedTubes.length = 0;
    this.setPlacingTubes(false);
    this.changed('modeExit');
    void this.disposePools();
  }

  /** Frees the worker pools (threads); the next run makes new ones. */
  async disposePools(): Promise<void> {
    await Promise.all([this.pools.nlm.dispose(), this.pools.da?.dispose()]);
  }
}

/** A tube's known concentration: finite and ≥ 0 mM (0: a water tube is a valid zero point). */
function assertConcentration(mM: number): void {
  if (!Number.isFinite(mM) || mM < 0) throw new Error(`a tube concentration must be a number ≥ 0 mM, got ${mM}`);
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

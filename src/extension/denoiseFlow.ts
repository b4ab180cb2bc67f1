// The "Denoise Na" click: active sodium series → full-precision volume (+ repeats → reference) → denoiseVolume →
// derived display set in the study browser → comparison layout with metrics. Cancel leaves nothing behind.
import { notifyCancelled, notifyFailed } from './runOutcome';
import type { DisplaySet, ExtensionParams } from './ohif';
import { denoiseTarget, seriesName } from './target';
import { findRepeats } from './repeats';
import { activeDisplaySet } from './viewerState';
import {
  cacheDerivedVolume,
  derivedVolumeSpec,
  imageIdsOf,
  isStillCached,
  loadSeriesVolume,
  readCachedVolume,
  replaceDerivedVolumeData,
  type LoadedSeriesVolume,
} from './cornerstoneVolume';
import { inputKey, type InputKey } from './inputCache';
import { buildDerivedDisplaySet, derivedSeriesDescription, nextSeriesNumber } from './displaySet';
import { blendText } from '../jobs/sure-blend';
import { derivedSeriesKey, derivedSeriesUid, type DerivedSeriesKey } from '../jobs/derivedSeries';
import { thumbnailDataUrl, windowOf } from './thumbnail';
import { openProgressPanel } from './progressPanel';
import { runEngine, type EngineMethod, type EngineRun, type NlmOptions } from './engine';
import type { NaDebugSeriesRead, NaDebugVolumeRead } from './debugHook';
import { naDenoiseService, type NaDenoiseService } from './naDenoiseService';
import { DERIVED_FLAG, HANGING_PROTOCOL_ID } from './id';
import { SELECTORS, comparisonViewportIds } from './getHangingProtocolModule';
import { alignWindowLevel } from './windowLevel';
import { OVERLAY_FIELD } from './customizations/overlay';
import { formatMillis, type MethodLabel, type NaOverlayInfo } from './metricsText';
import { newUid } from '../io/dicom/uid';
import { meanVolume, type Volume } from '../core/volume';
import type { LoadedDA } from '../model/da/weights-io';
import { derivedSource } from './saveRegistry';
import { createInputMemo, type InputMemo } from '../jobs/input-memo';

export interface DenoiseCommandOptions {
  method?: EngineMethod;
  /** NLM parameters overriding window.config.naDenoise.nlm. */
  nlm?: NlmOptions;
  /** DA weights other than the deployment's (adapted to this study), and what the overlay says about them. */
  model?: LoadedDA;
  adaptation?: NaOverlayInfo['adaptation'];
}

const TITLE = 'Denoise Na';

function isAbort(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (e instanceof Error && e.name === 'AbortError');
}

/**
 * The source volume and its repeated acquisitions (same study, same grid), each read in full and verified. The
 * series are read at once (their frames are small requests: one after the other, the read waited on each round
 * trip; 2.6 s for three 64³ series at load 7); the first failure stops the others.
 */
export async function loadWithRepeats(
  params: ExtensionParams,
  source: DisplaySet,
  signal?: AbortSignal,
  onStage?: (message: string) => void,
  repeats = findRepeats(source, params.servicesManager.services.displaySetService.getActiveDisplaySets()),
): Promise<{ loaded: LoadedSeriesVolume; repeats: DisplaySet[]; repeatVolumes: LoadedSeriesVolume[] }> {
  const { extensionManager } = params;
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const stopOthers = (e: unknown) => {
    stop.abort(e);
    throw e;
  };
  if (repeats.length) onStage?.(`Loading the series and its ${repeats.length} repeated acquisitions`);
  try {
    const [loaded, ...repeatVolumes] = await Promise.all([
      loadSeriesVolume(source, extensionManager, stop.signal).catch(stopOthers),
      ...repeats.map((r) => loadSeriesVolume(r, extensionManager, stop.signal, { display: false }).catch(stopOthers)),
    ]);
    return { loaded, repeats, repeatVolumes };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** What a run reads: the source and its repeats in full precision, and their mean (the reference) when there are some. */
export interface RunInput {
  loaded: LoadedSeriesVolume;
  repeats: DisplaySet[];
  repeatVolumes: LoadedSeriesVolume[];
  reference?: Volume;
  /** What the runs learn about this input (head, brain mask, regime, input metrics), kept with it. */
  memo: InputMemo;
}

/** What identifies a run's read of `source`: the source and its repeats (the study's other acquisitions on its grid). */
export function runInputKey(params: ExtensionParams, source: DisplaySet): { key: InputKey; repeats: DisplaySet[] } {
  const repeats = findRepeats(source, params.servicesManager.services.displaySetService.getActiveDisplaySets());
  return { key: inputKey([source, ...repeats], (ds) => imageIdsOf(ds, params.extensionManager)), repeats };
}

/**
 * The run's input, read once per series and kept by the service (inputCache): a second run on the same series and
 * repeats, with the same images and the source's Cornerstone volume still the one read, reuses it, and so does a
 * click during the read ahead of it (inputPrefetch). The voxels are the stored frames either way (loadSeriesVolume's
 * fresh read), never the streamed ones. `signal` stops this caller's wait at once; it stops the read itself only
 * when this caller started it.
 */
export function readRunInput(
  params: ExtensionParams,
  service: NaDenoiseService,
  source: DisplaySet,
  signal: AbortSignal,
  onStage: (message: string) => void,
): Promise<RunInput> {
  const { key, repeats } = runInputKey(params, source);
  const input = service.inputs.get(
    key,
    async () => {
      const read = await loadWithRepeats(params, source, signal, onStage, repeats);
      const { loaded, repeatVolumes } = read;
      const reference = repeatVolumes.length
        ? meanVolume([loaded.volume, ...repeatVolumes.map((r) => r.volume)])
        : undefined;
      return { ...read, reference, memo: createInputMemo(loaded.volume, reference) };
    },
    (kept) => isStillCached(kept.loaded),
  );
  return untilAborted(input, signal);
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason ?? new DOMException('Cancelled', 'AbortError'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new DOMException('Cancelled', 'AbortError'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The debug hook's volume reader: a derived or reference set we made is read from Cornerstone's cache (what the
 * viewer shows and Save stores); any other display set is read fresh from its source, as a run reads it.
 */
export async function readVolumeForDebug(
  params: ExtensionParams,
  displaySetInstanceUID: string,
): Promise<NaDebugVolumeRead> {
  const service = naDenoiseService(params.servicesManager);
  const ds = params.servicesManager.services.displaySetService.getDisplaySetByUID(displaySetInstanceUID);
  if (!ds) throw new Error(`No display set ${displaySetInstanceUID}`);
  const ours = service.derivedVolumes.has(displaySetInstanceUID);
  if (ours) {
    const cached = readCachedVolume(displaySetInstanceUID);
    if (!cached) throw new Error(`"${seriesName(ds)}" is no longer in Cornerstone's cache`);
    return { ...cached, from: 'cache' };
  }
  const loaded = await loadSeriesVolume(ds, params.extensionManager, undefined, { display: false });
  return { dims: loaded.volume.dims, data: loaded.volume.data, from: 'source' };
}

/** The debug hook's reader: what a run would read from the active series and its repeats (tests compare with the PACS). */
export async function readSeriesForDebug(params: ExtensionParams): Promise<NaDebugSeriesRead[]> {
  const target = denoiseTarget(
    activeDisplaySet(params.servicesManager),
    params.servicesManager.services.displaySetService.getActiveDisplaySets(),
  );
  if (!target.ok) throw new Error(target.reason);
  const source = target.source;
  const { loaded, repeats, repeatVolumes } = await loadWithRepeats(params, source);
  return [source, ...repeats].map((ds, i) => {
    const v = i === 0 ? loaded : repeatVolumes[i - 1];
    return {
      seriesInstanceUID: ds.SeriesInstanceUID,
      dims: v.volume.dims,
      origin: [...v.volume.origin] as [number, number, number],
      data: v.volume.data,
      replacedSlices: v.replacedSlices ?? [],
    };
  });
}

export async function runDenoise(params: ExtensionParams, opts: DenoiseCommandOptions): Promise<string | undefined> {
  const tEntry = performance.now();
  const { servicesManager } = params;
  const { uiNotificationService, hangingProtocolService } = servicesManager.services;
  const service = naDenoiseService(servicesManager);
  const method: EngineMethod = opts.method === 'nlm' ? 'nlm' : 'da';
  const label: MethodLabel = method === 'da' ? 'DA' : 'NLM';

  // On a derived series (a result, the reference, a saved DERIVED series) the buttons act on its source series.
  const target = denoiseTarget(
    activeDisplaySet(servicesManager),
    servicesManager.services.displaySetService.getActiveDisplaySets(),
  );
  if (!target.ok) {
    uiNotificationService.show({ title: TITLE, message: target.reason, type: 'warning', duration: 6000 });
    return undefined;
  }
  const source = target.source;
  if (target.derivedFrom) {
    uiNotificationService.show({
      title: TITLE,
      message: `${seriesName(target.derivedFrom)} is derived: denoising its source ${seriesName(source)} instead.`,
      type: 'info',
      duration: 5000,
    });
  }
  const release = service.runLock.tryAcquire(label);
  if (!release) {
    uiNotificationService.show({ title: TITLE, message: 'A denoising run is already in progress.', type: 'info' });
    return undefined;
  }
  const abort = new AbortController();
  const panel = openProgressPanel(`${TITLE} (${label}): ${source.SeriesDescription ?? 'sodium series'}`, () =>
    abort.abort(),
  );
  try {
    const t0 = performance.now();
    panel.update(0, 'Loading the series');
    const { loaded, repeats, reference, memo } = await readRunInput(params, service, source, abort.signal, (m) =>
      panel.update(0, m),
    );
    const voxels = loaded.volume.data.length;
    if (voxels > service.options.maxVoxels) {
      uiNotificationService.show({
        title: TITLE,
        message: `Large volume (${loaded.volume.dims.join('×')}): it is processed in tiles, which takes longer.`,
        type: 'info',
        duration: 6000,
      });
    }
    const tRead = performance.now();

    const run = await runEngine(service, {
      method,
      volume: loaded.volume,
      reference,
      nlm: opts.nlm,
      weights: opts.model,
      memo,
      signal: abort.signal,
      onProgress: (f, message) => panel.update(f, message),
    });
    const tEngine = performance.now();
    abort.signal.throwIfAborted();
    for (const n of run.notices)
      uiNotificationService.show({ title: TITLE, message: n, type: 'warning', duration: 8000 });

    const uid = addDerivedSets(
      params,
      service,
      source,
      loaded,
      run,
      label,
      reference,
      repeats.length + 1,
      opts.adaptation,
    );
    const tDerived = performance.now();
    // Where the seconds go (the viewer bench prints them); layout is filled in once the protocol is set.
    const phases: Record<string, number> = {
      start: t0 - tEntry,
      read: tRead - t0,
      ...run.phases,
      engineOther:
        tEngine - tRead - Object.entries(run.phases).reduce((a, [k, v]) => (k === 'analysisOverlapped' ? a : a + v), 0),
      derivedSeries: tDerived - tEngine,
      layout: 0,
    };
    service.recordRun({
      method: label,
      backend: run.backend,
      millis: run.millis,
      dims: run.volume.dims,
      metrics: Object.fromEntries(
        Object.entries({
          psnr: run.psnr,
          ssim: run.ssim,
          sourcePsnr: run.sourcePsnr,
          sourceSsim: run.sourceSsim,
          snr: run.snr,
          sourceSnr: run.sourceSnr,
        }).filter(([, v]) => v !== undefined),
      ) as Record<string, number>,
      displaySetInstanceUID: uid.denoised,
      sourceDisplaySetInstanceUID: source.displaySetInstanceUID,
      referenceDisplaySetInstanceUID: uid.reference,
      seriesInstanceUID: uid.seriesInstanceUID,
      seriesNumber: uid.seriesNumber,
      parameters: run.parameters,
      selectedSeriesInstanceUID: (target.derivedFrom ?? source).SeriesInstanceUID,
      phases,
    });

    const selectorMap: Record<string, string[]> = {
      [`${source.StudyInstanceUID}:${SELECTORS.original}:0`]: [source.displaySetInstanceUID],
      [`${source.StudyInstanceUID}:${SELECTORS.denoised}:0`]: [uid.denoised],
    };
    if (uid.reference) selectorMap[`${source.StudyInstanceUID}:${SELECTORS.reference}:0`] = [uid.reference];
    const stageIndex = uid.reference ? 0 : 1;
    hangingProtocolService.setProtocol(HANGING_PROTOCOL_ID, { displaySetSelectorMap: selectorMap, stageIndex });
    void alignWindowLevel(servicesManager.services.cornerstoneViewportService, comparisonViewportIds(stageIndex));
    phases.layout = performance.now() - tDerived;

    uiNotificationService.show({
      title: TITLE,
      message: `${label} done on ${run.backend.toUpperCase()} in ${formatMillis(run.millis)}: "${derivedSeriesDescription('denoised', label)}" added.`,
      type: 'success',
      duration: 5000,
    });
    return uid.denoised;
  } catch (e) {
    if (isAbort(e, abort.signal)) {
      notifyCancelled(uiNotificationService, TITLE);
      return undefined;
    }
    notifyFailed(uiNotificationService, TITLE, e, service);
    return undefined;
  } finally {
    release();
    panel.close();
  }
}

/**
 * The run's derived-series key, through the one definition the batch worker uses (jobs/derivedSeries): NLM's σ
 * counts as 'estimated' unless it was given; the DA is named by its card and weights checksum.
 */
function runKey(sourceUid: string, p: EngineRun['parameters'], label: MethodLabel): DerivedSeriesKey {
  if (label === 'DA') {
    const checksum = typeof p.modelSha256 === 'string' ? p.modelSha256 : undefined;
    return derivedSeriesKey(
      sourceUid,
      { method: 'da' },
      {
        card: { name: String(p.model ?? ''), version: String(p.modelVersion ?? '') },
        checksum,
      },
    );
  }
  return derivedSeriesKey(sourceUid, {
    method: 'nlm',
    sigma: p.sigmaSource === 'given' ? Number(p.sigma) : undefined,
    patchRadius: Number(p.patchRadius),
    blockRadius: Number(p.blockRadius),
    rician: p.rician !== false,
  });
}

/** Caches the derived volumes and adds their display sets; metrics are set before the sets are shown. */
function addDerivedSets(
  params: ExtensionParams,
  service: NaDenoiseService,
  source: DisplaySet,
  loaded: LoadedSeriesVolume,
  run: EngineRun,
  label: MethodLabel,
  reference: Volume | undefined,
  referenceCount: number,
  adaptation?: NaOverlayInfo['adaptation'],
): { denoised: string; reference?: string; seriesInstanceUID: string; seriesNumber: number } {
  const { displaySetService } = params.servicesManager.services;
  const sets: DisplaySet[] = [];
  // Thumbnails of derived sets use the source's window, so they compare at a glance with the source's thumbnail.
  const sourceWindow = windowOf(loaded.volume.data, source);

  let denoisedUid: string = crypto.randomUUID();
  // The same source, method, parameters and model give the same series: a repeat run replaces the earlier result
  // (in the study browser, and on the PACS when saved), keeping its series number.
  const seriesInstanceUID = derivedSeriesUid(runKey(source.SeriesInstanceUID, run.parameters, label));
  const all = displaySetService.getActiveDisplaySets().filter((d) => d.StudyInstanceUID === source.StudyInstanceUID);
  const earlier = all.filter((d) => d.SeriesInstanceUID === seriesInstanceUID);
  const seriesNumber = earlier.length ? Number(earlier[0].SeriesNumber) : nextSeriesNumber(all);
  // Our own earlier result is replaced in place (its volume gets the new voxels); a saved copy from the PACS keeps
  // its place and number in the study browser.
  const mine = earlier.find((d) => d[DERIVED_FLAG] && service.derivedVolumes.has(d.displaySetInstanceUID));
  const kept = mine && service.derivedVolumes.get(mine.displaySetInstanceUID);
  if (mine && kept) {
    denoisedUid = mine.displaySetInstanceUID;
    // One buffer per derived series: the cached slices view it, so the new voxels go into it (and the cache is told);
    // an evicted volume is re-created from it.
    kept.data.set(run.volume.data);
    if (!replaceDerivedVolumeData(denoisedUid, kept.data)) cacheDerivedVolume(service.aliases, kept);
  }
  const volume = kept ? { ...run.volume, data: kept.data } : run.volume;

  const quality = reference ? { psnr: run.psnr, ssim: run.ssim } : { snr: run.snr };
  const denoisedOverlay: NaOverlayInfo = {
    role: 'denoised',
    method: label,
    backend: run.backend,
    millis: run.millis,
    referenceCount,
    warnings: run.warnings,
    ...(label === 'DA' && run.parameters.model
      ? { model: `${run.parameters.model} ${run.parameters.modelVersion ?? ''}`.trim() }
      : {}),
    ...(label === 'DA' && blendText(run.parameters) ? { blend: blendText(run.parameters) } : {}),
    ...quality,
    ...(adaptation ? { adaptation } : {}),
  };
  const thumbnailSrc = thumbnailDataUrl(run.volume.data, run.volume.dims, sourceWindow);
  if (mine) {
    mine[OVERLAY_FIELD] = denoisedOverlay;
    mine.thumbnailSrc = thumbnailSrc;
  } else {
    const spec = derivedVolumeSpec(loaded, denoisedUid, run.volume.data);
    const derivedVolume = cacheDerivedVolume(service.aliases, spec);
    service.derivedVolumes.set(denoisedUid, spec);
    const imageIds = derivedVolume.imageIds?.length ? [...derivedVolume.imageIds] : [...loaded.imageIds];
    sets.push(
      buildDerivedDisplaySet({
        source,
        role: 'denoised',
        method: label,
        displaySetInstanceUID: denoisedUid,
        seriesInstanceUID,
        imageIds,
        overlay: denoisedOverlay,
        seriesNumber,
        thumbnailSrc,
      }),
    );
  }
  service.results.set(denoisedUid, {
    volume,
    method: label,
    parameters: { ...run.parameters, backend: run.backend },
    seriesInstanceUID,
    seriesDescription: derivedSeriesDescription('denoised', label, 0, adaptation?.adapted),
    seriesNumber,
    source: derivedSource(source, loaded),
    saved: [],
  });

  let referenceUid: string | undefined;
  if (reference) {
    referenceUid = service.referenceSets.get(source.displaySetInstanceUID);
    if (!referenceUid || !displaySetService.getDisplaySetByUID(referenceUid)) {
      referenceUid = crypto.randomUUID();
      const refSpec = derivedVolumeSpec(loaded, referenceUid, reference.data);
      const refVolume = cacheDerivedVolume(service.aliases, refSpec);
      service.derivedVolumes.set(referenceUid, refSpec);
      sets.push(
        buildDerivedDisplaySet({
          source,
          role: 'reference',
          method: label,
          displaySetInstanceUID: referenceUid,
          seriesInstanceUID: newUid(),
          imageIds: refVolume.imageIds?.length ? [...refVolume.imageIds] : [...loaded.imageIds],
          overlay: { role: 'reference', method: label, referenceCount },
          seriesNumber: Math.max(seriesNumber, nextSeriesNumber(all)) + 1,
          thumbnailSrc: thumbnailDataUrl(reference.data, reference.dims, sourceWindow),
        }),
      );
      service.referenceSets.set(source.displaySetInstanceUID, referenceUid);
    }
  }
  // The original viewport shows how far the noisy source is from the reference (or its SNR).
  const originalOverlay: NaOverlayInfo = reference
    ? { role: 'original', method: label, psnr: run.sourcePsnr, ssim: run.sourceSsim }
    : { role: 'original', method: label, snr: run.sourceSnr };
  source[OVERLAY_FIELD] = originalOverlay;

  if (sets.length) displaySetService.addDisplaySets(...sets);
  return { denoised: denoisedUid, reference: referenceUid, seriesInstanceUID, seriesNumber };
}

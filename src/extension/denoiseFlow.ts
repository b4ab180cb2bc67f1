// The "Denoise Na" click: active sodium series → full-precision volume (+ repeats → reference) → denoiseVolume →
// derived display set in the study browser → comparison layout with metrics. Cancel leaves nothing behind.
import type { DisplaySet, ExtensionParams } from './ohif';
import { checkSodiumSeries } from './sodium';
import { findRepeats } from './repeats';
import { activeDisplaySet } from './viewerState';
import { cacheDerivedVolume, loadSeriesVolume, type LoadedSeriesVolume } from './cornerstoneVolume';
import { buildDerivedDisplaySet, derivedSeriesDescription, derivedSeriesNumber } from './displaySet';
import { thumbnailDataUrl } from './thumbnail';
import { openProgressPanel } from './progressPanel';
import { runEngine, type EngineMethod, type EngineRun, type NlmOptions } from './engine';
import { debugHook, type NaDebugSeriesRead } from './debugHook';
import { registerSavable } from './saveRegistry';
import { HANGING_PROTOCOL_ID } from './id';
import { SELECTORS, comparisonViewportIds } from './getHangingProtocolModule';
import { alignWindowLevel } from './windowLevel';
import { OVERLAY_FIELD } from './customizations/overlay';
import { formatMillis, type MethodLabel, type NaOverlayInfo } from './metricsText';
import { newUid } from '../io/dicom/uid';
import { meanVolume, type Volume } from '../core/volume';
import { options } from './options';
import type { LoadedDA } from '../model/da/weights-io';

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

/** Reference display sets already made, per source display set (the mean does not depend on the method). */
const referenceSets = new Map<string, string>();

/** The source volume and its repeated acquisitions (same study, same grid), each read in full and verified. */
export async function loadWithRepeats(
  params: ExtensionParams,
  source: DisplaySet,
  signal?: AbortSignal,
  onStage?: (message: string) => void,
): Promise<{ loaded: LoadedSeriesVolume; repeats: DisplaySet[]; repeatVolumes: LoadedSeriesVolume[] }> {
  const { extensionManager, servicesManager } = params;
  const loaded = await loadSeriesVolume(source, extensionManager, signal);
  const repeats = findRepeats(source, servicesManager.services.displaySetService.getActiveDisplaySets());
  const repeatVolumes: LoadedSeriesVolume[] = [];
  for (const [i, r] of repeats.entries()) {
    onStage?.(`Loading repeated acquisition ${i + 1} of ${repeats.length}`);
    repeatVolumes.push(await loadSeriesVolume(r, extensionManager, signal, { display: false }));
  }
  return { loaded, repeats, repeatVolumes };
}

/** The debug hook's reader: what a run would read from the active series and its repeats (tests compare with the PACS). */
export async function readSeriesForDebug(params: ExtensionParams): Promise<NaDebugSeriesRead[]> {
  const source = activeDisplaySet(params.servicesManager);
  const check = checkSodiumSeries(source);
  if (!check.ok || !source) throw new Error(check.ok ? 'No series selected' : check.reason);
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
  const { servicesManager } = params;
  const { uiNotificationService, hangingProtocolService } = servicesManager.services;
  const hook = debugHook();
  const method: EngineMethod = opts.method === 'nlm' ? 'nlm' : 'da';
  const label: MethodLabel = method === 'da' ? 'DA' : 'NLM';

  const source = activeDisplaySet(servicesManager);
  const check = checkSodiumSeries(source);
  if (!check.ok || !source) {
    uiNotificationService.show({
      title: TITLE,
      message: check.ok ? 'No series selected.' : check.reason,
      type: 'warning',
      duration: 6000,
    });
    return undefined;
  }
  if (hook.busy) {
    uiNotificationService.show({ title: TITLE, message: 'A denoising run is already in progress.', type: 'info' });
    return undefined;
  }
  hook.busy = true;
  const abort = new AbortController();
  const panel = openProgressPanel(`${TITLE} (${label}): ${source.SeriesDescription ?? 'sodium series'}`, () =>
    abort.abort(),
  );
  try {
    panel.update(0, 'Loading the series');
    const { loaded, repeats, repeatVolumes } = await loadWithRepeats(params, source, abort.signal, (m) =>
      panel.update(0, m),
    );
    const voxels = loaded.volume.data.length;
    if (voxels > options().maxVoxels) {
      uiNotificationService.show({
        title: TITLE,
        message: `Large volume (${loaded.volume.dims.join('×')}): it is processed in tiles, which takes longer.`,
        type: 'info',
        duration: 6000,
      });
    }

    const reference = repeatVolumes.length
      ? meanVolume([loaded.volume, ...repeatVolumes.map((r) => r.volume)])
      : undefined;

    const run = await runEngine({
      method,
      volume: loaded.volume,
      reference,
      nlm: opts.nlm,
      weights: opts.model,
      signal: abort.signal,
      onProgress: (f, message) => panel.update(f, message),
    });
    abort.signal.throwIfAborted();
    for (const n of run.notices)
      uiNotificationService.show({ title: TITLE, message: n, type: 'warning', duration: 8000 });

    const uid = addDerivedSets(params, source, loaded, run, label, reference, repeats.length + 1, opts.adaptation);
    hook.lastResult = {
      method: label,
      backend: run.backend,
      millis: run.millis,
      dims: run.volume.dims,
      data: run.volume.data,
      input: loaded.volume.data,
      reference: reference?.data,
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
    };
    hook.results.push(hook.lastResult);

    const selectorMap: Record<string, string[]> = {
      [`${source.StudyInstanceUID}:${SELECTORS.original}:0`]: [source.displaySetInstanceUID],
      [`${source.StudyInstanceUID}:${SELECTORS.denoised}:0`]: [uid.denoised],
    };
    if (uid.reference) selectorMap[`${source.StudyInstanceUID}:${SELECTORS.reference}:0`] = [uid.reference];
    const stageIndex = uid.reference ? 0 : 1;
    hangingProtocolService.setProtocol(HANGING_PROTOCOL_ID, { displaySetSelectorMap: selectorMap, stageIndex });
    void alignWindowLevel(servicesManager.services.cornerstoneViewportService, comparisonViewportIds(stageIndex));

    uiNotificationService.show({
      title: TITLE,
      message: `${label} done on ${run.backend.toUpperCase()} in ${formatMillis(run.millis)}: "${derivedSeriesDescription('denoised', label)}" added.`,
      type: 'success',
      duration: 5000,
    });
    return uid.denoised;
  } catch (e) {
    if (isAbort(e, abort.signal)) {
      uiNotificationService.show({
        title: TITLE,
        message: 'Cancelled: nothing was added to the study.',
        type: 'info',
        duration: 4000,
      });
      return undefined;
    }
    const message = e instanceof Error ? e.message : String(e);
    hook.errors.push(message);
    console.warn('[na-denoise]', e);
    uiNotificationService.show({ title: `${TITLE} failed`, message, type: 'error', duration: 10000 });
    return undefined;
  } finally {
    hook.busy = false;
    panel.close();
  }
}

/** Caches the derived volumes and adds their display sets; metrics are set before the sets are shown. */
function addDerivedSets(
  params: ExtensionParams,
  source: DisplaySet,
  loaded: LoadedSeriesVolume,
  run: EngineRun,
  label: MethodLabel,
  reference: Volume | undefined,
  referenceCount: number,
  adaptation?: NaOverlayInfo['adaptation'],
): { denoised: string; reference?: string } {
  const { displaySetService } = params.servicesManager.services;
  const sets: DisplaySet[] = [];

  const denoisedUid = crypto.randomUUID();
  const seriesInstanceUID = newUid();
  const derivedVolume = cacheDerivedVolume(loaded, denoisedUid, run.volume.data);
  const quality = reference ? { psnr: run.psnr, ssim: run.ssim } : { snr: run.snr };
  const denoisedOverlay: NaOverlayInfo = {
    role: 'denoised',
    method: label,
    backend: run.backend,
    millis: run.millis,
    referenceCount,
    warnings: run.warnings,
    ...quality,
    ...(adaptation ? { adaptation } : {}),
  };
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
      thumbnailSrc: thumbnailDataUrl(run.volume.data, run.volume.dims),
    }),
  );
  registerSavable(denoisedUid, {
    volume: run.volume,
    method: label,
    parameters: { ...run.parameters, backend: run.backend },
    seriesInstanceUID,
    seriesDescription: derivedSeriesDescription('denoised', label, 0, adaptation?.adapted),
    seriesNumber: derivedSeriesNumber(source, 'denoised'),
    source: {
      seriesInstanceUID: source.SeriesInstanceUID,
      sopClassUID: loaded.sopClassUid,
      sopInstanceUIDs: loaded.sopInstanceUids,
      header: source.instance ?? source.instances[0],
    },
    saved: [],
  });

  let referenceUid: string | undefined;
  if (reference) {
    referenceUid = referenceSets.get(source.displaySetInstanceUID);
    if (!referenceUid || !displaySetService.getDisplaySetByUID(referenceUid)) {
      referenceUid = crypto.randomUUID();
      const refVolume = cacheDerivedVolume(loaded, referenceUid, reference.data);
      sets.push(
        buildDerivedDisplaySet({
          source,
          role: 'reference',
          method: label,
          displaySetInstanceUID: referenceUid,
          seriesInstanceUID: newUid(),
          imageIds: refVolume.imageIds?.length ? [...refVolume.imageIds] : [...loaded.imageIds],
          overlay: { role: 'reference', method: label, referenceCount },
          thumbnailSrc: thumbnailDataUrl(reference.data, reference.dims),
        }),
      );
      referenceSets.set(source.displaySetInstanceUID, referenceUid);
    }
  }
  // The original viewport shows how far the noisy source is from the reference (or its SNR).
  const originalOverlay: NaOverlayInfo = reference
    ? { role: 'original', method: label, psnr: run.sourcePsnr, ssim: run.sourceSsim }
    : { role: 'original', method: label, snr: run.sourceSnr };
  source[OVERLAY_FIELD] = originalOverlay;

  displaySetService.addDisplaySets(...sets);
  return { denoised: denoisedUid, reference: referenceUid };
}

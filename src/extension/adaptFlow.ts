// "Adapt DA to this study": the active sodium series and its repeats → jobs/adapt in a Web Worker (progress, held-out
// curve, Cancel) → the usual DA run with the adapted weights (or the shipped ones when the held-out slabs showed no
// gain), labelled as adapted → a download of the weights folder. Nothing leaves the browser.
import { notifyCancelled, notifyFailed } from './runOutcome';
import { zipSync } from 'fflate';
import type { ExtensionParams } from './ohif';
import { adaptUnavailableReason } from './adaptAvailability';
import { activeDisplaySet } from './viewerState';
import { loadWithRepeats, runDenoise } from './denoiseFlow';
import { openAdaptPanel } from './adaptPanel';
import { naDenoiseService } from './naDenoiseService';
import type { AdaptVolumeMessage, AdaptWorkerReply, AdaptWorkerRequest } from './adaptProtocol';
import { nlmComparisonText, studyHash, type AdaptationRecord } from '../jobs/adapt';
import { weightsFolderFiles } from '../model/da/weights-bytes';
import type { LoadedDA } from '../model/da/weights-io';
import type { Volume } from '../core/volume';
import type { NaOverlayInfo } from './metricsText';

const TITLE = 'Adapt DA to this study';
/** Seconds the worker may train (the browser budget is 120 s for a 64³ study on WASM). */
export const BROWSER_ADAPT_SECONDS = 60;

function toMessage(v: Volume): AdaptVolumeMessage {
  return { data: v.data.slice(), dims: v.dims, spacing: v.spacing, origin: v.origin, direction: v.direction };
}

function spawnWorker(): Worker {
  // webpack turns this exact `new Worker(new URL(…, import.meta.url))` form into a separate worker chunk.
  // @ts-expect-error TS1343: tsc checks src/ as CommonJS; webpack compiles this file as an ES module.
  return new Worker(new URL('./adapt.worker.ts', import.meta.url), { type: 'module', name: 'na-adapt' });
}

/** The adapted model for the overlay and the card: parent, seconds, held-out gain, whitened input, NLM blend. */
export function adaptationLabel(record: AdaptationRecord): NonNullable<NaOverlayInfo['adaptation']> {
  return {
    parent: `${record.parent.name} ${record.parent.version}`,
    seconds: record.seconds,
    gainPercent: record.validation.gainPercent,
    adapted: record.result === 'adapted',
    ...(record.whitening?.kept && record.result === 'adapted' ? { whitened: true } : {}),
    ...(record.nlm && !('skipped' in record.nlm) && record.nlm.blend?.kept
      ? { nlmBlend: record.nlm.blend.weight }
      : {}),
  };
}

export async function runAdapt(params: ExtensionParams): Promise<string | undefined> {
  const { uiNotificationService, displaySetService } = params.servicesManager.services;
  const source = activeDisplaySet(params.servicesManager);
  const reason = adaptUnavailableReason(source, displaySetService.getActiveDisplaySets());
  if (reason || !source) {
    uiNotificationService.show({
      title: TITLE,
      message: reason ?? 'No series selected.',
      type: 'warning',
      duration: 6000,
    });
    return undefined;
  }
  const service = naDenoiseService(params.servicesManager);
  const { options } = service;
  let release = service.runLock.tryAcquire('adapt');
  if (!release) {
    uiNotificationService.show({ title: TITLE, message: 'A denoising run is already in progress.', type: 'info' });
    return undefined;
  }
  const abort = new AbortController();
  let worker: Worker | undefined;
  const panel = openAdaptPanel(`${TITLE}: ${source.SeriesDescription ?? 'sodium series'}`, () => {
    abort.abort();
    worker?.postMessage({ type: 'cancel' } satisfies AdaptWorkerRequest);
  });
  let finished = false;
  try {
    panel.update(0, 'Loading the series and its repeats', []);
    const { loaded, repeats, repeatVolumes } = await loadWithRepeats(params, source, abort.signal, (m) =>
      panel.update(0, m, []),
    );
    const volumes = [loaded.volume, ...repeatVolumes.map((r) => r.volume)];
    const study = studyHash([
      source.StudyInstanceUID ?? '',
      source.SeriesInstanceUID,
      ...repeats.map((r) => r.SeriesInstanceUID),
    ]);
    const w = spawnWorker();
    worker = w;
    const done = await new Promise<Extract<AdaptWorkerReply, { type: 'done' }> | undefined>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<AdaptWorkerReply>) => {
        const m = e.data;
        if (m.type === 'progress') {
          const last = m.history[m.history.length - 1];
          const gain =
            last && m.progress.parentValLoss
              ? ` · held-out ${(100 * (1 - (m.progress.bestValLoss ?? last.valLoss) / m.progress.parentValLoss)).toFixed(1)} % better`
              : '';
          const stage =
            m.progress.stage === 'training'
              ? `Training on ${volumes.length} acquisitions${last?.candidate === 'whitened' ? ' (whitened input: correlated noise)' : ''}: ${m.progress.elapsedSeconds.toFixed(0)} s${gain}`
              : m.progress.stage === 'preparing'
                ? 'Preparing pairs and held-out slabs'
                : 'Measuring the shipped DA on the held-out slabs';
          panel.update(m.progress.fraction, stage, m.history, m.progress.parentValLoss);
        } else if (m.type === 'done') resolve(m);
        else if (m.type === 'cancelled') resolve(undefined);
        else reject(new Error(m.message));
      };
      w.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message || 'the adaptation worker failed to load'));
      };
      const request: AdaptWorkerRequest = {
        type: 'start',
        acquisitions: volumes.map(toMessage),
        weightsUrl: options.weightsUrl,
        wasmPath: options.wasmPath,
        wasmThreads: options.wasmThreads !== false,
        study,
        seconds: options.adaptSeconds ?? BROWSER_ADAPT_SECONDS,
      };
      w.postMessage(request, request.type === 'start' ? request.acquisitions.map((a) => a.data.buffer) : []);
    });
    w.terminate();
    worker = undefined;
    if (!done || abort.signal.aborted) {
      notifyCancelled(uiNotificationService, TITLE);
      return undefined;
    }
    const model: LoadedDA = {
      weights: done.weights,
      ...(done.stage2 ? { stage2: done.stage2 } : {}),
      card: done.card,
      source: done.source,
    };
    const label = adaptationLabel(done.record);
    release(); // the DA run below takes the lock itself
    release = undefined;
    const uid = await runDenoise(params, { method: 'da', model, adaptation: label });
    const { files } = await weightsFolderFiles(model.weights, model.card, model.stage2);
    const summary = label.adapted
      ? `Adapted in ${label.seconds.toFixed(0)} s: held-out slabs ${label.gainPercent.toFixed(1)} % better than ${label.parent}.`
      : `Not adapted: no gain on held-out slabs (${label.gainPercent.toFixed(1)} %); the shipped model's result is shown.`;
    const versusNlm = nlmComparisonText(done.record);
    panel.finish(versusNlm ? `${summary} ${versusNlm[0].toUpperCase()}${versusNlm.slice(1)}.` : summary, {
      fileName: `${model.card.name}-${done.record.study.slice(0, 12)}.zip`,
      bytes: zipSync(files),
    });
    finished = true;
    service.lastAdaptation = {
      ...done.record,
      history: done.history,
      displaySetInstanceUID: uid,
    };
    return uid;
  } catch (e) {
    if (abort.signal.aborted) {
      notifyCancelled(uiNotificationService, TITLE);
      return undefined;
    }
    notifyFailed(uiNotificationService, TITLE, e, service);
    return undefined;
  } finally {
    worker?.terminate();
    release?.();
    if (!finished) panel.close();
  }
}

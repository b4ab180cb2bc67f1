// Opening the Denoise Na mode is the intent to denoise: once a sodium series is shown, its run input is read and
// analysed ahead of the first click, exactly as a click would (the service's input cache, the fresh full-precision
// read of the series and its repeats, the job's own analysis), so the first click starts at the method, as a repeat
// click does. It starts as soon as the series a click would act on is known, at the page's next idle moment (at most
// 0.3 s later), not once the viewport has drawn it: the read is mostly the image loader's requests and decoding
// workers, which OHIF's own display shares (the same files, loaded once); waiting for the drawing left the read under
// way at a click the instant the series appeared (0.9 s of a 4.7 s first 64³ DA click, load 3–4), and starting at
// once did not draw the series later (6.6–8.2 s after opening, against 7.2–7.3 s, same run). Each analysis step
// waits for an idle moment. A click during the read shares it. `naDenoise.prefetch: false` turns it off.
import type { ExtensionParams, Subscription } from './ohif';
import type { NaDenoiseService } from './naDenoiseService';
import { denoiseTarget } from './target';
import { activeDisplaySet } from './viewerState';
import { readRunInput, runInputKey } from './denoiseFlow';
import { analyseInputAhead } from '../jobs/denoise';
import { sourceSnrOf } from './engine';

/** Where the read ahead of the first click stands (the hook and the bench show it). */
export interface PrefetchStatus {
  /**
   * 'off': turned off by the options; 'waiting': no sodium series shown yet (or a run reads it); 'reading': the series and
   * its repeats; 'analysing': head, brain mask, regime, input metrics; 'ready': kept for the next click; 'failed':
   * the read or analysis failed (a click reads again and reports why).
   */
  state: 'off' | 'waiting' | 'reading' | 'analysing' | 'ready' | 'failed';
  /** The source display set read. */
  displaySetInstanceUID?: string;
  /** From the start of the read to ready, ms. */
  millis?: number;
  /** Why it failed (one line). */
  message?: string;
  /** When ready: what the input's memo holds (the analysis the next run finds made). */
  analysed?: readonly string[];
}

/**
 * How long an idle moment may be waited for before the step runs anyway (a busy page still gets it done): short for
 * the look at what is shown (a user may click a second after the series appears; the read is mostly network and
 * the loader's decoding workers), longer for each analysis step (main-thread work, up to seconds at 128³).
 */
const LOOK_IDLE_TIMEOUT_MS = 300;
const STEP_IDLE_TIMEOUT_MS = 2000;

/** Resolves at the page's next idle moment (requestIdleCallback, else a timer); rejects when `signal` aborts. */
function whenIdle(signal: AbortSignal, timeoutMs = STEP_IDLE_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      if (idleId !== undefined) globalThis.cancelIdleCallback?.(idleId);
      else clearTimeout(timer);
      reject(signal.reason ?? new DOMException('Cancelled', 'AbortError'));
    };
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const idle = typeof globalThis.requestIdleCallback === 'function';
    const idleId = idle ? globalThis.requestIdleCallback(done, { timeout: timeoutMs }) : undefined;
    const timer = idle ? undefined : setTimeout(done, 0);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Reads and analyses the input of the series shown in the active viewport whenever OHIF's display sets or viewports
 * change and the page is idle; returns the stop (also on the service's onModeExit). Nothing is read while a run
 * holds the lock (the run reads it) or when the input is already kept.
 * @example service.stopPrefetch = watchShownInput(params, service)
 */
export function watchShownInput(params: ExtensionParams, service: NaDenoiseService): () => void {
  if (!service.options.prefetch) {
    service.prefetch = { state: 'off' };
    return () => undefined;
  }
  service.prefetch = { state: 'waiting' };
  const abort = new AbortController();
  const { signal } = abort;
  let scheduled = false;
  let running = false;
  let again = false;

  const schedule = () => {
    if (scheduled || signal.aborted) return;
    scheduled = true;
    whenIdle(signal, LOOK_IDLE_TIMEOUT_MS).then(
      () => {
        scheduled = false;
        void check();
      },
      () => undefined, // stopped
    );
  };

  const check = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await prefetchShown();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };

  const prefetchShown = async () => {
    if (signal.aborted || service.runLock.busy) return; // a run reads (and keeps) its own input
    const { displaySetService } = params.servicesManager.services;
    const target = denoiseTarget(activeDisplaySet(params.servicesManager), displaySetService.getActiveDisplaySets());
    if (!target.ok) return;
    const source = target.source;
    let key;
    try {
      key = runInputKey(params, source).key;
    } catch {
      return; // no images to load yet: a later change looks again
    }
    const status = service.prefetch;
    if (
      status?.displaySetInstanceUID === source.displaySetInstanceUID &&
      (status.state === 'ready' || status.state === 'failed') &&
      service.inputs.has(key) === (status.state === 'ready')
    )
      return; // already kept (or already failed on this series: the click reports why)
    const t0 = performance.now();
    const set = (next: PrefetchStatus) => {
      service.prefetch = { displaySetInstanceUID: source.displaySetInstanceUID, ...next };
    };
    try {
      set({ state: 'reading' });
      const input = await readRunInput(params, service, source, signal, () => undefined);
      set({ state: 'analysing' });
      await analyseInputAhead(input.memo, { signal, pause: () => whenIdle(signal) });
      // Without repeats a run reports the source's reference-free SNR instead of pSNR/SSIM: made here too.
      if (!input.reference) {
        await whenIdle(signal);
        sourceSnrOf(input.loaded.volume, input.memo);
      }
      set({ state: 'ready', millis: performance.now() - t0, analysed: input.memo.keys });
    } catch (e) {
      if (signal.aborted) return;
      // A click that cancelled a read it had started: not a failure of the series; look again later.
      if (e instanceof Error && e.name === 'AbortError') set({ state: 'waiting' });
      else set({ state: 'failed', message: e instanceof Error ? e.message : String(e) });
    }
  };

  const { displaySetService, viewportGridService } = params.servicesManager.services;
  const subscriptions: Subscription[] = [displaySetService, viewportGridService].flatMap((svc) =>
    Object.values(svc.EVENTS ?? {}).map((event) => svc.subscribe(event, () => schedule())),
  );
  schedule();
  return () => {
    abort.abort();
    subscriptions.forEach((s) => s.unsubscribe());
    service.prefetch = undefined;
  };
}

// `sodium-denoise watch`: denoise each new sodium series as it arrives on an Orthanc PACS. Follows Orthanc's
// /changes feed (StableSeries), works each series through DICOMweb exactly as `batch` does (same idempotence), and
// keeps the last change dealt with in a state file so a restart continues where it stopped.
import { DicomwebClient } from '../io/pacs/dicomweb';
import { OrthancRestClient } from '../io/pacs/orthanc-rest';
import { countOutcome, emptyCounts, type BatchSummary } from '../jobs/pacs/batch';
import { denoiseSeriesOnPacs, type SeriesOutcome } from '../jobs/pacs/denoiseSeries';
import { lookUpSeries } from '../jobs/pacs/series';
import { derivedSeriesKey } from '../jobs/derivedSeries';
import { readWatchState, writeWatchState, WATCH_STATE_FORMAT, type WatchState } from './watch-state';
import {
  addPacsWorkerOptions,
  createReporter,
  httpOptions,
  loadJob,
  summaryText,
  type PacsWorkerCliOptions,
} from './pacs-worker';
import type { Register } from './output';
import { numberOption } from './parse';
import { assertOutputSafe } from '../io/output-safety';

interface WatchCliOptions extends PacsWorkerCliOptions {
  orthanc: string;
  dicomweb?: string;
  stateFile: string;
  poll: number;
  once?: boolean;
}

const MAX_WAIT_MS = 5 * 60_000;

export const registerWatch: Register = (program, run) => {
  addPacsWorkerOptions(
    program
      .command('watch')
      .description(
        "Denoise each new sodium series on an Orthanc PACS as it becomes stable (Orthanc's /changes feed); restartable",
      )
      .requiredOption('--orthanc <url>', 'Orthanc REST root, e.g. http://127.0.0.1:8042')
      .option('--dicomweb <url>', 'DICOMweb root to read and store through (default: <orthanc>/dicom-web)')
      .option('--state-file <file>', 'where the last change dealt with is kept', 'sodium-denoise-watch.json')
      .addOption(
        numberOption(
          '--poll <seconds>',
          'wait between looks at the feed when nothing is new',
          { min: 0, exclusiveMin: true },
          5,
        ),
      )
      .option('--once', 'deal with the changes there are now, then exit (cron, tests)'),
  ).action(run(watchAction));
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function watchAction(opts: WatchCliOptions): Promise<{ json: unknown; text: string }> {
  const pollMs = opts.poll * 1000;
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('stopped by signal'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const signal = controller.signal;
  const reporter = createReporter(opts.json, '[watch]');
  const http = httpOptions(opts, reporter.retry, signal);
  const orthanc = new OrthancRestClient(opts.orthanc, http);
  const dicomweb = new DicomwebClient({ baseUrl: opts.dicomweb ?? `${orthanc.baseUrl}/dicom-web`, ...http });
  const loaded = await loadJob(opts, signal);
  const { job } = loaded;
  const jobKey = JSON.stringify(derivedSeriesKey('', job.request, loaded.model));
  assertOutputSafe({ flag: '--state-file', path: opts.stateFile }, [
    opts.model === undefined ? undefined : { flag: '--model', path: opts.model },
    opts.tokenFile === undefined ? undefined : { flag: '--token-file', path: opts.tokenFile },
    opts.credentialsFile === undefined ? undefined : { flag: '--credentials-file', path: opts.credentialsFile },
  ]);
  const previous = readWatchState(opts.stateFile);
  if (previous && previous.orthanc !== orthanc.baseUrl)
    throw new Error(
      `${opts.stateFile} follows ${previous.orthanc}, not ${orthanc.baseUrl}; give each PACS its own --state-file`,
    );
  if (previous && previous.job !== jobKey)
    throw new Error(
      `${opts.stateFile} was written for another method or model (${previous.job}); give each its own --state-file`,
    );
  const state: WatchState = previous ?? {
    format: WATCH_STATE_FORMAT,
    orthanc: orthanc.baseUrl,
    job: jobKey,
    since: 0,
    updated: '',
    failed: [],
  };
  const note = (message: string, extra: Record<string, unknown> = {}) =>
    reporter.event({ event: 'note', message, ...extra });
  note(
    `${loaded.description}; following ${orthanc.baseUrl}/changes from change ${state.since} (state: ${opts.stateFile})`,
  );

  const summary: BatchSummary = { shard: '0/1', series: 0, counts: emptyCounts(), failures: [], seconds: 0 };
  const t0 = performance.now();
  let waitMs = pollMs;
  let transientFailure = false;
  try {
    await follow();
  } catch (err) {
    // A signal ends the watch cleanly: the state holds the last change dealt with, and a half-done series is
    // repaired by the next run.
    if (!signal.aborted) throw err;
  } finally {
    reporter.stop();
    await loaded.dispose();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  summary.seconds = (performance.now() - t0) / 1000;
  if (summary.counts.failed > 0 && (opts.once || !signal.aborted)) process.exitCode = 1;
  if (transientFailure && opts.once) process.exitCode = 1;
  return { json: { event: 'summary', since: state.since, ...summary }, text: summaryText('[watch]', summary) };

  async function follow(): Promise<void> {
    while (!signal.aborted) {
      let page;
      try {
        page = await orthanc.changes(state.since);
      } catch (err) {
        if (signal.aborted) break;
        if (opts.once) throw err;
        note(`${(err as Error).message}; looking again in ${Math.round(waitMs / 1000)} s`);
        await sleep(waitMs, signal);
        waitMs = Math.min(MAX_WAIT_MS, waitMs * 2);
        continue;
      }
      if (page.changes.length === 0 && page.last < state.since) {
        // The feed restarted below our cursor: Orthanc's database was replaced. Everything is looked at again, which
        // costs only QIDO requests for what is already derived.
        note(`Orthanc's changes end at ${page.last}, before our ${state.since}: its database was reset; starting over`);
        state.since = 0;
        continue;
      }
      let blocked = false;
      for (const change of page.changes) {
        if (signal.aborted) break;
        if (change.ChangeType === 'StableSeries' && change.ResourceType === 'Series') {
          const outcome = await dealWith(change.ID, change.Seq);
          if (outcome?.status === 'failed' && outcome.retryable) {
            blocked = true;
            break;
          }
          state.since = change.Seq;
          writeWatchState(opts.stateFile, state);
        } else {
          state.since = change.Seq;
        }
      }
      if (blocked) {
        transientFailure = true;
        if (opts.once) break;
        note(`the PACS is failing; trying change ${state.since + 1} again in ${Math.round(waitMs / 1000)} s`);
        await sleep(waitMs, signal);
        waitMs = Math.min(MAX_WAIT_MS, waitMs * 2);
        continue;
      }
      if (signal.aborted) break;
      waitMs = pollMs;
      if (page.changes.length > 0 || page.last > state.since) {
        state.since = Math.max(state.since, page.last);
        writeWatchState(opts.stateFile, state);
      }
      if (page.done) {
        if (opts.once) break;
        await sleep(pollMs, signal);
      }
    }
  }

  /** One StableSeries change: its DICOM identity, then the same work as `batch`. */
  async function dealWith(orthancId: string, seq: number): Promise<SeriesOutcome | undefined> {
    let outcome: SeriesOutcome;
    let ids: { study: string; series: string; description?: string } = { study: '', series: orthancId };
    try {
      const identity = await orthanc.seriesIdentity(orthancId);
      if (!identity) return undefined; // deleted since it became stable
      ids = { study: identity.studyInstanceUid, series: identity.seriesInstanceUid };
      const series = await lookUpSeries(dicomweb, identity.studyInstanceUid, identity.seriesInstanceUid);
      if (!series) return undefined;
      ids.description = series.seriesDescription;
      summary.series++;
      const index = summary.series;
      reporter.event({ event: 'start', seq, index, ...ids });
      outcome = await denoiseSeriesOnPacs(dicomweb, series, {
        ...job,
        onProgress: (fraction, stage) => reporter.event({ event: 'progress', index, fraction, stage }),
      });
      // A PACS failure is tried again (the change is not passed), so it is not counted until it stops being one.
      if (!(outcome.status === 'failed' && outcome.retryable)) countOutcome(summary, series, outcome);
      reporter.event({ event: 'end', seq, index, ...ids, ...outcome });
    } catch (err) {
      if (signal.aborted) throw err;
      const reason = (err as Error).message;
      outcome = { status: 'failed', reason, retryable: (err as { retryable?: boolean }).retryable === true };
      if (!outcome.retryable)
        countOutcome(summary, { studyInstanceUid: ids.study, seriesInstanceUid: ids.series, attributes: {} }, outcome);
      note(`change ${seq}: ${reason}`);
    }
    if (outcome.status === 'failed' && !outcome.retryable) {
      state.failed.push({
        seq,
        series: ids.series,
        study: ids.study,
        reason: outcome.reason,
        time: new Date().toISOString(),
      });
    }
    return outcome;
  }
}

// One batch worker's pass over a PACS: find series, keep this shard's, denoise each (idempotently), and count the
// outcomes. Stateless: the PACS is the only record of what is done, so any number of passes and workers may run.
import type { DicomwebClient } from '../../io/pacs/dicomweb';
import { denoiseSeriesOnPacs, type PacsDenoiseJob, type SeriesOutcome, type SeriesStatus } from './denoiseSeries';
import { findSeries, type PacsSeries, type SeriesSelection } from './series';
import { inShard, WHOLE, type Shard } from './shard';

export type BatchEvent =
  | { event: 'found'; series: number; inShard: number; shard: string }
  | { event: 'start'; index: number; total: number; study: string; series: string; description?: string }
  | { event: 'progress'; index: number; fraction: number; stage: string }
  | ({
      event: 'end';
      index: number;
      total: number;
      study: string;
      series: string;
      description?: string;
    } & SeriesOutcome);

export interface BatchSummary {
  shard: string;
  /** Series of this shard looked at. */
  series: number;
  counts: Record<SeriesStatus, number>;
  failures: Array<{ study: string; series: string; reason: string }>;
  seconds: number;
}

export function emptyCounts(): Record<SeriesStatus, number> {
  return { done: 0, 'already-derived': 0, 'would-denoise': 0, 'not-sodium': 0, 'not-original': 0, failed: 0 };
}

/** Adds one outcome to a summary. */
export function countOutcome(summary: BatchSummary, s: PacsSeries, outcome: SeriesOutcome): void {
  summary.counts[outcome.status]++;
  if (outcome.status === 'failed')
    summary.failures.push({ study: s.studyInstanceUid, series: s.seriesInstanceUid, reason: outcome.reason });
}

/**
 * Denoises every sodium series of the selection that falls in `shard` and is not yet derived.
 * @example const summary = await runBatch(pacs, { studies: [uid] }, { request: { method: 'nlm' } }, { shard: parseShard('0/3') });
 */
export async function runBatch(
  client: DicomwebClient,
  selection: SeriesSelection,
  job: PacsDenoiseJob,
  opts: { shard?: Shard; onEvent?: (e: BatchEvent) => void } = {},
): Promise<BatchSummary> {
  const t0 = performance.now();
  const shard = opts.shard ?? WHOLE;
  const emit = opts.onEvent ?? (() => undefined);
  const all = await findSeries(client, selection);
  const mine = all.filter((s) => inShard(s.seriesInstanceUid, shard));
  const label = `${shard.index}/${shard.count}`;
  emit({ event: 'found', series: all.length, inShard: mine.length, shard: label });
  const summary: BatchSummary = { shard: label, series: mine.length, counts: emptyCounts(), failures: [], seconds: 0 };
  for (const [i, s] of mine.entries()) {
    const where = { index: i + 1, total: mine.length, study: s.studyInstanceUid, series: s.seriesInstanceUid };
    const description = s.seriesDescription;
    emit({ event: 'start', ...where, description });
    const outcome = await denoiseSeriesOnPacs(client, s, {
      ...job,
      onProgress: (fraction, stage) => emit({ event: 'progress', index: i + 1, fraction, stage }),
    });
    countOutcome(summary, s, outcome);
    emit({ event: 'end', ...where, description, ...outcome });
  }
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

// `sodium-denoise batch`: one stateless worker over a DICOMweb PACS. Finds sodium series (QIDO-RS), denoises the
// ORIGINAL ones of its shard that have no complete derived series yet, and stores each result as a DERIVED series
// (STOW-RS). Run N copies with --shard 0/N … N-1/N under any scheduler; rerun at will.
import type { QidoQuery } from '../io/pacs/dicomweb';
import { DicomwebClient } from '../io/pacs/dicomweb';
import { runBatch } from '../jobs/pacs/batch';
import { parseShard, WHOLE } from '../jobs/pacs/shard';
import { isValidUid } from '../io/dicom/uid';
import {
  addPacsWorkerOptions,
  createReporter,
  httpOptions,
  loadJob,
  summaryText,
  type PacsWorkerCliOptions,
} from './pacs-worker';
import type { Register } from './output';

interface BatchCliOptions extends PacsWorkerCliOptions {
  dicomweb: string;
  study?: string[];
  query?: string[];
  shard?: string;
  dryRun?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export const registerBatch: Register = (program, run) => {
  addPacsWorkerOptions(
    program
      .command('batch')
      .description(
        'Denoise every ORIGINAL sodium series on a DICOMweb PACS that has no derived series yet, storing DERIVED series by STOW-RS (idempotent; shard with --shard i/N)',
      )
      .requiredOption(
        '--dicomweb <url>',
        'DICOMweb root, e.g. http://127.0.0.1:8787/dicom-web or http://pacs:8042/dicom-web',
      )
      .option('--study <uid...>', 'only these studies (StudyInstanceUIDs)')
      .option(
        '--query <key=value>',
        'QIDO-RS study match, e.g. PatientID=NA-001 or StudyDate=20260101-20261231 (repeatable; default: every study)',
        collect,
      )
      .option('--shard <i/N>', 'take only series whose SeriesInstanceUID hashes to shard i of N (0-based)')
      .option('--dry-run', 'report what would be denoised; change nothing'),
  ).action(run(batchAction));
};

/** key=value pairs as a QIDO query; several values for one key become key=a&key=b. */
export function parseQuery(pairs: readonly string[]): QidoQuery {
  const query: Record<string, string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (!/^[A-Za-z0-9.]+$/.test(key))
      throw new Error(`--query must be key=value with a DICOM keyword or tag as key, got "${pair}"`);
    if (['limit', 'offset', 'includefield', 'fuzzymatching'].includes(key.toLowerCase()))
      throw new Error(`--query ${key} is set by the worker itself; give match keys only`);
    (query[key] ??= []).push(pair.slice(eq + 1));
  }
  return query;
}

async function batchAction(opts: BatchCliOptions): Promise<{ json: unknown; text: string }> {
  const shard = opts.shard === undefined ? WHOLE : parseShard(opts.shard);
  const studies = (opts.study ?? []).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
  for (const uid of studies) if (!isValidUid(uid)) throw new Error(`--study "${uid}" is not a valid DICOM UID`);
  if (studies.length > 0 && opts.query) throw new Error('--study and --query cannot be combined; use one');
  const query = opts.query ? parseQuery(opts.query) : undefined;
  const prefix = `[batch ${shard.index}/${shard.count}]`;
  const reporter = createReporter(opts.json, prefix);
  const client = new DicomwebClient({ baseUrl: opts.dicomweb, ...httpOptions(opts, reporter.retry) });
  const loaded = await loadJob(opts);
  if (!opts.json) reporter.event({ event: 'note', message: `${loaded.description} on ${client.baseUrl}` });
  let summary;
  try {
    summary = await runBatch(
      client,
      { studies, query },
      { ...loaded.job, dryRun: opts.dryRun },
      { shard, onEvent: (e) => reporter.event(e) },
    );
  } finally {
    reporter.stop();
    await loaded.dispose();
  }
  if (summary.counts.failed > 0) process.exitCode = 1;
  return { json: { event: 'summary', ...summary }, text: summaryText(prefix, summary) };
}

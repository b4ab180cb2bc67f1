// What `batch` and `watch` share: the denoising flags, PACS connection flags (credentials only from files or the
// environment), the loaded job (weights, NLM worker pool) and the reporting of series events (a bar on a terminal,
// a line per series in a log, JSON lines with --json).
import * as os from 'node:os';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { BatchEvent, BatchSummary } from '../jobs/pacs/batch';
import type { PacsDenoiseJob } from '../jobs/pacs/denoiseSeries';
import type { DenoiseRequest } from '../jobs/denoise';
import { loadDA, type LoadedDA } from '../model/da';
import { createNodeNlmPool } from '../model/nlm/node-pool';
import type { NlmWorkerPool } from '../model/nlm';
import type { HttpOptions, RetryInfo } from '../io/pacs/http';
import { authorizationHeader, CREDENTIALS_ENV, TOKEN_ENV, type AuthOptions } from './pacs-auth';
import { parseRequest } from './denoise';
import { log } from './output';

export interface PacsWorkerCliOptions extends AuthOptions {
  method: string;
  model?: string;
  sigma?: string;
  patchRadius?: string;
  blockRadius?: string;
  rician: boolean;
  threads?: string;
  backend?: string;
  timeout: string;
  retries: string;
  stowBatch: string;
  json?: boolean;
}

/** Adds the denoising, connection and output flags to `batch` or `watch`. */
export function addPacsWorkerOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--method <da|nlm>', "denoising method: da (the paper's autoencoder) or nlm (non-local means)")
    .option(
      '--model <dir>',
      "DA: weights directory (model.json, weights.bin, model-card.json); default: the repository's weights/",
    )
    .option('--sigma <value>', 'NLM: noise σ (default: estimated from each image)')
    .option('--patch-radius <n>', 'NLM: patch radius (default 1)')
    .option('--block-radius <n>', 'NLM: block radius (default 5)')
    .option('--no-rician', 'NLM: no Rician bias correction')
    .option('--threads <k>', 'NLM: worker threads for one series (default: one per core; see docs/deploy.md)')
    .option('--backend <name>', 'tfjs backend for the DA: wasm or cpu')
    .option('--token-file <file>', `bearer token file (default: environment variable ${TOKEN_ENV})`)
    .option(
      '--credentials-file <file>',
      `basic credentials file, "user:password" or JSON {"username","password"} (default: environment variable ${CREDENTIALS_ENV})`,
    )
    .option('--token-env <name>', 'read the bearer token from this environment variable')
    .option('--credentials-env <name>', 'read "user:password" from this environment variable')
    .option('--timeout <seconds>', 'time limit per HTTP request, body included', '120')
    .option('--retries <n>', 'retries per request on network errors, timeouts, 429 and 5xx (exponential back-off)', '4')
    .option('--stow-batch <n>', 'instances per STOW-RS request', '16')
    .option('--json', 'JSON lines on stdout: one per event, the summary last');
}

function integer(flag: string, text: string, min: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < min)
    throw new Error(`${flag} must be an integer ≥ ${min}, got "${text}"`);
  return v;
}

/** HTTP settings from the flags: Authorization, timeout, retries; retries are reported. */
export function httpOptions(
  opts: PacsWorkerCliOptions,
  report: (info: RetryInfo) => void,
  signal?: AbortSignal,
): HttpOptions {
  const seconds = Number(opts.timeout);
  if (!(Number.isFinite(seconds) && seconds > 0))
    throw new Error(`--timeout must be a positive number of seconds, got "${opts.timeout}"`);
  const authorization = authorizationHeader(opts);
  return {
    timeoutMs: seconds * 1000,
    retries: integer('--retries', opts.retries, 0),
    headers: authorization ? { Authorization: authorization } : {},
    onRetry: report,
    signal,
  };
}

export interface LoadedJob {
  job: PacsDenoiseJob;
  /** The DA's loaded weights (their name, version and checksum name the derived series). */
  model?: LoadedDA;
  /** What runs, for the log: 'NLM (patch 1, block 5, σ estimated), 2 threads' or 'DA sodium-da 1.0.0 (sha256 1a2b…)'. */
  description: string;
  dispose(): Promise<void>;
}

/** The denoising request with its weights loaded, and the NLM worker pool sized by --threads. */
export async function loadJob(opts: PacsWorkerCliOptions, signal?: AbortSignal): Promise<LoadedJob> {
  if (opts.method === 'nlm' && opts.model !== undefined) throw new Error('--model applies to --method da, not nlm');
  const request: DenoiseRequest = parseRequest({
    in: '',
    out: '',
    method: opts.method,
    weights: opts.model,
    sigma: opts.sigma,
    patchRadius: opts.patchRadius,
    blockRadius: opts.blockRadius,
    rician: opts.rician,
    threads: opts.method === 'da' ? undefined : opts.threads,
  });
  const stowBatch = integer('--stow-batch', opts.stowBatch, 1);
  if (request.method === 'da') {
    if (opts.threads !== undefined)
      log('note: --threads sets NLM worker threads; the DA runs on one thread per worker');
    const model = await loadDA(opts.model);
    return {
      job: { request: { ...request, weights: model }, backend: opts.backend, stowBatch, signal },
      model,
      description: `DA ${model.card.name} ${model.card.version}${model.checksum ? ` (sha256 ${model.checksum.slice(0, 12)}…)` : ''}`,
      dispose: async () => undefined,
    };
  }
  if (opts.backend !== undefined) throw new Error('--backend applies to --method da; NLM runs on CPU threads');
  const cores = os.availableParallelism();
  let threads = opts.threads === undefined ? cores : integer('--threads', opts.threads, 1);
  if (threads > cores) {
    log(`note: --threads ${threads} is more than the ${cores} cores here; using ${cores}`);
    threads = cores;
  }
  const pool: NlmWorkerPool = createNodeNlmPool(threads);
  const sigma = request.sigma === undefined ? 'σ estimated' : `σ ${request.sigma}`;
  return {
    job: { request, workerPool: pool, stowBatch, signal },
    description: `NLM (patch ${request.patchRadius}, block ${request.blockRadius}, ${sigma}, ${request.rician ? 'Rician' : 'Gaussian'}), ${threads} thread${threads === 1 ? '' : 's'}`,
    dispose: () => pool.dispose(),
  };
}

const STATUS_WORDS: Record<string, string> = {
  done: 'done',
  'already-derived': 'skipped: already derived',
  'would-denoise': 'would denoise (dry run)',
  'not-sodium': 'not sodium',
  'not-original': 'not a source (not ORIGINAL)',
  failed: 'FAILED',
};

/** One line about a finished series. */
export function describeEnd(e: Extract<BatchEvent, { event: 'end' }>): string {
  const name = `${e.description ? `"${e.description}" ` : ''}${e.series}`;
  const detail =
    e.status === 'done'
      ? `: ${e.stored} of ${e.instances} instances stored${e.repaired ? ' (repaired a partial series)' : ''}, ${(e.millis / 1000).toFixed(1)} s denoising → ${e.derivedSeriesUid}`
      : e.status === 'already-derived'
        ? ` (${e.derivedSeriesUid})`
        : e.status === 'would-denoise'
          ? `: ${e.missing} of ${e.instances} derived instances missing → ${e.derivedSeriesUid}`
          : `: ${e.reason}`;
  return `${STATUS_WORDS[e.status]}${detail} — ${name}`;
}

export interface Reporter {
  event(e: BatchEvent | { event: string; [k: string]: unknown }): void;
  retry(info: RetryInfo): void;
  stop(): void;
}

/** Reports events: JSON lines on stdout with --json; otherwise a bar on a terminal, plain lines in a log. */
export function createReporter(json: boolean | undefined, prefix: string): Reporter {
  if (json) {
    const write = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
    let lastStage = '';
    return {
      event(e) {
        // Progress fractions would flood a log: one line per stage change.
        if (e.event === 'progress') {
          const stage = `${e.index}:${e.stage}`;
          if (stage === lastStage) return;
          lastStage = stage;
        }
        write({ time: new Date().toISOString(), ...e });
      },
      retry: (info) => write({ time: new Date().toISOString(), event: 'retry', ...info }),
      stop: () => undefined,
    };
  }
  const tty = process.stderr.isTTY === true;
  const bar = tty
    ? new SingleBar({
        stream: process.stderr,
        format: `${prefix} [{bar}] {value}/{total} series | {stage}`,
        barsize: 30,
        hideCursor: false,
        clearOnComplete: true,
      })
    : undefined;
  let started = false;
  let done = 0;
  const line = (text: string) => {
    if (bar && started) {
      // Print above the bar: clear the line, write, let the bar redraw.
      process.stderr.write(`\r\x1b[K${text}\n`);
    } else log(text);
  };
  return {
    event(e) {
      if (e.event === 'found' && bar) {
        bar.start(Number(e.inShard ?? 0), 0, { stage: 'starting' });
        started = true;
      } else if (e.event === 'start' && bar && started) {
        bar.update(done, { stage: `${e.index}/${e.total} ${e.description ?? e.series}` });
      } else if (e.event === 'progress' && bar && started) {
        bar.update(done, { stage: `${e.index}: ${e.stage} ${Math.round(100 * Number(e.fraction))} %` });
      } else if (e.event === 'end') {
        done++;
        if (bar && started) bar.update(done, { stage: String(e.status) });
        const position = e.total === undefined ? `#${e.index}` : `${e.index}/${e.total}`;
        line(`${prefix} ${position} ${describeEnd(e as Extract<BatchEvent, { event: 'end' }>)}`);
      } else if (e.event === 'note') {
        line(`${prefix} ${String(e.message)}`);
      }
    },
    retry: (info) => line(`${prefix} retry ${info.attempt} in ${(info.waitMs / 1000).toFixed(1)} s: ${info.reason}`),
    stop() {
      if (bar && started) bar.stop();
    },
  };
}

/** The summary in words: counts, then each failure with its reason. */
export function summaryText(prefix: string, s: BatchSummary): string {
  const c = s.counts;
  const parts = [
    `${c.done} done`,
    `${c['already-derived']} skipped (already derived)`,
    `${c['not-sodium']} not sodium`,
    `${c['not-original']} not ORIGINAL`,
    ...(c['would-denoise'] ? [`${c['would-denoise']} to denoise (dry run)`] : []),
    `${c.failed} failed`,
  ];
  return [
    `${prefix}: ${s.series} series — ${parts.join(', ')} (${s.seconds.toFixed(1)} s)`,
    ...s.failures.map((f) => `  failed: series ${f.series} (study ${f.study}): ${f.reason}`),
  ].join('\n');
}

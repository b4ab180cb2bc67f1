// What `batch` and `watch` share: the denoising flags, PACS connection flags (credentials only from files or the
// environment), the loaded job (weights, NLM worker pool) and the reporting of series events (a bar on a terminal,
// a line per series in a log, JSON lines with --json).
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { BatchEvent, BatchSummary } from '../jobs/pacs/batch';
import type { PacsDenoiseJob } from '../jobs/pacs/denoiseSeries';
import type { DenoiseRequest } from '../jobs/denoise';
import type { LoadedDA } from '../model/da/weights-io';
import { NLM_DEFAULTS } from '../model/nlm/params';
import { createNodeNlmPool } from '../model/nlm/node-pool';
import type { NlmWorkerPool } from '../model/nlm';
import type { HttpOptions, RetryInfo } from '../io/pacs/http';
import { authorizationHeader, CREDENTIALS_ENV, TOKEN_ENV, type AuthOptions } from './pacs-auth';
import { daRunnerFor, parseRequest } from './denoise';
import { choiceOption, intOption, numberOption } from './parse';
import { log } from './output';
import { threadCount } from './threads';

export interface PacsWorkerCliOptions extends AuthOptions {
  method: string;
  model?: string;
  sigma?: number;
  patchRadius?: number;
  blockRadius?: number;
  rician: boolean;
  threads?: number;
  backend?: string;
  timeout: number;
  retries: number;
  stowBatch: number;
  json?: boolean;
}

/** Adds the denoising, connection and output flags to `batch` or `watch`. */
export function addPacsWorkerOptions(cmd: Command): Command {
  return cmd
    .addOption(
      choiceOption('--method <da|nlm>', "denoising method: da (the paper's autoencoder) or nlm (non-local means)", [
        'da',
        'nlm',
      ]).makeOptionMandatory(),
    )
    .option(
      '--model <dir>',
      'DA: weights directory (model.json, weights.bin, model-card.json); default: the model weights/default.json names',
    )
    .addOption(
      // Any number here: whether σ suits each image is checked in one place, checkNlmSigma (model/nlm/params.ts).
      numberOption('--sigma <value>', 'NLM: noise σ (default: estimated from each image)', {}),
    )
    .addOption(intOption('--patch-radius <n>', `NLM: patch radius (default ${NLM_DEFAULTS.patchRadius})`, { min: 0 }))
    .addOption(intOption('--block-radius <n>', `NLM: block radius (default ${NLM_DEFAULTS.blockRadius})`, { min: 1 }))
    .option('--no-rician', 'NLM: no Rician bias correction')
    .addOption(
      intOption(
        '--threads <k>',
        'worker threads for one series, DA (wasm) or NLM (default: one per core; see docs/deploy.md)',
        { min: 1 },
      ),
    )
    .option('--backend <name>', 'tfjs backend for the DA: wasm or cpu')
    .option('--token-file <file>', `bearer token file (default: environment variable ${TOKEN_ENV})`)
    .option(
      '--credentials-file <file>',
      `basic credentials file, "user:password" or JSON {"username","password"} (default: environment variable ${CREDENTIALS_ENV})`,
    )
    .option('--token-env <name>', 'read the bearer token from this environment variable')
    .option('--credentials-env <name>', 'read "user:password" from this environment variable')
    .addOption(
      numberOption(
        '--timeout <seconds>',
        'time limit per HTTP request, body included',
        { min: 0, exclusiveMin: true },
        120,
      ),
    )
    .addOption(
      intOption(
        '--retries <n>',
        'retries per request on network errors, timeouts, 429 and 5xx (exponential back-off)',
        { min: 0 },
        4,
      ),
    )
    .addOption(intOption('--stow-batch <n>', 'instances per STOW-RS request', { min: 1 }, 16))
    .option('--json', 'JSON lines on stdout: one per event, the summary last');
}

/** HTTP settings from the flags: Authorization, timeout, retries; retries are reported. */
export function httpOptions(
  opts: PacsWorkerCliOptions,
  report: (info: RetryInfo) => void,
  signal?: AbortSignal,
): HttpOptions {
  const authorization = authorizationHeader(opts);
  return {
    timeoutMs: opts.timeout * 1000,
    retries: opts.retries,
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

/** The denoising request with its weights loaded, and the worker threads (NLM pool or DA workers) sized by --threads. */
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
  });
  const threads = threadCount(opts.threads);
  const plural = threads === 1 ? '' : 's';
  const { stowBatch } = opts;
  if (request.method === 'da') {
    // tfjs loads only when the DA runs (NLM workers start without it).
    const { loadDA } = await import('../model/da/weights-io');
    const model = await loadDA(opts.model);
    const checksum = model.checksum ? ` (sha256 ${model.checksum.slice(0, 12)}…)` : '';
    // The DA's blend with NLM (SURE's weight, or a study-adapted card's): its NLM runs on threads too.
    const blendPool = createNodeNlmPool(threads);
    const blend = model.card.nlmBlend
      ? ` blended with NLM (weight ${model.card.nlmBlend.weight}, from its study's held-out slabs)`
      : ' blended with NLM by SURE per series';
    return {
      job: {
        request: { ...request, weights: model },
        backend: opts.backend,
        daRunner: daRunnerFor(threads, opts.backend),
        workerPool: blendPool,
        stowBatch,
        signal,
      },
      model,
      description: `DA ${model.card.name} ${model.card.version}${checksum}${blend}, ${threads} thread${plural}`,
      dispose: () => blendPool.dispose(),
    };
  }
  if (opts.backend !== undefined) throw new Error('--backend applies to --method da; NLM runs on CPU threads');
  const pool: NlmWorkerPool = createNodeNlmPool(threads);
  const sigma = request.sigma === undefined ? 'σ estimated' : `σ ${request.sigma}`;
  const p = { ...NLM_DEFAULTS, ...Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)) };
  return {
    job: { request, workerPool: pool, stowBatch, signal },
    description: `NLM (patch ${p.patchRadius}, block ${p.blockRadius}, ${sigma}, ${p.rician ? 'Rician' : 'Gaussian'}), ${threads} thread${plural}`,
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

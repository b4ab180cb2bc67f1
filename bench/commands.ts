// Whole commands timed as a user waits for them (process start to file written), in the same minutes as their peers:
// CLI start-up against a bare `node -e 0`; `denoise --method nlm` against a whole Python process running DIPY's
// estimate_sigma + nlmeans with load and save (and both call-only); `denoise --method da` at 64³ and 128³ on 1 and 2
// worker threads; peak RSS of each process (GNU time's maximum resident set size).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { psnr } from '../src/core/metrics';
import type { Volume } from '../src/core/volume';
import { readNiftiFile, writeNiftiFile } from '../src/io/nifti';
import { generateSubject, resolvePhantomParams } from '../src/phantom';
import type { BenchTable } from './types';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'sodium-denoise.js');
const PYTHON = '/usr/bin/python3';
const DIPY_SCRIPT = path.join(ROOT, 'scripts', 'dipy_nlm.py');
const GNU_TIME = '/usr/bin/time';
const ROUNDS = Number(process.env.BENCH_COMMAND_ROUNDS ?? 3);
const STARTUP_ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 9);

interface Timed {
  seconds: number;
  /** Peak resident set size, MB (null without GNU time). */
  peakRssMb: number | null;
  stdout: string;
}

/** Runs a process to completion; wall time measured here, peak RSS by GNU time when present. */
function timeProcess(command: string, args: string[]): Timed {
  const useTime = fs.existsSync(GNU_TIME);
  const rssFile = path.join(os.tmpdir(), `bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [cmd, argv] = useTime ? [GNU_TIME, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.error?.message || '').trim()}`,
    );
  let peakRssMb: number | null = null;
  if (useTime) {
    const kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    fs.rmSync(rssFile, { force: true });
    peakRssMb = Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  }
  return { seconds, peakRssMb, stdout: r.stdout };
}

/** Times one whole `sodium-denoise denoise --json` command on `input`; returns the timing and its parsed JSON. */
function timeDenoise<J>(
  method: 'da' | 'nlm',
  input: string,
  out: string,
  threads: number,
  extra: string[] = [],
): { t: Timed; json: J } {
  const args = ['denoise', '--method', method, '--in', input, '--out', out, '--threads', String(threads), '--json'];
  const t = timeProcess(process.execPath, [CLI, ...args, ...extra]);
  return { t, json: JSON.parse(t.stdout) as J };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** The compiled CLI is what ships: rebuild build/ first when src/ changed. */
function ensureBuild(): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js'), '--if-stale'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/build.js failed: ${r.stderr}`);
  return require('../bin/build-state').buildIsCurrent() ? 'compiled build/' : 'tsx (build/ is stale)';
}

function startupTable(mode: string): BenchTable {
  const cases: Array<[string, string[]]> = [
    ['node -e 0', ['-e', '0']],
    ['sodium-denoise --version', [CLI, '--version']],
    ['sodium-denoise --help', [CLI, '--help']],
  ];
  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  const rss = new Map<string, number | null>();
  for (let round = 0; round < STARTUP_ROUNDS; round++) {
    for (const [name, args] of cases) {
      const t = timeProcess(process.execPath, args);
      times.get(name)!.push(t.seconds);
      rss.set(name, t.peakRssMb);
    }
  }
  const base = median(times.get('node -e 0')!);
  return {
    title: 'CLI start-up (whole process)',
    columns: ['command', 'runs', 'median s', 'min s', '× node -e 0 (median)', 'peak RSS MB'],
    rows: cases.map(([name]) => ({
      command: name,
      runs: times.get(name)!.length,
      'median s': round(median(times.get(name)!), 3),
      'min s': round(Math.min(...times.get(name)!), 3),
      '× node -e 0 (median)': round(median(times.get(name)!) / base, 2),
      'peak RSS MB': rss.get(name) ?? null,
    })),
    notes: [
      `the CLI ran from ${mode}; ${STARTUP_ROUNDS} interleaved rounds; target: --version within 5× node -e 0`,
      `load average ${os.loadavg()[0].toFixed(1)} at the end (${os.availableParallelism()} cores)`,
    ],
  };
}

interface Head {
  name: string;
  input: string;
  truth: Volume;
  brainMask: Uint8Array;
}

async function writeHead(dir: string, matrix: number, voxelSizeMm: number): Promise<Head> {
  const subject = generateSubject(resolvePhantomParams({ subjects: 1, matrix, voxelSizeMm }), 0);
  const input = path.join(dir, `head-${matrix}.nii.gz`);
  await writeNiftiFile(input, subject.acquisitions[0]);
  return { name: `${matrix}³ head`, input, truth: subject.truth, brainMask: subject.brainMask };
}

async function psnrOf(head: Head, file: string): Promise<number> {
  return psnr(head.truth, await readNiftiFile(file), head.brainMask);
}

/** NLM (DIPY's defaults, patch 1 block 5): our whole command vs DIPY's whole process, rounds interleaved. */
async function nlmTable(head: Head, dir: string): Promise<BenchTable> {
  const cores = os.availableParallelism();
  const dipyOut = path.join(dir, 'dipy.nii.gz');
  type Sample = { whole: number; inner: number; rss: number | null; psnr: number; sigma: number };
  const samples = new Map<string, Sample[]>();
  const add = (name: string, s: Sample) => samples.set(name, [...(samples.get(name) ?? []), s]);
  const dipyName = (t: number) => `DIPY estimate_sigma + nlmeans, python3 process, ${t} thread${t > 1 ? 's' : ''}`;
  const oursName = (t: number, sigma: string) =>
    `sodium-denoise denoise --method nlm (${sigma}), ${t} thread${t > 1 ? 's' : ''}`;
  let dipySigma = NaN;
  for (let r = 0; r < ROUNDS; r++) {
    for (const threads of [...new Set([1, cores])]) {
      const t = timeProcess(PYTHON, [
        DIPY_SCRIPT,
        '--in',
        head.input,
        '--out',
        dipyOut,
        '--sigma',
        'estimate',
        '--threads',
        String(threads),
      ]);
      const info = JSON.parse(t.stdout) as { seconds: number; sigma: number };
      dipySigma = info.sigma;
      add(dipyName(threads), {
        whole: t.seconds,
        inner: info.seconds,
        rss: t.peakRssMb,
        psnr: await psnrOf(head, dipyOut),
        sigma: info.sigma,
      });
    }
    for (const threads of [...new Set([1, cores])]) {
      for (const sigma of ['own σ estimate', "DIPY's σ"]) {
        const out = path.join(dir, `ours-${threads}.nii.gz`);
        const extra = sigma === "DIPY's σ" ? ['--sigma', String(dipySigma)] : [];
        const { t, json } = timeDenoise<{ millis: number; parameters: { sigma: number } }>(
          'nlm',
          head.input,
          out,
          threads,
          extra,
        );
        add(oursName(threads, sigma), {
          whole: t.seconds,
          inner: json.millis / 1000,
          rss: t.peakRssMb,
          psnr: await psnrOf(head, out),
          sigma: json.parameters.sigma,
        });
      }
    }
  }
  const dipyBest = median(samples.get(dipyName(cores))!.map((s) => s.whole));
  const dipyCall = median(samples.get(dipyName(cores))!.map((s) => s.inner));
  const rows = [...samples].map(([name, list]) => {
    const whole = median(list.map((s) => s.whole));
    const inner = median(list.map((s) => s.inner));
    const ours = name.startsWith('sodium-denoise');
    return {
      implementation: name,
      runs: list.length,
      'whole s (median)': round(whole, 3),
      'call s (median)': round(inner, 3),
      [`whole: DIPY ${cores}t ÷ this`]: ours ? round(dipyBest / whole, 2) : null,
      [`call: DIPY ${cores}t ÷ this`]: ours ? round(dipyCall / inner, 2) : null,
      σ: round(list[0].sigma, 3),
      'pSNR dB': round(list[0].psnr, 4),
      'peak RSS MB': list[0].rss,
    };
  });
  return {
    title: `NLM (patch 1, block 5) on a ${head.name}: whole command vs a whole DIPY process, and call-only`,
    columns: Object.keys(rows[0]),
    rows,
    notes: [
      'whole: process start to output file written (DIPY: python3 start, numpy/dipy import, NIfTI read, estimate_sigma, nlmeans, write; ours: node start, NIfTI read, σ estimate, NLM on worker threads, write)',
      "call: DIPY's estimate_sigma + nlmeans calls; ours: the denoise job (σ estimate + NLM, the JSON's millis)",
      '"DIPY\'s σ" rows give our NLM DIPY\'s estimate_sigma value: same definition, same σ, so equal pSNR (we match DIPY to ~1e-5)',
      `${ROUNDS} interleaved rounds, medians; pSNR vs the noise-free truth over the phantom brain mask; load average ${os.loadavg()[0].toFixed(1)}`,
    ],
  };
}

/** The DA and NLM whole commands at 64³ and 128³ on 1 and 2 worker threads, with peak RSS. */
async function daTable(heads: Head[], dir: string): Promise<BenchTable> {
  const rows: BenchTable['rows'] = [];
  for (const head of heads) {
    const outputs: Record<number, Volume> = {};
    for (const threads of [1, 2]) {
      const out = path.join(dir, `da-${head.name.replace(/\W/g, '')}-${threads}.nii.gz`);
      const { t, json } = timeDenoise<{ millis: number; backend: string }>('da', head.input, out, threads);
      outputs[threads] = await readNiftiFile(out);
      rows.push({
        command: 'denoise --method da',
        case: `${head.name}, no mask`,
        threads,
        backend: json.backend,
        'whole s': round(t.seconds, 2),
        'job s': round(json.millis / 1000, 2),
        'peak RSS MB': t.peakRssMb,
        'pSNR dB': round(psnr(head.truth, outputs[threads], head.brainMask), 4),
        'max |out − 1 thread|': threads === 1 ? null : maxAbsDiff(outputs[1], outputs[threads]),
      });
    }
    const out = path.join(dir, `nlm-${head.name.replace(/\W/g, '')}.nii.gz`);
    const { t, json } = timeDenoise<{ millis: number; backend: string }>('nlm', head.input, out, 2);
    rows.push({
      command: 'denoise --method nlm',
      case: `${head.name}, no mask`,
      threads: 2,
      backend: json.backend,
      'whole s': round(t.seconds, 2),
      'job s': round(json.millis / 1000, 2),
      'peak RSS MB': t.peakRssMb,
      'pSNR dB': round(await psnrOf(head, out), 4),
      'max |out − 1 thread|': null,
    });
  }
  return {
    title: 'Whole denoise commands: DA on 1 and 2 worker threads, NLM, at 64³ and 128³',
    columns: Object.keys(rows[0]),
    rows,
    notes: [
      'targets: DA 64³ ≤ 4 s and 128³ ≤ 25 s whole command; peak RSS at 128³ ≤ 600 MB (DA and NLM)',
      'whole s: process start to file written; job s: the denoise job alone (JSON millis); one run each',
      `max |out − 1 thread| = 0: the worker split gives the single-thread result voxel for voxel; load average ${os.loadavg()[0].toFixed(1)}`,
    ],
  };
}

function maxAbsDiff(a: Volume, b: Volume): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

export async function run(): Promise<BenchTable[]> {
  const mode = ensureBuild();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-commands-'));
  try {
    const tables = [startupTable(mode)];
    const head64 = await writeHead(dir, 64, 4);
    tables.push(await nlmTable(head64, dir));
    const head128 = await writeHead(dir, 128, 2);
    tables.push(await daTable([head64, head128], dir));
    return tables;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

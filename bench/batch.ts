// Batch throughput: series per minute with 1, 2 and 4 `sodium-denoise batch --shard i/N` workers (one thread each)
// on one Orthanc, plus one worker with 2 threads, from a fresh PACS each time. Every worker is a real CLI process
// doing what it does in production: QIDO-RS, WADO-RS, NLM, STOW-RS, and a QIDO-RS check.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startOrthanc, uploadFiles } from '../src/server/orthanc';
import { startCli, type CliResult } from '../test/helpers/cliProcess';
import { writeStudies, type GeneratedStudy } from '../test/helpers/pacsStudies';
import type { BenchTable } from './types';

const SERIES = Number(process.env.NA_BENCH_BATCH_SERIES ?? 12);
const MATRIX = Number(process.env.NA_BENCH_BATCH_MATRIX ?? 32);
const CONFIGS: ReadonlyArray<{ workers: number; threads: number }> = [
  { workers: 1, threads: 1 },
  { workers: 2, threads: 1 },
  { workers: 4, threads: 1 },
  { workers: 1, threads: 2 },
];

interface Measured {
  /** Wall clock (ms since the epoch) when the workers were started. */
  t0: number;
  seconds: number;
  results: CliResult[];
}

async function runConfig(studies: GeneratedStudy[], workers: number, threads: number): Promise<Measured> {
  const orthanc = await startOrthanc();
  try {
    for (const s of studies) await uploadFiles(orthanc, s.files);
    const t0 = performance.now();
    const wall0 = Date.now();
    const runs = Array.from({ length: workers }, (_, i) =>
      startCli([
        'batch',
        '--dicomweb',
        `${orthanc.url}/dicom-web`,
        '--method',
        'nlm',
        '--shard',
        `${i}/${workers}`,
        '--threads',
        String(threads),
        '--json',
        '--credentials-file',
        orthanc.credentialsFile,
      ]),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    const seconds = (performance.now() - t0) / 1000;
    for (const r of results) {
      if (r.code !== 0)
        throw new Error(`a batch worker failed (exit ${r.code ?? r.signal}):\n${r.stderr.slice(-1500)}`);
    }
    return { t0: wall0, seconds, results };
  } finally {
    await orthanc.stop();
  }
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export async function run(): Promise<BenchTable[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-batch-'));
  const notes: string[] = [];
  const rows: BenchTable['rows'] = [];
  try {
    const studies = await writeStudies(dir, SERIES, MATRIX);
    notes.push(
      `${SERIES} studies, each one ORIGINAL 23Na series of ${MATRIX}³ voxels (phantom heads), plus 1H and DERIVED series the workers skip; NLM defaults (patch 1, block 5, σ estimated, Rician)`,
      'wall time from starting the worker processes to the last exit (Node start-up, QIDO, WADO-RS, NLM, STOW-RS of 16 instances per request, final QIDO check); a fresh Orthanc (same machine) per row',
      `machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), load average ${os.loadavg()[0].toFixed(1)} at start; shared machines make absolute numbers noisy, rows are from the same minutes`,
    );
    let base: number | undefined;
    for (const { workers, threads } of CONFIGS) {
      const m = await runConfig(studies, workers, threads);
      const ends = m.results.flatMap((r) => r.events.filter((e) => e.event === 'end' && e.status === 'done'));
      if (ends.length !== SERIES) throw new Error(`expected ${SERIES} series done, got ${ends.length}`);
      const denoise = ends.reduce((s, e) => s + Number(e.millis), 0) / ends.length / 1000;
      // Where the time goes: process start-up to the first QIDO answer, and each series from its start to its end.
      const startup = m.results.map((r) => Date.parse(String(r.events.find((e) => e.event === 'found')?.time)) - m.t0);
      const starts = new Map(
        m.results.flatMap((r) =>
          r.events.filter((e) => e.event === 'start').map((e) => [`${e.series}`, Date.parse(String(e.time))]),
        ),
      );
      const perSeries = ends.map((e) => Date.parse(String(e.time)) - (starts.get(String(e.series)) ?? NaN));
      const perMinute = (SERIES / m.seconds) * 60;
      if (workers === 1 && threads === 1) base = perMinute;
      rows.push({
        workers,
        'threads/worker': threads,
        series: SERIES,
        'wall s': round(m.seconds, 1),
        'series/min': round(perMinute, 2),
        'vs 1 worker': base ? round(perMinute / base, 2) : null,
        'start-up s': round(startup.reduce((a, b) => a + b, 0) / startup.length / 1000, 1),
        'series s (worker)': round(perSeries.reduce((a, b) => a + b, 0) / perSeries.length / 1000, 2),
        'NLM s/series': round(denoise, 2),
        'load avg': round(os.loadavg()[0], 1),
      });
      process.stderr.write(`[bench batch] ${workers}×${threads}: ${perMinute.toFixed(2)} series/min\n`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return [
    {
      title: `Batch throughput: sodium-denoise batch workers (--shard i/N) on one Orthanc, ${SERIES} series of ${MATRIX}³`,
      columns: Object.keys(rows[0] ?? {}),
      rows,
      notes,
    },
  ];
}

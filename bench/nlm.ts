// NLM benchmark, kernels only: our DIPY-equivalent nlmeans (WebAssembly SIMD and the JS reference kernel on 1 and 2
// worker threads, tfjs on wasm/cpu) next to DIPY's own nlmeans call on the same 64³ phantom head, same σ, in the same
// run; time, speed ratio and pSNR vs truth. Whole commands are in commands.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { psnr } from '../src/core/metrics';
import type { Volume } from '../src/core/volume';
import { readNiftiFile, writeNiftiFile } from '../src/io/nifti';
import { activateBackend } from '../src/model/backend';
import { nlmeans, nlmeansTf } from '../src/model/nlm';
import { createNodeNlmPool } from '../src/model/nlm/node-pool';
import { generateSubject, resolvePhantomParams } from '../src/phantom';
import type { BenchTable } from './types';

const PYTHON = '/usr/bin/python3';
const DIPY_SCRIPT = path.join(__dirname, '..', 'scripts', 'dipy_nlm.py');

/** The usual settings: DIPY's default, a quicker search, a larger patch. */
const PARAMETER_SETS: ReadonlyArray<{ patchRadius: number; blockRadius: number }> = [
  { patchRadius: 1, blockRadius: 5 },
  { patchRadius: 1, blockRadius: 3 },
  { patchRadius: 2, blockRadius: 5 },
];
/** tfjs's cpu backend is ~20× slower than wasm on these ops: only the quickest setting runs on it. */
const TF_CPU_SETS = new Set(['1/3']);

interface Run {
  implementation: string;
  threads: number;
  seconds: number;
  output: Volume;
}

export async function run(): Promise<BenchTable[]> {
  const subject = generateSubject(resolvePhantomParams({ subjects: 1 }), 0);
  const noisy = subject.acquisitions[0];
  const sigma = subject.noiseSigma;
  const measure = (v: Volume) => psnr(subject.truth, v, subject.brainMask);
  const cores = os.availableParallelism();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-nlm-'));
  const notes: string[] = [
    `phantom sub-01 (seed 1), ${noisy.dims.join('×')} voxels, σ = ${sigma.toFixed(3)} (the phantom's true noise σ, given to every implementation), Rician correction on`,
    `pSNR vs the noise-free truth over the phantom's brain mask; noisy input ${measure(noisy).toFixed(3)} dB`,
    'ours: times include cutting boxes and reassembling; worker start-up excluded (pools are warmed first). DIPY: time of the nlmeans call itself',
    `machine: ${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), load average ${os.loadavg()[0].toFixed(1)} at start — shared machines make absolute times noisy; ratios within a row set are from the same minutes`,
  ];
  const dipyReason = dipyMissing();
  if (dipyReason) notes.push(`DIPY baseline missing: ${dipyReason}`);
  const input = path.join(dir, 'noisy.nii.gz');
  await writeNiftiFile(input, noisy);

  const pools = { 1: createNodeNlmPool(1), 2: createNodeNlmPool(2) } as const;
  const rows: BenchTable['rows'] = [];
  try {
    // Warm the workers (module loading, JIT, wasm compile) on a small problem, with both kernels.
    for (const pool of Object.values(pools))
      for (const engine of ['simd', 'js'] as const) await nlmeans(noisy, { sigma, blockRadius: 2 }, { pool, engine });

    for (const { patchRadius, blockRadius } of PARAMETER_SETS) {
      const params = { sigma, patchRadius, blockRadius, rician: true };
      const dipy: Record<number, Run> = {};
      if (!dipyReason) {
        for (const threads of [...new Set([1, cores])]) {
          dipy[threads] = await runDipy(
            input,
            path.join(dir, `dipy-${patchRadius}-${blockRadius}-${threads}.nii.gz`),
            params,
            threads,
          );
        }
      }
      const ours: Run[] = [];
      for (const engine of ['simd', 'js'] as const) {
        for (const threads of [1, 2] as const) {
          const t0 = performance.now();
          const output = await nlmeans(noisy, params, { pool: pools[threads], engine });
          ours.push({
            implementation: engine === 'simd' ? 'ours: WebAssembly SIMD kernel' : 'ours: JS kernel (reference)',
            threads,
            seconds: (performance.now() - t0) / 1000,
            output,
          });
        }
      }
      const tfBackends = TF_CPU_SETS.has(`${patchRadius}/${blockRadius}`) ? ['wasm', 'cpu'] : ['wasm'];
      for (const backend of tfBackends) {
        const reason = await activateBackend(backend);
        if (reason) {
          notes.push(`tfjs ${backend} skipped: ${reason}`);
          continue;
        }
        const t0 = performance.now();
        const { volume } = await nlmeansTf(noisy, params, { backend });
        ours.push({
          implementation: `ours: tfjs ${backend}`,
          threads: 1,
          seconds: (performance.now() - t0) / 1000,
          output: volume,
        });
      }

      const reference = dipy[cores] ?? dipy[1];
      for (const r of [...Object.values(dipy), ...ours]) {
        const isDipy = r.implementation.startsWith('DIPY');
        const sameThreads = dipy[r.threads];
        let maxDiff: number | null = null;
        if (reference && !isDipy) {
          maxDiff = 0;
          for (let i = 0; i < r.output.data.length; i++)
            maxDiff = Math.max(maxDiff, Math.abs(r.output.data[i] - reference.output.data[i]));
        }
        const p = measure(r.output);
        rows.push({
          'patch r': patchRadius,
          'block r': blockRadius,
          implementation: r.implementation,
          threads: r.threads,
          seconds: round(r.seconds, 3),
          'speed-up vs DIPY, same threads': !isDipy && sameThreads ? round(sameThreads.seconds / r.seconds, 2) : null,
          [`speed-up vs DIPY, ${cores} threads`]:
            !isDipy && dipy[cores] ? round(dipy[cores].seconds / r.seconds, 2) : null,
          'pSNR dB': round(p, 4),
          'pSNR − DIPY dB': reference ? round(p - measure(reference.output), 4) : null,
          'max |out − DIPY|': maxDiff === null ? null : Number(maxDiff.toExponential(2)),
        });
      }
    }
  } finally {
    await Promise.all(Object.values(pools).map((p) => p.dispose()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const columns = Object.keys(rows[0] ?? {});
  return [
    {
      title: `NLM (DIPY nlmeans definition) on a ${noisy.dims.join('×')} phantom head: ours vs DIPY`,
      columns,
      rows,
      notes,
    },
  ];
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function dipyMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import dipy.denoise.nlmeans'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not runnable (${r.error.message})`;
  return r.status === 0 ? null : `python3-dipy not importable by ${PYTHON}: ${r.stderr.trim().split('\n').pop()}`;
}

async function runDipy(
  input: string,
  output: string,
  p: { sigma: number; patchRadius: number; blockRadius: number },
  threads: number,
): Promise<Run> {
  const args = [
    DIPY_SCRIPT,
    '--in',
    input,
    '--out',
    output,
    '--sigma',
    String(p.sigma),
    '--patch-radius',
    String(p.patchRadius),
    '--block-radius',
    String(p.blockRadius),
    '--threads',
    String(threads),
  ];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`DIPY nlmeans failed: ${r.stderr.trim()}`);
  const info = JSON.parse(r.stdout) as { seconds: number; dipy: string };
  return {
    implementation: `DIPY ${info.dipy} nlmeans`,
    threads,
    seconds: info.seconds,
    output: await readNiftiFile(output),
  };
}

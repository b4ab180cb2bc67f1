// Runs scripts/torch_da_bench.py with the system Python (Debian python3-torch) for side-by-side rows.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SYSTEM_PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', 'scripts', 'torch_da_bench.py');

/** Whether `import torch` works for the system Python; the reason when it does not. */
export function torchAvailable(): { ok: boolean; reason?: string } {
  if (!fs.existsSync(SYSTEM_PYTHON)) return { ok: false, reason: `${SYSTEM_PYTHON} not found` };
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0
    ? { ok: true }
    : { ok: false, reason: `import torch failed: ${(r.stderr || '').trim().split('\n').pop()}` };
}

/**
 * One run of the PyTorch peer; returns its JSON line. OpenBLAS (Debian's pthread build) otherwise starts a thread per
 * core for every BLAS call whatever torch.set_num_threads says, so its pool gets the row's thread count too: a
 * "1 thread" row then uses one thread, and was faster for it (17 vs 20–23 ms a batch-128 step at load 5).
 */
export function runTorch(args: string[]): Record<string, number | string> {
  const threads = args[args.indexOf('--threads') + 1];
  const env = args.includes('--threads') ? { ...process.env, OPENBLAS_NUM_THREADS: threads } : process.env;
  const r = spawnSync(SYSTEM_PYTHON, [SCRIPT, ...args], { encoding: 'utf8', timeout: 300_000, env });
  if (r.status !== 0)
    throw new Error(`torch_da_bench.py ${args.join(' ')} failed: ${r.stderr?.trim() || r.error?.message}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  if (out.error) throw new Error(String(out.error));
  return out;
}

/** Where Debian's libblas.so.3 alternative points (what python3-torch and numpy load), or why it is unknown. */
export function blasAlternative(): string {
  const r = spawnSync('update-alternatives', ['--query', 'libblas.so.3-x86_64-linux-gnu'], { encoding: 'utf8' });
  if (r.status !== 0) return `unknown (update-alternatives: ${(r.stderr || r.error?.message || '').trim()})`;
  const value = /^Value: (.*)$/m.exec(r.stdout)?.[1] ?? 'none';
  const status = /^Status: (.*)$/m.exec(r.stdout)?.[1] ?? '?';
  return `${value} (${status} mode)`;
}

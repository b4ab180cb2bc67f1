// Test helpers for core numerics: a seeded RNG, synthetic magnitude images with Rician noise, python bridges.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVolume, type Vec3, type Volume } from '../../src/core/volume';

/** mulberry32: small, fast, seeded uniform [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Magnitude of (signal + complex Gaussian noise of σ per channel): Rician, Rayleigh where signal = 0. */
export function addRician(signal: Float32Array, sigma: number, seed: number): Float32Array {
  const g = gaussian(rng(seed));
  const out = new Float32Array(signal.length);
  for (let i = 0; i < signal.length; i++) {
    const re = signal[i] + sigma * g();
    const im = sigma * g();
    out[i] = Math.hypot(re, im);
  }
  return out;
}

/** A volume whose value is f(x, y, z) in mm from the grid centre. */
export function fieldVolume(dims: Vec3, spacing: Vec3, f: (x: number, y: number, z: number) => number): Volume {
  const v = createVolume({ dims, spacing });
  const c = dims.map((d) => (d - 1) / 2);
  for (let k = 0, idx = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, idx++) v.data[idx] = f((i - c[0]) * spacing[0], (j - c[1]) * spacing[1], (k - c[2]) * spacing[2]);
  return v;
}

export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Whether the system python can import all the modules. */
export function pythonHas(...modules: string[]): boolean {
  if (!fs.existsSync(SYSTEM_PYTHON)) return false;
  const r = spawnSync(SYSTEM_PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  return r.status === 0;
}

/** Writes float32 arrays to a temp dir, runs a python snippet with their paths in argv, returns its parsed JSON stdout. */
export function runPython(script: string, arrays: Float32Array[]): unknown {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-py-'));
  try {
    const files = arrays.map((a, i) => {
      const f = path.join(dir, `a${i}.f32`);
      fs.writeFileSync(f, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
      return f;
    });
    const r = spawnSync(SYSTEM_PYTHON, ['-c', script, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

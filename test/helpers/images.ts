// Test helpers for core numerics: a seeded RNG, synthetic magnitude images with Rician noise, python bridges.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createVolume,
  IDENTITY_DIRECTION,
  voxelToPatient,
  type Mat3,
  type Vec3,
  type Volume,
} from '../../src/core/volume';
import { gaussianFilter } from '../../src/core/filters';

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
      for (let i = 0; i < dims[0]; i++, idx++)
        v.data[idx] = f((i - c[0]) * spacing[0], (j - c[1]) * spacing[1], (k - c[2]) * spacing[2]);
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

export interface SyntheticHead {
  volume: Volume;
  /** Voxel centres inside the intracranial space (brain tissue, ventricles, CSF under the skull). */
  brain: Uint8Array;
  /** Voxel centres inside a calibration tube or an eye. */
  tubes: Uint8Array;
  eyes: Uint8Array;
}

/**
 * An independent, hand-built sodium head (not the project's phantom): scalp 20 mM, skull ~3 mM, CSF 140 mM under the
 * skull and in the ventricles, brain 32–40 mM, eyes 140 mM in front and below the frontal lobe, two tubes (50 and
 * 100 mM) beside the head, a neck running out of the field of view. Concentrations are sampled per voxel,
 * blurred by a PSF of `psfMm` and given Rician noise for the requested brain SNR. LPS: +x left, +y posterior, +z up.
 */
export function syntheticSodiumHead(
  opts: {
    spacing?: Vec3;
    dims?: Vec3;
    snr?: number;
    seed?: number;
    psfMm?: number;
    shift?: Vec3;
    direction?: Mat3;
    supersample?: 1 | 2;
  } = {},
): SyntheticHead {
  const spacing = opts.spacing ?? [4, 4, 4];
  const dims = opts.dims ?? [64, 64, 56];
  const [dx, dy, dz] = opts.shift ?? [0, 0, 0];
  const ell = (x: number, y: number, z: number, c: Vec3, r: Vec3) =>
    ((x - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((z - c[2]) / r[2]) ** 2 <= 1;
  const inBrain = (x: number, y: number, z: number) =>
    ell(x, y, z, [0, 6, 12], [64, 82, 68]) && !(y < -38 && z < -12) && !(z < -30 && Math.abs(x) < 20);
  const inEye = (x: number, y: number, z: number) => ell(Math.abs(x), y, z, [32, -74, -28], [12, 12, 12]);
  const tubeValue = (x: number, y: number, z: number) =>
    Math.abs(z) < 50 && Math.hypot(Math.abs(x) - 106, y) <= 10 ? (x > 0 ? 100 : 50) : 0;
  const conc = (px: number, py: number, pz: number): number => {
    const x = px - dx,
      y = py - dy,
      z = pz - dz;
    const t = tubeValue(x, y, z);
    if (t) return t;
    if (inEye(x, y, z)) return 140;
    const head = ell(x, y, z, [0, 0, 0], [80, 100, 90]) || (z < -30 && Math.hypot(x / 55, (y - 15) / 60) <= 1);
    if (!head) return 0;
    if (ell(x, y, z, [0, 6, 12], [58, 76, 62]) && inBrain(x, y, z)) {
      if (ell(Math.abs(x), y, z, [10, 8, 18], [7, 22, 10])) return 140; // lateral ventricles
      return 36 + 4 * Math.sin(x / 9) * Math.cos(y / 11); // grey/white mixture
    }
    if (inBrain(x, y, z)) return 140; // CSF under the skull
    if (ell(x, y, z, [0, 0, 0], [73, 93, 83]) || (z < -30 && Math.hypot(x / 48, (y - 15) / 53) <= 1))
      return z < -30 && !ell(x, y, z, [0, 6, 12], [70, 88, 74]) ? 22 : 3; // skull (neck: muscle)
    return 20; // scalp
  };
  // The grid's centre sits at the patient origin whatever the direction cosines.
  const direction = opts.direction ?? IDENTITY_DIRECTION;
  const half = dims.map((d, a) => ((d - 1) / 2) * spacing[a]);
  const origin = [0, 1, 2].map(
    (r) => -(direction[r] * half[0] + direction[3 + r] * half[1] + direction[6 + r] * half[2]),
  ) as Vec3;
  const volume = createVolume({ dims, spacing, origin, direction });
  const rowDir = direction.slice(0, 3),
    colDir = direction.slice(3, 6),
    sliceDir = direction.slice(6, 9);
  const brain = new Uint8Array(volume.data.length);
  const tubes = new Uint8Array(volume.data.length);
  const eyes = new Uint8Array(volume.data.length);
  // Sub-voxel samples per axis: 2 gives partial volume; 1 (default) keeps tests fast, the PSF blur smooths edges anyway.
  const sub = (opts.supersample ?? 1) === 2 ? [-1 / 4, 1 / 4] : [0];
  for (let k = 0, idx = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, idx++) {
        const [x, y, z] = voxelToPatient(volume, i, j, k);
        let s = 0;
        for (const a of sub)
          for (const b of sub)
            for (const c of sub) {
              const off = [0, 1, 2].map(
                (r) => rowDir[r] * a * spacing[0] + colDir[r] * b * spacing[1] + sliceDir[r] * c * spacing[2],
              );
              s += conc(x + off[0], y + off[1], z + off[2]);
            }
        volume.data[idx] = s / sub.length ** 3;
        brain[idx] = inBrain(x - dx, y - dy, z - dz) ? 1 : 0;
        tubes[idx] = tubeValue(x - dx, y - dy, z - dz) ? 1 : 0;
        eyes[idx] = inEye(x - dx, y - dy, z - dz) ? 1 : 0;
      }
  const psf = opts.psfMm ?? 3;
  const blurred = gaussianFilter(
    volume.data,
    dims,
    spacing.map((s) => psf / s),
    { mode: 'constant' },
  );
  const snr = opts.snr ?? 12;
  const noisy = addRician(Float32Array.from(blurred), 37 / snr, opts.seed ?? 1);
  return { volume: { ...volume, data: noisy }, brain, tubes, eyes };
}

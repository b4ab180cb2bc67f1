// pSNR and SSIM as the paper defines them, checked by hand and against scikit-image (fresh data and a fixture).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { psnr, relativeImprovement, ssim3d, summarize } from '../../src/core/metrics';
import { createVolume, volumeLike, type Volume } from '../../src/core/volume';
import { writeNiftiFile } from '../../src/io/nifti';

import { addRician, fieldVolume, pythonHas, SYSTEM_PYTHON } from '../helpers/images';
import { phantomSubject } from '../helpers/phantom';

const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'make-ssim-fixture.py');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'ssim');

interface SkimageResult {
  dims: [number, number, number];
  maskVoxels: number;
  dataRange: number;
  ssimMeanMask: number;
  mapMin: number;
  mapMax: number;
  mapMean: number;
  mapSample: { index: number[]; value: number[] };
  psnrMask: number;
}

function ramp(): Volume {
  return fieldVolume([8, 6, 5], [2, 2, 2], (x, y, z) => x + 2 * y - z);
}

describe('psnr', () => {
  it('is 10·log10(range² / MSE) for a constant offset', () => {
    const ref = ramp();
    const img = volumeLike(
      ref,
      ref.data.map((v) => v + 0.5),
    );
    let lo = Infinity,
      hi = -Infinity;
    for (const v of ref.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    expect(psnr(ref, img)).toBeCloseTo(10 * Math.log10((hi - lo) ** 2 / 0.25), 6);
  });

  it('takes range and MSE over the mask only', () => {
    const ref = createVolume({ dims: [4, 1, 1], data: Float32Array.from([0, 10, 20, 1000]) });
    const img = createVolume({ dims: [4, 1, 1], data: Float32Array.from([1, 9, 22, 0]) });
    const mask = Uint8Array.from([1, 1, 1, 0]);
    // range 20, MSE (1 + 1 + 4) / 3 = 2
    expect(psnr(ref, img, mask)).toBeCloseTo(10 * Math.log10(400 / 2), 6);
  });

  it('rejects mismatched grids and empty masks', () => {
    const ref = ramp();
    expect(() => psnr(ref, createVolume({ dims: [8, 6, 4] }))).toThrow(/differ in dims/);
    expect(() => psnr(ref, ref, new Uint8Array(3))).toThrow(/mask has 3 voxels/);
    expect(() => psnr(ref, ref, new Uint8Array(ref.data.length))).toThrow(/mask is empty/);
  });
});

describe('ssim3d', () => {
  it('is 1 for identical images and below 1 with noise', () => {
    const ref = fieldVolume([20, 20, 20], [4, 4, 4], (x, y) => 50 + x - y);
    expect(ssim3d(ref, ref).mean).toBeCloseTo(1, 10);
    const noisy = volumeLike(ref, addRician(ref.data, 5, 1));
    const s = ssim3d(ref, noisy).mean;
    expect(s).toBeLessThan(0.9);
    expect(s).toBeGreaterThan(0);
  });

  it('returns the full map on request and averages it over the mask', () => {
    const ref = fieldVolume([16, 16, 16], [4, 4, 4], (x, y, z) => 30 + Math.hypot(x, y, z));
    const img = volumeLike(ref, addRician(ref.data, 4, 2));
    const mask = new Uint8Array(ref.data.length).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const { mean, map } = ssim3d(ref, img, { mask, full: true });
    expect(map).toHaveLength(ref.data.length);
    let s = 0,
      n = 0;
    map!.forEach((v, i) => {
      if (mask[i]) {
        s += v;
        n++;
      }
    });
    expect(mean).toBeCloseTo(s / n, 6);
  });

  it('runs a 64³ volume in well under a second', () => {
    const ref = fieldVolume([64, 64, 64], [4, 4, 4], (x, y, z) => 40 + 0.1 * (x + y + z));
    const img = volumeLike(ref, addRician(ref.data, 3, 3));
    ssim3d(ref, img); // warm-up (JIT)
    // CPU time of this process, not wall time: other jobs on a shared machine must not fail the test.
    const t0 = process.cpuUsage();
    ssim3d(ref, img);
    const used = process.cpuUsage(t0);
    expect((used.user + used.system) / 1000).toBeLessThan(1000);
  });

  it('rejects a constant reference (no data range)', () => {
    const ref = fieldVolume([12, 12, 12], [1, 1, 1], () => 7);
    expect(() => ssim3d(ref, ref)).toThrow(/data range must be positive/);
  });
});

function compareWithSkimage(ref: Volume, img: Volume, mask: Uint8Array, expected: SkimageResult): number {
  expect(expected.dims).toEqual(ref.dims);
  const { mean, map } = ssim3d(ref, img, { mask, full: true });
  expect(Math.abs(mean - expected.ssimMeanMask)).toBeLessThan(1e-4);
  expect(psnr(ref, img, mask)).toBeCloseTo(expected.psnrMask, 4);
  let lo = Infinity,
    hi = -Infinity,
    sum = 0;
  for (const v of map!) [lo, hi, sum] = [Math.min(lo, v), Math.max(hi, v), sum + v];
  expect(Math.abs(lo - expected.mapMin)).toBeLessThan(1e-4);
  expect(Math.abs(hi - expected.mapMax)).toBeLessThan(1e-4);
  expect(Math.abs(sum / map!.length - expected.mapMean)).toBeLessThan(1e-4);
  let worst = 0;
  expected.mapSample.index.forEach(
    (idx, i) => (worst = Math.max(worst, Math.abs(map![idx] - expected.mapSample.value[i]))),
  );
  expect(worst).toBeLessThan(1e-4);
  return Math.max(worst, Math.abs(mean - expected.ssimMeanMask));
}

/** The script's --ref/--img/--mask arguments for files in `dir`. */
function skimageFiles(dir: string, ref: string, img: string, mask: string): string[] {
  return ['--ref', path.join(dir, ref), '--img', path.join(dir, img), '--mask', path.join(dir, mask)];
}

/** Runs make-ssim-fixture.py --print (scikit-image, now) with `args`; `what` names the input in its error. */
function skimageNow(args: string[], what: string): SkimageResult {
  const r = spawnSync(SYSTEM_PYTHON, [SCRIPT, '--print', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-ssim-fixture.py failed${what}: ${r.stderr}`);
  return JSON.parse(r.stdout) as SkimageResult;
}

describe('ssim3d against scikit-image', () => {
  it('matches the committed fixture (a crop of a phantom acquisition vs its mean of three)', () => {
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as SkimageResult;
    const read = (f: string) => fs.readFileSync(path.join(FIXTURE, f));
    const f32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const ref = createVolume({ dims: expected.dims, spacing: [4, 4, 4], data: f32(read('ref.f32')) });
    const img = volumeLike(ref, f32(read('img.f32')));
    const mask = new Uint8Array(read('mask.u8'));
    expect(mask.reduce((a, b) => a + b, 0)).toBe(expected.maskVoxels);
    compareWithSkimage(ref, img, mask, expected);
  });

  it('matches skimage recomputed now on a freshly generated phantom subject', async () => {
    if (!pythonHas('skimage', 'numpy')) {
      throw new Error(
        `${SYSTEM_PYTHON} cannot import skimage: install the Debian package python3-skimage (npm test installs it)`,
      );
    }
    // A small fresh phantom subject (32³ of 8 mm, its own seed): one acquisition against the mean of three.
    const sub = phantomSubject({ seed: 7, matrix: 32, voxelSizeMm: 8 });
    const ref = sub.mean3;
    const img = sub.acquisitions[1];
    const mask = sub.brainMask;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssim-'));
    try {
      fs.writeFileSync(path.join(dir, 'ref.f32'), ref.data);
      fs.writeFileSync(path.join(dir, 'img.f32'), img.data);
      fs.writeFileSync(path.join(dir, 'mask.u8'), mask);
      const raw = ['--dims', ref.dims.join(','), ...skimageFiles(dir, 'ref.f32', 'img.f32', 'mask.u8')];
      compareWithSkimage(ref, img, mask, skimageNow(raw, ''));
      // The same inputs as NIfTI files (the script's own NIfTI reader) give the same answer.
      await writeNiftiFile(path.join(dir, 'ref.nii.gz'), ref);
      await writeNiftiFile(path.join(dir, 'img.nii.gz'), img);
      await writeNiftiFile(path.join(dir, 'mask.nii.gz'), volumeLike(ref, Float32Array.from(mask)), {
        datatype: 'uint8',
      });
      const nifti = skimageFiles(dir, 'ref.nii.gz', 'img.nii.gz', 'mask.nii.gz');
      compareWithSkimage(ref, img, mask, skimageNow(nifti, ' on NIfTI input'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('relativeImprovement and summarize', () => {
  it('gives percent change relative to the baseline', () => {
    expect(relativeImprovement(20, 21)).toBeCloseTo(5, 10);
    expect(relativeImprovement(0.5, 0.45)).toBeCloseTo(-10, 10);
    expect(() => relativeImprovement(0, 1)).toThrow(/from 0/);
  });

  it('summarizes with the sample standard deviation', () => {
    const s = summarize([1, 2, 3, 4]);
    expect(s).toEqual({ mean: 2.5, median: 2.5, std: Math.sqrt(5 / 3), min: 1, max: 4, n: 4 });
    expect(summarize([7]).std).toBe(0);
    expect(() => summarize([])).toThrow(/at least one/);
    expect(() => summarize([1, NaN])).toThrow(/not finite/);
  });
});

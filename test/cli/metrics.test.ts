// `sodium-denoise metrics` end to end: pSNR/SSIM of a phantom acquisition against its mean of three, with a given
// mask and with the automatic one, text and JSON, and one-line errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { psnr, ssim3d } from '../../src/core/metrics';
import { createVolume } from '../../src/core/volume';
import { writeNiftiFile } from '../../src/io/nifti';

import { spawnCli } from '../helpers/cli';
import { phantomSubject } from '../helpers/phantom';

const cli = (...args: string[]) => spawnCli(['metrics', ...args]);

describe('sodium-denoise metrics', () => {
  const subject = phantomSubject({ matrix: 40, voxelSizeMm: 6, subjects: 1, seed: 5 });
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-metrics-'));
    await writeNiftiFile(file('mean3.nii.gz'), subject.mean3);
    await writeNiftiFile(file('acq1.nii.gz'), subject.acquisitions[0]);
    await writeNiftiFile(
      file('mask.nii.gz'),
      createVolume({ ...subject.mean3, data: Float32Array.from(subject.brainMask) }),
    );
    await writeNiftiFile(
      file('other.nii.gz'),
      createVolume({ dims: [10, 10, 10], data: new Float32Array(1000).fill(1) }),
    );
    await writeNiftiFile(
      file('empty-mask.nii.gz'),
      createVolume({ ...subject.mean3, data: new Float32Array(subject.mean3.data.length) }),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('with --mask: JSON equals the library metrics over that mask', () => {
    const r = cli('--ref', file('mean3.nii.gz'), '--in', file('acq1.nii.gz'), '--mask', file('mask.nii.gz'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const voxels = subject.brainMask.reduce((a, b) => a + b, 0);
    expect(json.mask).toEqual({ source: 'user', path: file('mask.nii.gz'), voxels, volumeMl: (voxels * 216) / 1000 });
    // The files hold float32 values, as the in-memory volumes do.
    expect(json.psnr).toBeCloseTo(psnr(subject.mean3, subject.acquisitions[0], subject.brainMask), 6);
    expect(json.ssim).toBeCloseTo(ssim3d(subject.mean3, subject.acquisitions[0], { mask: subject.brainMask }).mean, 6);
  });

  it('without --mask: the automatic mask from --ref, said on stderr and in the text', () => {
    const r = cli('--ref', file('mean3.nii.gz'), '--in', file('acq1.nii.gz'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/computing the brain mask automatically from --ref/);
    const m =
      /^pSNR ([\d.]+) dB, SSIM ([\d.]+) over (\d+) voxels \(([\d.]+) mL, automatic brain mask from --ref\)\n$/.exec(
        r.stdout,
      );
    expect(m).not.toBeNull();
    const truthVoxels = subject.brainMask.reduce((a, b) => a + b, 0);
    expect(Math.abs(Number(m![3]) - truthVoxels) / truthVoxels).toBeLessThan(0.15);
    expect(Number(m![1])).toBeGreaterThan(20);
    expect(Number(m![2])).toBeGreaterThan(0.5);
  });

  it('fails with one clear line on bad input', () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['--ref', file('missing.nii.gz'), '--in', file('acq1.nii.gz')],
        /--ref: Input .*missing\.nii\.gz does not exist/,
      ],
      [
        ['--ref', file('mean3.nii.gz'), '--in', file('other.nii.gz')],
        /--in has dims \[10, 10, 10\] but --ref has \[40, 40, 40\]/,
      ],
      [
        ['--ref', file('mean3.nii.gz'), '--in', file('acq1.nii.gz'), '--mask', file('other.nii.gz')],
        /--mask .* has dims \[10, 10, 10\]/,
      ],
      [
        ['--ref', file('mean3.nii.gz'), '--in', file('acq1.nii.gz'), '--mask', file('empty-mask.nii.gz')],
        /--mask .* is empty/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('sodium-denoise:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    }
  });
});

// `sodium-denoise mask` end to end: the automatic brain mask of a phantom acquisition written as uint8 NIfTI.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dice } from '../../src/core/mask';
import { readVolumeInput } from '../../src/io/volume-file';
import { writeNiftiFile } from '../../src/io/nifti';

import { spawnCli } from '../helpers/cli';
import { phantomSubject } from '../helpers/phantom';

const cli = (...args: string[]) => spawnCli(['mask', ...args]);

describe('sodium-denoise mask', () => {
  const subject = phantomSubject({ matrix: 40, voxelSizeMm: 6, subjects: 1, seed: 6 });
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-mask-'));
    await writeNiftiFile(path.join(dir, 'acq1.nii.gz'), subject.acquisitions[0]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a 0/1 mask on the input grid that matches the phantom brain, and reports its size', async () => {
    const input = path.join(dir, 'acq1.nii.gz');
    const before = fs.readFileSync(input);
    const out = path.join(dir, 'out', 'brain.nii.gz');
    const r = cli('--in', input, '--out', out, '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const written = (await readVolumeInput(out)).volume;
    expect(written.dims).toEqual(subject.mean3.dims);
    expect(written.origin).toEqual(subject.mean3.origin.map((v) => expect.closeTo(v, 3)));
    expect(written.data.every((v) => v === 0 || v === 1)).toBe(true);
    const mask = Uint8Array.from(written.data);
    expect(json.voxels).toBe(mask.reduce((a, b) => a + b, 0));
    expect(json.volumeMl).toBeCloseTo((json.voxels * 216) / 1000, 9);
    expect(json.noise.method).toBe('background-rayleigh-median');
    expect(Math.abs(json.noise.sigma - subject.noiseSigma) / subject.noiseSigma).toBeLessThan(0.1);
    expect(dice(mask, subject.brainMask)).toBeGreaterThan(0.9);
    expect(fs.readFileSync(input)).toEqual(before);

    const text = cli('--in', input, '--out', path.join(dir, 'again.nii.gz'));
    expect(text.stdout).toMatch(new RegExp(`^Wrote .*again\\.nii\\.gz: ${json.voxels} brain voxels, [\\d.]+ mL`));
  });

  it('fails with one clear line on bad input', () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['--in', path.join(dir, 'acq1.nii.gz'), '--out', path.join(dir, 'mask-folder')],
        /--out .*mask-folder: has no NIfTI extension; give a \*\.nii\.gz or \*\.nii file/,
      ],
      [['--in', path.join(dir, 'nothing.nii.gz'), '--out', path.join(dir, 'x.nii.gz')], /does not exist/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

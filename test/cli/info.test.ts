// `sodium-denoise info` end to end: series listing of a multi-series folder, one series' volume, a NIfTI file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registerInfo } from '../../src/cli/info';
import { createVolume } from '../../src/core/volume';
import { writeDicomSeriesFiles } from '../../src/io/dicom/node-files';
import { writeNiftiFile } from '../../src/io/nifti';
import { runIn, spawnCli } from '../helpers/cli';

const cli = (...args: string[]) => runIn(registerInfo, ...args);

describe('sodium-denoise info', () => {
  let dir: string;
  const a = createVolume({
    dims: [6, 5, 4],
    spacing: [4, 4, 4],
    origin: [1, 2, 3],
    data: Float32Array.from({ length: 120 }, (_, i) => i),
  });
  const b = createVolume({
    dims: [5, 5, 3],
    spacing: [3, 3, 5],
    data: Float32Array.from({ length: 75 }, (_, i) => -i),
  });
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cli-info-'));
    await writeDicomSeriesFiles(path.join(dir, 'study', 's1'), a, { seriesNumber: 1, seriesDescription: 'Na 10 min' });
    await writeDicomSeriesFiles(path.join(dir, 'study', 's2'), b, { seriesNumber: 2, seriesDescription: 'Na 2.5 min' });
    await writeNiftiFile(path.join(dir, 'a.nii.gz'), a);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the series of a folder holding several (--json and text)', async () => {
    const res = await cli('info', '--in', path.join(dir, 'study'), '--json');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(
      report.series.map(
        (s: { seriesNumber: number; seriesDescription: string; slices: number; imagedNucleus: string }) => [
          s.seriesNumber,
          s.seriesDescription,
          s.slices,
          s.imagedNucleus,
        ],
      ),
    ).toEqual([
      [1, 'Na 10 min', 4, '23Na'],
      [2, 'Na 2.5 min', 3, '23Na'],
    ]);
    const text = await cli('info', '--in', path.join(dir, 'study'));
    expect(text.stdout).toMatch(/2 series \(choose one with --series\)/);
    expect(text.stdout).toMatch(/#2 "Na 2\.5 min", 23Na, 3 slices, UID 2\.25\.\d+/);
  });

  it('describes one series chosen with --series', async () => {
    const res = await cli('info', '--in', path.join(dir, 'study'), '--series', '2', '--json');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.series).toMatchObject({ seriesNumber: 2, imagedNucleus: '23Na', modality: 'MR', slices: 3 });
    expect(report.volume).toMatchObject({
      dims: [5, 5, 3],
      spacing: [3, 3, 5],
      origin: [0, 0, 0],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    });
    expect(report.volume.range.min).toBeCloseTo(-74, 2);
    expect(report.volume.range.max).toBeCloseTo(0, 2);
  });

  it('describes a NIfTI file', async () => {
    const res = await cli('info', '--in', path.join(dir, 'a.nii.gz'), '--json');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.format).toBe('nifti');
    expect(report.volume).toMatchObject({
      dims: [6, 5, 4],
      spacing: [4, 4, 4],
      origin: [1, 2, 3],
      range: { min: 0, max: 119, mean: 59.5 },
    });
  });
});

describe('sodium-denoise info (binary)', () => {
  it('exits 1 with one line when the folder holds no DICOM file at all', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-info-bad-'));
    try {
      writeFileSync(path.join(dir, 'notes.txt'), 'not an image\n');
      const res = spawnCli(['info', '--in', dir]);
      expect(res.code).toBe(1);
      expect(res.stderr.trim()).toBe(
        `sodium-denoise: ${dir}: No DICOM image series found in 1 file (skipped 1 of 1 file that are not DICOM images: 1 not DICOM (notes.txt))`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

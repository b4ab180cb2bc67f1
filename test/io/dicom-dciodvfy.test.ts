// dciodvfy (dicom3tools) validates every file we write against the MR Image IOD: no "Error" lines allowed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVolume } from '../../src/core/volume';
import { readDicomFolder, writeDicomSeriesFiles } from '../../src/io/dicom/node-files';
import { rotation } from '../fixtures/dicom/build';

function dciodvfy(file: string): string {
  const res = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  if (res.error) throw new Error(`dciodvfy could not run (install dicom3tools): ${res.error.message}`);
  return `${res.stdout}${res.stderr}`;
}

describe('dciodvfy on written series', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'dciodvfy-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds no errors in an original and a derived series, nor in edge cases', async () => {
    const dims: [number, number, number] = [16, 12, 5];
    const data = Float32Array.from({ length: 16 * 12 * 5 }, (_, i) => 30 + 20 * Math.sin(i / 9) - (i % 7));
    const volume = createVolume({
      dims,
      spacing: [4, 4, 4],
      origin: [-32, -24, 10],
      direction: rotation([1, 2, 3], 0.4),
      data,
    });
    const originalPaths = await writeDicomSeriesFiles(path.join(dir, 'original'), volume, {
      patientName: 'Phantom^Sodium',
      patientId: 'NA-PH-001',
      studyDescription: 'Synthetic 23Na brain',
      seriesDescription: 'Na 3D radial',
      seriesNumber: 3,
      magneticFieldStrength: 7,
    });
    const [source] = await readDicomFolder(path.join(dir, 'original'));
    const derivedPaths = await writeDicomSeriesFiles(path.join(dir, 'derived'), source.volume, {
      derivedFrom: source,
      derivation: { method: 'NLM denoised', parameters: { sigma: 2.5, patch: 3, search: 7 } },
      imageComments: 'Research use only — trained on synthetic data',
    });
    for (const file of [...originalPaths, ...derivedPaths]) {
      const report = dciodvfy(file);
      expect(report).toMatch(/MRImage/); // it recognised and checked the IOD
      expect(report.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    }
    // Edge cases of the VOI window (constant data; a range below 1) and a non-ASCII patient name (UTF-8).
    const small = createVolume({ dims: [4, 4, 2], data: Float32Array.from({ length: 32 }, (_, i) => i / 50) });
    const flat = createVolume({ dims: [4, 4, 2], data: new Float32Array(32).fill(3) });
    const edgePaths = [
      ...(await writeDicomSeriesFiles(path.join(dir, 'small'), small, { patientName: 'Müller^Jörg' })),
      ...(await writeDicomSeriesFiles(path.join(dir, 'flat'), flat)),
    ];
    for (const file of edgePaths)
      expect(
        dciodvfy(file)
          .split('\n')
          .filter((l) => /^Error/.test(l)),
      ).toEqual([]);
    // 7 T: ImagingFrequency = 11.262 MHz/T × 7 T.
    expect(Number(source.header.ImagingFrequency)).toBeCloseTo(78.834, 6);
  });
});

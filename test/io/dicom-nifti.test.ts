// DICOM → NIfTI → DICOM keeps the grid (dims, spacing, origin, direction) and the values within 16-bit quantisation.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVolume } from '../../src/core/volume';
import { writeDicomSeriesFiles } from '../../src/io/dicom/node-files';
import { readVolumeInput, writeVolumeOutput } from '../../src/io/volume-file';
import { rotation } from '../fixtures/dicom/build';

describe('DICOM ↔ NIfTI through volume-file', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'dicom-nifti-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['out.nii.gz', 'out.nii'])('keeps geometry through %s and back', async (niftiName) => {
    const dims: [number, number, number] = [10, 8, 6];
    const data = Float32Array.from({ length: 480 }, (_, i) => 100 * Math.cos(i / 13) + (i % 5));
    const original = createVolume({
      dims,
      spacing: [3, 3.5, 4],
      origin: [12.5, -80.25, 44],
      direction: rotation([0.2, 1, -0.4], -0.7),
      data,
    });
    const tag = niftiName.replace(/\./g, '_');
    const dicomDir = path.join(dir, `dicom-${tag}`);
    await writeDicomSeriesFiles(dicomDir, original, { seriesDescription: 'Na source' });
    const fromDicom = await readVolumeInput(dicomDir);
    const nifti = path.join(dir, niftiName);
    expect((await writeVolumeOutput(nifti, fromDicom.volume)).format).toBe('nifti');
    const fromNifti = await readVolumeInput(nifti);
    expect(fromNifti.format).toBe('nifti');
    const backDir = path.join(dir, `back-${tag}`);
    const written = await writeVolumeOutput(backDir, fromNifti.volume);
    expect(written.format).toBe('dicom');
    expect(written.paths).toHaveLength(6);
    const back = await readVolumeInput(backDir);
    for (const v of [fromDicom.volume, fromNifti.volume, back.volume]) {
      expect(v.dims).toEqual(dims);
      v.spacing.forEach((x, a) => expect(x).toBeCloseTo(original.spacing[a], 5));
      v.origin.forEach((x, a) => expect(x).toBeCloseTo(original.origin[a], 4));
      v.direction.forEach((x, a) => expect(x).toBeCloseTo(original.direction[a], 5));
    }
    // Two 16-bit quantisations (DICOM write, then again after NIfTI): each ≤ range / 131070.
    const range = Math.max(...data) - Math.min(...data);
    let maxErr = 0;
    for (let i = 0; i < data.length; i++) maxErr = Math.max(maxErr, Math.abs(back.volume.data[i] - data[i]));
    expect(maxErr).toBeLessThanOrEqual((2 * range) / 65535);
  });

  it('makes a derived DICOM series when given a source', async () => {
    const dims: [number, number, number] = [6, 6, 4];
    const original = createVolume({ dims, data: Float32Array.from({ length: 144 }, (_, i) => i) });
    const srcDir = path.join(dir, 'src');
    await writeDicomSeriesFiles(srcDir, original, { seriesNumber: 2 });
    const src = await readVolumeInput(srcDir);
    const outDir = path.join(dir, 'derived');
    await writeVolumeOutput(outDir, src.volume, {
      source: src.dicom,
      derivation: { method: 'DA denoised' },
      imageComments: 'Research use only',
    });
    const derived = await readVolumeInput(outDir);
    expect(derived.dicom!.header.ImageType).toEqual(['DERIVED', 'SECONDARY', 'OTHER']);
    expect(derived.dicom!.studyInstanceUID).toBe(src.dicom!.studyInstanceUID);
    expect(derived.dicom!.seriesNumber).toBe(102);
    await expect(writeVolumeOutput(path.join(dir, 'x.nii.gz'), src.volume, { format: 'dicom' })).rejects.toThrow(
      /looks like a NIfTI file name/,
    );
  });
});

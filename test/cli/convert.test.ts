// `sodium-denoise convert` end to end: DICOM → NIfTI → DICOM through the real CLI, with --json output and errors.
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registerConvert } from '../../src/cli/convert';
import { createVolume } from '../../src/core/volume';
import { readDicomFolder, writeDicomSeriesFiles } from '../../src/io/dicom/node-files';
import { readNiftiFile } from '../../src/io/nifti';
import { rotation } from '../fixtures/dicom/build';
import { runIn, spawnCli } from '../helpers/cli';

const cli = (...args: string[]) => runIn(registerConvert, ...args);

describe('sodium-denoise convert', () => {
  let dir: string;
  const volume = createVolume({
    dims: [8, 7, 5],
    spacing: [4, 4, 4.5],
    origin: [-14, 22.5, -3],
    direction: rotation([0, 0.6, 0.8], 0.35),
    data: Float32Array.from({ length: 280 }, (_, i) => 50 + 30 * Math.sin(i / 11)),
  });
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cli-convert-'));
    await writeDicomSeriesFiles(path.join(dir, 'dicom'), volume, {
      patientId: 'NA-042',
      seriesNumber: 9,
      seriesDescription: 'Na source',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('DICOM folder → NIfTI → new DICOM series, geometry intact, --json on stdout', async () => {
    const nii = path.join(dir, 'vol.nii.gz');
    const toNifti = await cli('convert', '--in', path.join(dir, 'dicom'), '--out', nii, '--json');
    expect(toNifti.code).toBe(0);
    const report = JSON.parse(toNifti.stdout);
    expect(report.input).toMatchObject({
      format: 'dicom',
      series: { seriesNumber: 9, imagedNucleus: '23Na', patientId: 'NA-042', slices: 5 },
    });
    expect(report.output).toMatchObject({ path: nii, format: 'nifti', files: 1 });
    expect(report.volume.dims).toEqual([8, 7, 5]);
    const fromNifti = await readNiftiFile(nii);
    fromNifti.origin.forEach((x, a) => expect(x).toBeCloseTo(volume.origin[a], 4));
    fromNifti.direction.forEach((x, a) => expect(x).toBeCloseTo(volume.direction[a], 5));

    const out = path.join(dir, 'from-nifti');
    const toDicom = await cli(
      'convert',
      '--in',
      nii,
      '--out',
      out,
      '--json',
      '--patient-id',
      'NA-043',
      '--series-description',
      'Na from NIfTI',
      '--field-strength',
      '7',
    );
    expect(toDicom.code).toBe(0);
    expect(JSON.parse(toDicom.stdout).output).toMatchObject({ format: 'dicom', files: 5 });
    expect(readdirSync(out)).toHaveLength(5);
    const [series] = await readDicomFolder(out);
    const [source] = await readDicomFolder(path.join(dir, 'dicom'));
    expect(series.patientId).toBe('NA-043');
    expect(series.seriesDescription).toBe('Na from NIfTI');
    expect(series.studyInstanceUID).not.toBe(source.studyInstanceUID); // NIfTI carries no study: a fresh one
    expect(Number(series.header.ImagingFrequency)).toBeCloseTo(78.834, 6);
    series.volume.origin.forEach((x, a) => expect(x).toBeCloseTo(volume.origin[a], 4));
    series.volume.spacing.forEach((x, a) => expect(x).toBeCloseTo(volume.spacing[a], 5));
  });

  it('DICOM → DICOM keeps the patient and study', async () => {
    const out = path.join(dir, 'copy');
    expect((await cli('convert', '--in', path.join(dir, 'dicom'), '--out', out)).code).toBe(0);
    const [copy] = await readDicomFolder(out);
    const [source] = await readDicomFolder(path.join(dir, 'dicom'));
    expect(copy.studyInstanceUID).toBe(source.studyInstanceUID);
    expect(copy.frameOfReferenceUID).toBe(source.frameOfReferenceUID);
    expect(copy.seriesInstanceUID).not.toBe(source.seriesInstanceUID);
    expect(copy.patientId).toBe('NA-042');
  });

  it('fails with one clear line and exit 1 for bad input', async () => {
    const missing = spawnCli(['convert', '--in', path.join(dir, 'nope'), '--out', path.join(dir, 'x.nii.gz')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`sodium-denoise: Input ${path.join(dir, 'nope')} does not exist`);
    const notEmpty = await cli('convert', '--in', path.join(dir, 'vol.nii.gz'), '--out', path.join(dir, 'dicom'));
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.stderr).toMatch(/is not empty; choose a new folder/);
  });
});

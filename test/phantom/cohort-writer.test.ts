// writeCohort: the on-disk layout, the manifest, NIfTI contents equal to generateSubject, DICOM series, refusals.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanDicomFolder } from '../../src/io/dicom/node-files';
import { readNiftiFile } from '../../src/io/nifti';
import { COHORT_FORMAT, type CohortManifest } from '../../src/io/cohort';
import { writeCohort, type CohortProgress } from '../../src/phantom/cohort-writer';
import { generateSubject, resolvePhantomParams, PHANTOM_VERSION } from '../../src/phantom';

const SMALL = { subjects: 2, seed: 5, matrix: 32, voxelSizeMm: 8, snr: 10 } as const;
let root: string;
let out: string;
let progress: CohortProgress[];
let manifest: CohortManifest;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cohort-writer-'));
  out = path.join(root, 'cohort');
  progress = [];
  const result = await writeCohort(out, { ...SMALL, workers: 2 }, (p) => progress.push(p));
  manifest = result.manifest;
  expect(result.workers).toBe(2);
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('writeCohort', () => {
  it('lays out one folder per subject with NIfTI volumes, masks and a DICOM study', () => {
    expect(fs.readdirSync(out).sort()).toEqual(['manifest.json', 'sub-01', 'sub-02']);
    expect(fs.readdirSync(path.join(out, 'sub-01')).sort()).toEqual([
      'acq1.nii.gz',
      'acq2.nii.gz',
      'acq3.nii.gz',
      'brainmask.nii.gz',
      'dicom',
      'labels.nii.gz',
      'lesionmask.nii.gz',
      'mean3.nii.gz',
      'truth.nii.gz',
      'tubemask.nii.gz',
    ]);
    expect(fs.readdirSync(path.join(out, 'sub-01', 'dicom')).sort()).toEqual(['acq1', 'acq2', 'acq3']);
    expect(fs.readdirSync(path.join(out, 'sub-01', 'dicom', 'acq1'))).toHaveLength(32);
    // Parallel subjects may finish in either order.
    expect(progress.map((p) => [p.done, p.total])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(progress.map((p) => p.id).sort()).toEqual(['sub-01', 'sub-02']);
  });

  it('writes a manifest with parameters, concentrations, tubes, lesions and σ', () => {
    const onDisk = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as CohortManifest;
    expect(onDisk).toEqual(manifest);
    expect(onDisk.format).toBe(COHORT_FORMAT);
    expect(onDisk.generator).toEqual({ name: 'sodium-denoise phantom', version: PHANTOM_VERSION });
    expect(onDisk.seed).toBe(5);
    expect(onDisk.parameters).toEqual(resolvePhantomParams(SMALL));
    expect(onDisk.files?.acquisitions).toEqual(['acq1.nii.gz', 'acq2.nii.gz', 'acq3.nii.gz']);
    const s1 = onDisk.subjects[0];
    expect(s1.id).toBe('sub-01');
    expect(s1.folder).toBe('sub-01');
    expect(s1.snr).toBe(10);
    expect(s1.tubes?.map((t) => [t.label, t.side, t.concentrationMM])).toEqual([
      [1, 'left', 50],
      [2, 'right', 100],
    ]);
    expect(Object.keys(s1.tissueConcentrationsMM ?? {}).sort()).toEqual(['bone', 'csf', 'eye', 'gm', 'scalp', 'wm']);
    expect(s1.dicom?.series.map((s) => s.seriesNumber)).toEqual([1, 2, 3]);
  });

  it('stores exactly what generateSubject makes, on the same grid', async () => {
    const s = generateSubject(resolvePhantomParams(SMALL), 1);
    const dir = path.join(out, 'sub-02');
    const acq2 = await readNiftiFile(path.join(dir, 'acq2.nii.gz'));
    expect(Array.from(acq2.data)).toEqual(Array.from(s.acquisitions[1].data));
    expect(acq2.origin).toEqual(s.truth.origin);
    expect(acq2.spacing).toEqual([8, 8, 8]);
    const labels = await readNiftiFile(path.join(dir, 'labels.nii.gz'));
    expect(Array.from(labels.data)).toEqual(Array.from(s.labels));
    const tubes = await readNiftiFile(path.join(dir, 'tubemask.nii.gz'));
    expect(Array.from(tubes.data)).toEqual(Array.from(s.tubeMask));
    expect(manifest.subjects[1].noiseSigma).toBeCloseTo(s.noiseSigma, 9);
  });

  it('writes each acquisition as a 23Na MR series of one study, on the NIfTI grid', async () => {
    const scan = await scanDicomFolder(path.join(out, 'sub-01', 'dicom'));
    expect(scan.rejected).toEqual([]);
    expect(scan.series).toHaveLength(3);
    const study = new Set(scan.series.map((s) => s.studyInstanceUID));
    expect(study.size).toBe(1);
    expect([...study][0]).toBe(manifest.subjects[0].dicom?.studyInstanceUID);
    const nifti = await readNiftiFile(path.join(out, 'sub-01', 'acq1.nii.gz'));
    const series = scan.series.find((s) => s.seriesNumber === 1)!;
    expect(series.imagedNucleus).toBe('23Na');
    expect(series.volume.dims).toEqual(nifti.dims);
    series.volume.origin.forEach((o, i) => expect(o).toBeCloseTo(nifti.origin[i], 3));
    let worst = 0;
    for (let i = 0; i < nifti.data.length; i++)
      worst = Math.max(worst, Math.abs(series.volume.data[i] - nifti.data[i]));
    expect(worst).toBeLessThan(0.05); // 16-bit storage with rescale: a fraction of a unit of ~1000
  });

  it('writes the same NIfTI bytes in this thread as on worker threads', async () => {
    const serial = path.join(root, 'serial');
    const result = await writeCohort(serial, { ...SMALL, dicom: false, workers: 1 });
    expect(result.workers).toBe(1);
    for (const file of ['acq1.nii.gz', 'truth.nii.gz', 'labels.nii.gz']) {
      expect(
        fs.readFileSync(path.join(serial, 'sub-02', file)).equals(fs.readFileSync(path.join(out, 'sub-02', file))),
      ).toBe(true);
    }
    expect(fs.existsSync(path.join(serial, 'sub-01', 'dicom'))).toBe(false);
  });

  it('refuses a folder that is not empty, and bad parameters', async () => {
    await expect(writeCohort(out, SMALL)).rejects.toThrow(/not empty/);
    await expect(writeCohort(path.join(root, 'other'), { ...SMALL, snr: -1 })).rejects.toThrow(
      /snr must be a positive number/,
    );
    await expect(writeCohort(path.join(root, 'other'), { ...SMALL, workers: 0 })).rejects.toThrow(
      /workers must be a positive integer/,
    );
  });
});

// openCohort on real generated cohorts: NIfTI and DICOM subjects, lazy loading, layouts without a manifest, errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'fflate';
import { createVolume } from '../../src/core/volume';
import { openCohort } from '../../src/io/cohort';
import { readNiftiFile, writeNiftiFile } from '../../src/io/nifti';
import { writeCohort } from '../../src/phantom/cohort-writer';

const SMALL = { subjects: 2, seed: 11, matrix: 32, voxelSizeMm: 8 } as const;
let root: string;
let cohort: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cohort-reader-'));
  cohort = path.join(root, 'generated');
  await writeCohort(cohort, SMALL);
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A fresh copy of generated subject folders under a new cohort folder (optionally renamed). */
function copyCohort(name: string, subjects: Record<string, string>, withManifest = false): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  for (const [to, from] of Object.entries(subjects))
    fs.cpSync(path.join(cohort, from), path.join(dir, to), { recursive: true });
  if (withManifest) fs.copyFileSync(path.join(cohort, 'manifest.json'), path.join(dir, 'manifest.json'));
  return dir;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('openCohort', () => {
  it('lists the subjects of a generated cohort and loads one lazily with everything it holds', async () => {
    const c = await openCohort(cohort);
    expect(c.manifest?.subjects).toHaveLength(2);
    expect(c.subjects.map((s) => [s.id, s.source])).toEqual([
      ['sub-01', 'nifti'],
      ['sub-02', 'nifti'],
    ]);
    const s = await c.subjects[1].load();
    const acq3 = await readNiftiFile(path.join(cohort, 'sub-02', 'acq3.nii.gz'));
    expect(Array.from(s.acquisitions[2].data)).toEqual(Array.from(acq3.data));
    expect(s.truth?.dims).toEqual([32, 32, 32]);
    expect(s.brainMask?.reduce((a, v) => a + v, 0)).toBe(c.manifest?.subjects[1].brainVoxels);
    expect(s.tubes?.map((t) => t.concentrationMM)).toEqual([50, 100]);
    expect(s.tissueConcentrationsMM?.csf).toBeGreaterThan(130);
    expect(s.noiseSigma).toBe(c.manifest?.subjects[1].noiseSigma);
    expect(s.labels?.some((l) => l === 8)).toBe(true);
    for (const i of [0, 5000, 16000]) {
      expect(s.mean3.data[i]).toBeCloseTo(
        (s.acquisitions[0].data[i] + s.acquisitions[1].data[i] + s.acquisitions[2].data[i]) / 3,
        3,
      );
    }
  });

  it('reads the acquisitions from the DICOM study when asked, equal to the NIfTI ones up to 16-bit storage', async () => {
    const c = await openCohort(cohort, { prefer: 'dicom' });
    expect(c.subjects[0].source).toBe('dicom');
    const fromDicom = await c.subjects[0].load();
    const fromNifti = await (await openCohort(cohort)).subjects[0].load();
    expect(fromDicom.dicomSeries?.map((s) => s.seriesNumber)).toEqual([1, 2, 3]);
    fromDicom.acquisitions.forEach((a, k) => {
      expect(a.dims).toEqual(fromNifti.acquisitions[k].dims);
      expect(maxDiff(a.data, fromNifti.acquisitions[k].data)).toBeLessThan(0.05);
    });
    expect(fromDicom.brainMask).toEqual(fromNifti.brainMask);
  });

  it('opens DICOM-only subjects, in dicom/ or in the subject folder itself, without a manifest', async () => {
    const dir = copyCohort('dicom-only', { a: 'sub-01', b: 'sub-02' });
    // Subject a keeps dicom/ only; subject b has its three series' files directly in its folder.
    for (const f of fs.readdirSync(path.join(dir, 'a'))) if (f !== 'dicom') fs.rmSync(path.join(dir, 'a', f));
    for (const f of fs.readdirSync(path.join(dir, 'b'))) if (f !== 'dicom') fs.rmSync(path.join(dir, 'b', f));
    for (const series of ['acq1', 'acq2', 'acq3']) {
      for (const f of fs.readdirSync(path.join(dir, 'b', 'dicom', series))) {
        fs.renameSync(path.join(dir, 'b', 'dicom', series, f), path.join(dir, 'b', `${series}-${f}`));
      }
    }
    fs.rmSync(path.join(dir, 'b', 'dicom'), { recursive: true });
    const c = await openCohort(dir);
    expect(c.manifest).toBeUndefined();
    expect(c.subjects.map((s) => [s.id, s.source])).toEqual([
      ['a', 'dicom'],
      ['b', 'dicom'],
    ]);
    const b = await c.subjects[1].load();
    const reference = await readNiftiFile(path.join(cohort, 'sub-02', 'acq2.nii.gz'));
    expect(maxDiff(b.acquisitions[1].data, reference.data)).toBeLessThan(0.05);
    expect(b.truth).toBeUndefined();
    expect(b.brainMask).toBeUndefined();
    expect(b.mean3.dims).toEqual([32, 32, 32]);
  });

  it('opens NIfTI-only subjects with uncompressed .nii files and computes mean3 when absent', async () => {
    const dir = copyCohort('nifti-only', { x: 'sub-01' });
    fs.rmSync(path.join(dir, 'x', 'dicom'), { recursive: true });
    fs.rmSync(path.join(dir, 'x', 'mean3.nii.gz'));
    const gz = fs.readFileSync(path.join(dir, 'x', 'acq1.nii.gz'));
    fs.writeFileSync(path.join(dir, 'x', 'acq1.nii'), gunzipSync(gz));
    fs.rmSync(path.join(dir, 'x', 'acq1.nii.gz'));
    const [x] = (await openCohort(dir)).subjects;
    expect(x.source).toBe('nifti');
    const s = await x.load();
    const reference = await readNiftiFile(path.join(cohort, 'sub-01', 'mean3.nii.gz'));
    expect(maxDiff(s.mean3.data, reference.data)).toBeLessThan(1e-3);
  });

  it('explains what is wrong with a malformed cohort', async () => {
    const missing = copyCohort('missing-acq', { s1: 'sub-01' });
    fs.rmSync(path.join(missing, 's1', 'dicom'), { recursive: true });
    fs.rmSync(path.join(missing, 's1', 'acq3.nii.gz'));
    await expect(openCohort(missing)).rejects.toThrow(/has acq1, acq2 but not acq3/);

    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    await expect(openCohort(empty)).rejects.toThrow(/holds no subject folders/);
    await expect(openCohort(path.join(root, 'nope'))).rejects.toThrow(/is not a folder/);
    await expect(openCohort(path.join(cohort, 'sub-01'))).rejects.toThrow(/single subject folder/);

    const stray = copyCohort('stray', { s1: 'sub-01' });
    fs.mkdirSync(path.join(stray, 'notes'));
    await expect(openCohort(stray)).rejects.toThrow(/notes has neither acq1..acq3/);

    const listed = copyCohort('listed', { 'sub-01': 'sub-01' }, true);
    await expect(openCohort(listed)).rejects.toThrow(/lists subject sub-02 in sub-02\/, which is missing/);

    const badJson = copyCohort('bad-json', { s1: 'sub-01' });
    fs.writeFileSync(path.join(badJson, 'manifest.json'), '{ nope');
    await expect(openCohort(badJson)).rejects.toThrow(/manifest.json is not valid JSON/);
  });

  it('refuses acquisitions or masks on different grids when loading', async () => {
    const dir = copyCohort('mixed-grid', { s1: 'sub-01' });
    fs.rmSync(path.join(dir, 's1', 'dicom'), { recursive: true });
    const acq = await readNiftiFile(path.join(dir, 's1', 'acq2.nii.gz'));
    fs.rmSync(path.join(dir, 's1', 'acq2.nii.gz'));
    await writeNiftiFile(path.join(dir, 's1', 'acq2.nii.gz'), {
      ...acq,
      origin: [acq.origin[0] + 8, acq.origin[1], acq.origin[2]],
    });
    const [s1] = (await openCohort(dir)).subjects;
    await expect(s1.load()).rejects.toThrow(/acquisition 2 is not on acquisition 1's grid/);

    const dir2 = copyCohort('mask-grid', { s1: 'sub-01' });
    fs.rmSync(path.join(dir2, 's1', 'brainmask.nii.gz'));
    await writeNiftiFile(
      path.join(dir2, 's1', 'brainmask.nii.gz'),
      createVolume({ dims: [16, 16, 16], spacing: [16, 16, 16] }),
      { datatype: 'uint8' },
    );
    await expect((await openCohort(dir2)).subjects[0].load()).rejects.toThrow(
      /brainmask.nii.gz is not on the acquisitions' grid/,
    );
  });
});

// Volume → DICOM series → Volume: geometry, values within the quantisation bound, derived-series references.
import * as dcmjs from 'dcmjs';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cloneVolume, createVolume, voxelToPatient, type Volume } from '../../src/core/volume';
import {
  parseDicomFiles,
  writeDicomSeries,
  chooseRescale,
  newUid,
  isValidUid,
  getItems,
  getString,
  getNumber,
} from '../../src/io/dicom';
import { readDicomFolder, writeDicomSeriesFiles } from '../../src/io/dicom/node-files';
import { rotation, shuffled } from '../fixtures/dicom/build';

/** A smooth oblique test volume with noise, so every voxel differs. */
function obliqueVolume(offset: number): Volume {
  const dims: [number, number, number] = [12, 9, 7];
  const data = new Float32Array(dims[0] * dims[1] * dims[2]);
  let s = 7;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = offset + 40 * Math.sin(i / 17) + 25 * Math.cos(i / 5) + (s / 2 ** 32) * 3;
  }
  return createVolume({
    dims,
    spacing: [2.5, 3.25, 4.1],
    origin: [-91.7, 12.25, 38.5],
    direction: rotation([0.3, -0.5, 0.8], 0.61),
    data,
  });
}

const asFiles = (buffers: ArrayBuffer[]) => buffers.map((bytes, k) => ({ name: `f${k}.dcm`, bytes }));

function range(v: Volume): number {
  let lo = Infinity,
    hi = -Infinity;
  for (const x of v.data) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return hi - lo;
}

function expectSameGeometry(a: Volume, b: Volume) {
  expect(b.dims).toEqual(a.dims);
  b.spacing.forEach((v, i) => expect(v).toBeCloseTo(a.spacing[i], 6));
  b.origin.forEach((v, i) => expect(v).toBeCloseTo(a.origin[i], 5));
  b.direction.forEach((v, i) => expect(v).toBeCloseTo(a.direction[i], 8));
}

describe('DICOM round trip', () => {
  it.each([
    ['signed (data below zero)', -30, 1],
    ['unsigned (data ≥ 0)', 80, 0],
  ])(
    '%s: an oblique volume with a non-zero origin survives write + shuffled read',
    (_label, offset, pixelRepresentation) => {
      const volume = obliqueVolume(offset);
      const before = cloneVolume(volume);
      const files = writeDicomSeries(volume, { seriesDescription: 'round trip' });
      expect(files).toHaveLength(volume.dims[2]);
      const [series] = parseDicomFiles(shuffled(asFiles(files)));
      expectSameGeometry(volume, series.volume);
      const bound = range(volume) / 65535;
      let maxErr = 0;
      for (let i = 0; i < volume.data.length; i++)
        maxErr = Math.max(maxErr, Math.abs(series.volume.data[i] - volume.data[i]));
      expect(maxErr).toBeLessThanOrEqual(bound);
      expect(maxErr).toBeGreaterThan(0); // it really went through 16-bit storage
      expect(getNumber(series.header, 'PixelRepresentation')).toBe(pixelRepresentation);
      expect(series.imagedNucleus).toBe('23Na');
      expect(series.seriesDescription).toBe('round trip');
      expect(volume.data).toEqual(before.data); // the writer never touches its input
      // Every slice sits where the volume says it does.
      series.sopInstanceUIDs.forEach((uid) => expect(isValidUid(uid)).toBe(true));
      expect(new Set(series.sopInstanceUIDs).size).toBe(volume.dims[2]);
      expect(voxelToPatient(series.volume, 0, 0, 6).map((x) => x.toFixed(4))).toEqual(
        voxelToPatient(volume, 0, 0, 6).map((x) => x.toFixed(4)),
      );
    },
  );

  it('reads a left-handed volume (slice axis against the normal) back as the same voxels in patient space', () => {
    const dims: [number, number, number] = [4, 3, 5];
    const data = Float32Array.from({ length: 60 }, (_, i) => i * 1.5);
    const volume = createVolume({
      dims,
      spacing: [2, 3, 4],
      origin: [5, -6, 7],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, -1],
      data,
    });
    const [series] = parseDicomFiles(asFiles(writeDicomSeries(volume)));
    const back = series.volume;
    expect(back.direction.slice(6)).toEqual([0, 0, 1]); // DICOM stacks along +normal
    for (let k = 0; k < 5; k++)
      for (let j = 0; j < 3; j++)
        for (let i = 0; i < 4; i++) {
          const kb = 4 - k;
          expect(voxelToPatient(back, i, j, kb).map((x) => x.toFixed(6))).toEqual(
            voxelToPatient(volume, i, j, k).map((x) => x.toFixed(6)),
          );
          expect(back.data[i + 4 * (j + 3 * kb)]).toBeCloseTo(data[i + 4 * (j + 3 * k)], 2);
        }
  });

  it('references only the source series when the derived grid has another slice count', () => {
    const source = parseDicomFiles(asFiles(writeDicomSeries(obliqueVolume(1))))[0];
    const smaller = createVolume({ dims: [4, 4, 3], data: new Float32Array(48).fill(2) });
    const [derived] = parseDicomFiles(
      asFiles(writeDicomSeries(smaller, { derivedFrom: source, derivation: { method: 'resampled' } })),
    );
    expect(derived.header.SourceImageSequence).toBeUndefined();
    expect(getItems(derived.header, 'ReferencedSeriesSequence')[0].SeriesInstanceUID).toBe(source.seriesInstanceUID);
  });

  it('keeps a constant volume exactly', () => {
    const volume = createVolume({ dims: [3, 3, 2], data: new Float32Array(18).fill(42.5) });
    const [series] = parseDicomFiles(asFiles(writeDicomSeries(volume)));
    expect(Array.from(series.volume.data)).toEqual(Array.from(volume.data));
  });

  it('chooses a rescale whose quantisation error stays within range / 65535', () => {
    for (const [lo, hi] of [
      [0, 1],
      [-1e-3, 2e-3],
      [12.5, 12.75],
      [-5000, 3],
      [0, 6.02e5],
      [1e6, 1e6 + 1],
    ]) {
      const r = chooseRescale(lo, hi);
      const values = Float32Array.from({ length: 1001 }, (_, i) => lo + ((hi - lo) * i) / 1000);
      for (const v of values) {
        const stored = Math.min(
          r.signed ? 32767 : 65535,
          Math.max(r.signed ? -32768 : 0, Math.round((v - r.intercept) / r.slope)),
        );
        expect(Math.abs(stored * r.slope + r.intercept - v)).toBeLessThanOrEqual(
          Math.max((hi - lo) / 65535, Math.abs(v) * 1e-7),
        );
      }
      expect(r.slopeDS.length).toBeLessThanOrEqual(16);
      expect(r.interceptDS.length).toBeLessThanOrEqual(16);
    }
  });

  it('makes unique, valid 2.25 UIDs', () => {
    const uids = Array.from({ length: 200 }, newUid);
    expect(new Set(uids).size).toBe(200);
    for (const uid of uids) {
      expect(uid.startsWith('2.25.')).toBe(true);
      expect(isValidUid(uid)).toBe(true);
    }
  });

  it('writes a DERIVED series in the source study that references each source slice', () => {
    const source = parseDicomFiles(
      asFiles(
        writeDicomSeries(obliqueVolume(10), {
          patientName: 'Doe^Jane',
          patientId: 'P-7',
          seriesNumber: 4,
          seriesDescription: 'Na DA-3DPR',
        }),
      ),
    )[0];
    const denoised = cloneVolume(source.volume);
    denoised.data.forEach((v, i) => (denoised.data[i] = v * 0.5));
    const comments = 'Research use only — trained on synthetic data';
    const derived = parseDicomFiles(
      shuffled(
        asFiles(
          writeDicomSeries(denoised, {
            derivedFrom: source,
            derivation: { method: 'DA denoised', parameters: { model: 'da-fold1', sigma: 4.5 } },
            imageComments: comments,
          }),
        ),
      ),
    )[0];
    const h = derived.header;
    expect(derived.seriesInstanceUID).not.toBe(source.seriesInstanceUID);
    expect(derived.studyInstanceUID).toBe(source.studyInstanceUID);
    expect(derived.frameOfReferenceUID).toBe(source.frameOfReferenceUID);
    expect(derived.patientName).toBe('Doe^Jane');
    expect(derived.patientId).toBe('P-7');
    expect(derived.seriesNumber).toBe(104);
    expect(derived.seriesDescription).toBe('Na DA-3DPR (DA denoised)');
    expect(h.ImageType).toEqual(['DERIVED', 'SECONDARY', 'OTHER']);
    expect(getString(h, 'ImageComments')).toBe(comments);
    expect(getString(h, 'DerivationDescription')).toContain('model=da-fold1; sigma=4.5');
    expect(getItems(h, 'DerivationCodeSequence')[0]).toMatchObject({
      CodeValue: '113087',
      CodingSchemeDesignator: 'DCM',
    });
    const refSeries = getItems(h, 'ReferencedSeriesSequence');
    expect(refSeries[0].SeriesInstanceUID).toBe(source.seriesInstanceUID);
    expect(
      getItems(refSeries[0], 'ReferencedInstanceSequence')
        .map((r) => r.ReferencedSOPInstanceUID)
        .sort(),
    ).toEqual([...source.sopInstanceUIDs].sort());
    expectSameGeometry(source.volume, derived.volume);
    // Per slice: derived file k (written in slice order) references the source instance of slice k.
    const files = writeDicomSeries(denoised, { derivedFrom: source, derivation: { method: 'x' } });
    const perSlice = files.map((bytes) => {
      const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(bytes).dict);
      return getItems(ds, 'SourceImageSequence')[0].ReferencedSOPInstanceUID;
    });
    expect(perSlice).toEqual(source.sopInstanceUIDs);
  });

  it('writes and reads series folders on disk, refusing to mix series in one folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dicom-rt-'));
    try {
      const volume = obliqueVolume(5);
      const paths = await writeDicomSeriesFiles(path.join(dir, 'series'), volume);
      expect(paths.map((p) => path.basename(p))).toEqual([
        'IM00001.dcm',
        'IM00002.dcm',
        'IM00003.dcm',
        'IM00004.dcm',
        'IM00005.dcm',
        'IM00006.dcm',
        'IM00007.dcm',
      ]);
      const [series] = await readDicomFolder(dir);
      expectSameGeometry(volume, series.volume);
      await expect(writeDicomSeriesFiles(path.join(dir, 'series'), volume)).rejects.toThrow(/not empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

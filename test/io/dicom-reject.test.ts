// Inputs the reader and writer refuse, each with a message that says what is wrong and where.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVolume } from '../../src/core/volume';
import { parseDicomFiles, scanDicomFiles, writeDicomSeries } from '../../src/io/dicom';
import { readVolumeInput } from '../../src/io/volume-file';
import { classicSeries, JPEG_BASELINE, type ClassicSeriesSpec } from '../fixtures/dicom/build';

const axial: ClassicSeriesSpec = {
  columns: 4,
  rows: 3,
  slices: 5,
  pixelSpacing: [2, 2],
  sliceSpacing: 4,
  origin: [-10, -20, 30],
  rowCosine: [1, 0, 0],
  columnCosine: [0, 1, 0],
  stored: (c, r, k) => c + r + k,
  seriesDescription: 'Na axial',
  seriesNumber: 5,
};

describe('DICOM inputs the reader rejects', () => {
  it('mixed orientations in one series', () => {
    const files = classicSeries({
      ...axial,
      patch: (k, ds) => {
        if (k === 2) ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1];
      },
    });
    expect(() => parseDicomFiles(files)).toThrow(/Series 5 "Na axial" \(.*\) mixes slice orientations/);
  });

  it('uneven slice gaps', () => {
    const files = classicSeries({
      ...axial,
      patch: (k, ds) => {
        if (k === 4) ds.ImagePositionPatient = [-10, -20, 30 + 4 * 4 + 1.5];
      },
    });
    expect(() => parseDicomFiles(files)).toThrow(/uneven slice gaps: 5\.500 mm between slices 4 and 5/);
  });

  it('accepts gaps within the tolerance (rounded positions)', () => {
    const files = classicSeries({
      ...axial,
      patch: (k, ds) => {
        if (k === 2) ds.ImagePositionPatient = [-10, -20, 30 + 8 + 0.005];
      },
    });
    expect(parseDicomFiles(files)[0].volume.spacing[2]).toBeCloseTo(4, 9);
  });

  it('duplicate slice positions (several echoes in one series)', () => {
    const files = classicSeries({
      ...axial,
      patch: (k, ds) => {
        if (k === 3) ds.ImagePositionPatient = [-10, -20, 30 + 8];
      },
    });
    expect(() => parseDicomFiles(files)).toThrow(/several share position/);
  });

  it('a single slice', () => {
    expect(() => parseDicomFiles(classicSeries({ ...axial, slices: 1 }))).toThrow(
      /has a single slice; a volume needs at least two/,
    );
  });

  it.each(['ImagePositionPatient', 'ImageOrientationPatient', 'PixelSpacing'])('missing %s', (key) => {
    const files = classicSeries({
      ...axial,
      patch: (k, ds) => {
        if (k === 1) delete ds[key];
      },
    });
    expect(() => parseDicomFiles(files)).toThrow(
      new RegExp(`slice002\\.dcm: missing or invalid ${key}; the slice cannot be placed`),
    );
  });

  it('a compressed transfer syntax, named', () => {
    const files = classicSeries({ ...axial, transferSyntax: JPEG_BASELINE });
    expect(() => parseDicomFiles(files)).toThrow(
      /uses JPEG Baseline \(Process 1\) \(1\.2\.840\.10008\.1\.2\.4\.50\) \(slice001\.dcm\), which this reader does not decode/,
    );
  });

  it('a file that is not DICOM is skipped with a note; only text files and nothing else is an error', () => {
    const text = {
      name: 'notes/readme.txt',
      bytes: new TextEncoder().encode('just some notes about the scan\n'.repeat(10)).buffer as ArrayBuffer,
    };
    const notes: string[] = [];
    const series = parseDicomFiles([...classicSeries(axial), text], { onNote: (n) => notes.push(n) });
    expect(series).toHaveLength(1);
    expect(notes).toEqual([
      expect.stringMatching(/^skipped 1 of \d+ files that are not DICOM images: 1 not DICOM \(readme\.txt\)$/),
    ]);
    expect(() => parseDicomFiles([text])).toThrow(
      'No DICOM image series found in 1 file (skipped 1 of 1 file that are not DICOM images: 1 not DICOM (readme.txt))',
    );
  });

  it('a truncated DICOM file, named', () => {
    const [first] = classicSeries(axial);
    const cut = { name: 'cut.dcm', bytes: first.bytes.slice(0, 200) };
    expect(() => parseDicomFiles([cut])).toThrow(/^cut\.dcm/);
  });

  it('keeps good series usable beside a rejected one when scanning', () => {
    const localizer = classicSeries({
      ...axial,
      slices: 3,
      seriesNumber: 1,
      seriesDescription: 'localizer',
      patch: (k, ds) => {
        if (k === 1) ds.ImageOrientationPatient = [0, 1, 0, 0, 0, -1];
      },
    });
    const scan = scanDicomFiles([...localizer, ...classicSeries(axial)]);
    expect(scan.series.map((s) => s.seriesNumber)).toEqual([5]);
    expect(scan.rejected).toHaveLength(1);
    expect(scan.rejected[0]).toMatchObject({ seriesNumber: 1, seriesDescription: 'localizer', instances: 3 });
    expect(scan.rejected[0].reason).toMatch(/mixes slice orientations/);
    expect(() => parseDicomFiles([...localizer, ...classicSeries(axial)])).toThrow(
      /Series 1 "localizer".*mixes slice orientations/,
    );
  });
});

describe('readVolumeInput series selection', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dicom-pick-'));
    const write = (sub: string, files: { name: string; bytes: ArrayBuffer }[]) => {
      mkdirSync(path.join(dir, sub), { recursive: true });
      for (const f of files) writeFileSync(path.join(dir, sub, f.name), new Uint8Array(f.bytes));
    };
    write('a', classicSeries({ ...axial, seriesNumber: 5 }));
    write('b/deep', classicSeries({ ...axial, seriesNumber: 6, slices: 7, seriesDescription: 'Na second' }));
    write('c', classicSeries({ ...axial, seriesNumber: 8, slices: 1, seriesDescription: 'single' }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the series when a folder holds several and none is chosen', async () => {
    await expect(readVolumeInput(dir)).rejects.toThrow(/holds 3 series; choose one with --series/);
    await expect(readVolumeInput(dir)).rejects.toThrow(/#6 "Na second", 23Na, 7 slices, UID 2\.25\./);
    await expect(readVolumeInput(dir)).rejects.toThrow(/#8 "single", 23Na, 1 instances, unreadable: .*single slice/);
  });

  it('picks a series by number or UID, recursing into sub-folders', async () => {
    const byNumber = await readVolumeInput(dir, { series: '6' });
    expect(byNumber.format).toBe('dicom');
    expect(byNumber.volume.dims).toEqual([4, 3, 7]);
    const byUid = await readVolumeInput(dir, { series: byNumber.dicom!.seriesInstanceUID });
    expect(byUid.dicom!.seriesNumber).toBe(6);
  });

  it('reads the series of a single file given by path', async () => {
    const one = await readVolumeInput(path.join(dir, 'b', 'deep', 'slice003.dcm'));
    expect(one.dicom!.seriesNumber).toBe(6);
  });

  it('refuses a file that is neither NIfTI nor DICOM', async () => {
    const txt = path.join(dir, 'a', 'notes.txt');
    writeFileSync(txt, 'hello');
    try {
      await expect(readVolumeInput(txt)).rejects.toThrow(
        `Input ${txt} is neither NIfTI (*.nii, *.nii.gz) nor a DICOM file`,
      );
    } finally {
      rmSync(txt);
    }
  });

  it('explains why a chosen series is unreadable, and names unknown series', async () => {
    await expect(readVolumeInput(dir, { series: '8' })).rejects.toThrow(/Series 8 "single" .* has a single slice/);
    await expect(readVolumeInput(dir, { series: '42' })).rejects.toThrow(/has no series "42"/);
  });
});

describe('volumes the writer rejects', () => {
  it('a sheared grid (slice axis not perpendicular to the image plane)', () => {
    const v = createVolume({ dims: [2, 2, 2], direction: [1, 0, 0, 0, 1, 0, 0.3, 0, 0.954] });
    expect(() => writeDicomSeries(v)).toThrow(/slice axis is not perpendicular to the image plane/);
  });

  it('non-finite values', () => {
    const v = createVolume({ dims: [2, 2, 2] });
    v.data[5] = NaN;
    expect(() => writeDicomSeries(v)).toThrow(/non-finite values as DICOM \(voxel 5 is NaN\)/);
  });

  it('invalid UIDs', () => {
    expect(() => writeDicomSeries(createVolume({ dims: [2, 2, 2] }), { studyInstanceUID: '1.2.03' })).toThrow(
      /StudyInstanceUID "1\.2\.03" is not a valid DICOM UID/,
    );
  });
});

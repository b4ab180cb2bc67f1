// Reading DICOM as other writers make it: implicit VR, no rescale, signed/8/32-bit/float pixels, odd slice orders,
// anisotropic pixels, and Enhanced MR multi-frame files; DICOMDIR and non-image instances are skipped with a note.
import * as dcmjs from 'dcmjs';
import { cross } from '../../src/io/dicom/geometry';
import { getItems, parseDicomFiles, scanDicomFiles, writeDicomSeries } from '../../src/io/dicom';
import type { DicomInputFile } from '../../src/io/dicom';
import { newUid } from '../../src/io/dicom/uid';
import {
  classicSeries,
  part10,
  shuffled,
  slicePosition,
  textReport,
  ENHANCED_MR_STORAGE,
  IMPLICIT_LE,
  type ClassicSeriesSpec,
} from '../fixtures/dicom/build';

const sagittal: Omit<ClassicSeriesSpec, 'stored'> = {
  columns: 6,
  rows: 5,
  slices: 4,
  pixelSpacing: [0.8, 1.3],
  sliceSpacing: 2.2,
  origin: [-40.5, 12, 30.25],
  rowCosine: [0, 1, 0],
  columnCosine: [0, 0, -1],
};

/** Checks geometry and values against the spec: volume slice k is spec slice order[k]. */
function expectMatchesSpec(
  files: DicomInputFile[],
  spec: ClassicSeriesSpec,
  realValue: (stored: number) => number,
  order?: number[],
) {
  const [series] = parseDicomFiles(files);
  const v = series.volume;
  const sliceOrder = order ?? Array.from({ length: spec.slices }, (_, k) => k);
  expect(v.dims).toEqual([spec.columns, spec.rows, spec.slices]);
  // PixelSpacing is [row spacing, column spacing]: x (along a row) uses the column spacing.
  expect(v.spacing[0]).toBeCloseTo(spec.pixelSpacing[1], 9);
  expect(v.spacing[1]).toBeCloseTo(spec.pixelSpacing[0], 9);
  expect(v.spacing[2]).toBeCloseTo(Math.abs(spec.sliceSpacing), 9);
  slicePosition(spec, sliceOrder[0]).forEach((x, a) => expect(v.origin[a]).toBeCloseTo(x, 9));
  const normal = cross(spec.rowCosine, spec.columnCosine);
  expect(v.direction).toEqual([...spec.rowCosine, ...spec.columnCosine, ...normal].map((x) => x + 0));
  for (let k = 0; k < spec.slices; k++)
    for (let r = 0; r < spec.rows; r++)
      for (let c = 0; c < spec.columns; c++) {
        const got = v.data[c + spec.columns * (r + spec.rows * k)];
        expect(got).toBeCloseTo(realValue(spec.stored(c, r, sliceOrder[k])), 4);
      }
  return series;
}

describe('reading DICOM from other writers', () => {
  it('implicit VR little endian, signed 16-bit, no RescaleSlope, files in reverse order, rectangular pixels', () => {
    const spec: ClassicSeriesSpec = {
      ...sagittal,
      type: 'int16',
      transferSyntax: IMPLICIT_LE,
      stored: (c, r, k) => (c - 3) * 700 + r * 31 - k * 1000,
    };
    const series = expectMatchesSpec(classicSeries(spec).reverse(), spec, (s) => s);
    expect(series.imagedNucleus).toBe('23Na');
    expect(series.seriesNumber).toBe(7);
    expect(series.fileNames).toEqual(['slice001.dcm', 'slice002.dcm', 'slice003.dcm', 'slice004.dcm']);
  });

  it('sorts slices whose positions run against the slice normal', () => {
    const spec: ClassicSeriesSpec = { ...sagittal, sliceSpacing: -3, stored: (c, r, k) => c + 10 * r + 100 * k };
    expectMatchesSpec(shuffled(classicSeries(spec)), spec, (s) => s, [3, 2, 1, 0]);
  });

  it.each([
    [
      'uint8 with slope and intercept',
      { type: 'uint8', slope: 0.5, intercept: -3 },
      (c: number, r: number, k: number) => c * 40 + r + k,
    ],
    ['int8', { type: 'int8' }, (c: number, r: number, k: number) => c * 20 - 100 + r + k],
    [
      'uint16 with 12 bits stored',
      { type: 'uint16', bitsStored: 12, slope: 2 },
      (c: number, r: number, k: number) => c * 600 + r * 7 + k,
    ],
    [
      'int32 with intercept',
      { type: 'int32', intercept: 1000.5 },
      (c: number, r: number, k: number) => (c - 3) * 1e6 + r * 13 + k,
    ],
    ['uint32', { type: 'uint32' }, (c: number, r: number, k: number) => c * 1e6 + r * 13 + k],
    [
      'Float Pixel Data with slope',
      { type: 'float32', slope: 3 },
      (c: number, r: number, k: number) => c * 0.25 - r * 1.5 + k / 8,
    ],
  ] as const)('%s', (_label, encoding, stored) => {
    const spec: ClassicSeriesSpec = { ...sagittal, ...encoding, stored };
    expectMatchesSpec(shuffled(classicSeries(spec)), spec, (s) => s * (spec.slope ?? 1) + (spec.intercept ?? 0));
  });

  it('sign-extends signed values from BitsStored and ignores junk in the unused high bits', () => {
    const values = (c: number, r: number, k: number) => (c - 3) * 300 + r - k; // within ±2048
    const spec: ClassicSeriesSpec = {
      ...sagittal,
      type: 'int16',
      bitsStored: 12,
      stored: (c, r, k) => (((values(c, r, k) & 0xfff) | 0x5000) << 16) >> 16,
    };
    const [series] = parseDicomFiles(classicSeries(spec));
    expect(series.volume.data[1 + 6 * (2 + 5 * 3)]).toBe(values(1, 2, 3));
    expect(series.volume.data[0]).toBe(values(0, 0, 0));
  });

  it('skips DICOMDIR and non-image instances with one note', () => {
    const spec: ClassicSeriesSpec = { ...sagittal, stored: (c) => c };
    const dicomdir = { name: 'DICOMDIR', bytes: new ArrayBuffer(10) };
    const notes: string[] = [];
    const series = parseDicomFiles([...classicSeries(spec), textReport('sr/report.dcm'), dicomdir], {
      onNote: (n) => notes.push(n),
    });
    expect(series).toHaveLength(1);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/1 DICOMDIR \(DICOMDIR\), 1 without an image \(report\.dcm \[.*\]\)$/);
  });

  it('groups several series by SeriesInstanceUID', () => {
    const a = classicSeries({ ...sagittal, seriesNumber: 3, stored: () => 1 });
    const b = classicSeries({ ...sagittal, seriesNumber: 2, slices: 6, stored: () => 2 });
    const series = parseDicomFiles(shuffled([...a, ...b]));
    expect(series.map((s) => [s.seriesNumber, s.volume.dims[2]])).toEqual([
      [2, 6],
      [3, 4],
    ]);
  });
});

/** An Enhanced MR Image with frames listed in shuffled order; macros shared or per frame. */
function enhancedMr(perFrameMeasures: boolean): { file: DicomInputFile; positions: number[][]; frameOrder: number[] } {
  const rows = 4,
    columns = 5,
    frames = 6,
    spacing = 3.5;
  // DS holds 16 characters: round the cosines (and positions) to what a writer would store.
  const ds16 = (x: number) => Number(x.toFixed(12));
  const row = [Math.cos(0.2), Math.sin(0.2), 0].map(ds16);
  const col = [-Math.sin(0.2) * Math.cos(0.4), Math.cos(0.2) * Math.cos(0.4), Math.sin(0.4)].map(ds16);
  const normal = cross(row, col);
  const frameOrder = shuffled(
    Array.from({ length: frames }, (_, k) => k),
    99,
  ); // frame f holds slice frameOrder[f]
  const positions = frameOrder.map((k) =>
    [10 + normal[0] * k * spacing, -20 + normal[1] * k * spacing, 5 + normal[2] * k * spacing].map((x) =>
      Number(x.toFixed(8)),
    ),
  );
  const pixels = new Uint16Array(rows * columns * frames);
  frameOrder.forEach((k, f) => {
    for (let i = 0; i < rows * columns; i++) pixels[f * rows * columns + i] = 100 * k + i;
  });
  const measures = { PixelMeasuresSequence: [{ PixelSpacing: [1.5, 2], SliceThickness: spacing }] };
  const transform = {
    PixelValueTransformationSequence: [{ RescaleSlope: 0.25, RescaleIntercept: 1, RescaleType: 'US' }],
  };
  const ds = {
    SOPClassUID: ENHANCED_MR_STORAGE,
    SOPInstanceUID: newUid(),
    Modality: 'MR',
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    SeriesNumber: 12,
    FrameOfReferenceUID: newUid(),
    ResonantNucleus: '23Na',
    NumberOfFrames: frames,
    Rows: rows,
    Columns: columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 0,
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: [...row, ...col] }],
        ...(perFrameMeasures ? {} : { ...measures, ...transform }),
      },
    ],
    PerFrameFunctionalGroupsSequence: positions.map((p, f) => ({
      PlanePositionSequence: [{ ImagePositionPatient: p }],
      FrameContentSequence: [{ InStackPositionNumber: frameOrder[f] + 1 }],
      ...(perFrameMeasures ? { ...measures, ...transform } : {}),
    })),
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  };
  return { file: { name: 'enhanced.dcm', bytes: part10(ds) }, positions, frameOrder };
}

describe('Enhanced MR multi-frame', () => {
  it.each([false, true])('reads frames in slice order (per-frame pixel measures: %s)', (perFrame) => {
    const { file, positions, frameOrder } = enhancedMr(perFrame);
    const [series] = parseDicomFiles([file]);
    const v = series.volume;
    expect(v.dims).toEqual([5, 4, 6]);
    [2, 1.5, 3.5].forEach((x, a) => expect(v.spacing[a]).toBeCloseTo(x, 7));
    const firstFrame = frameOrder.indexOf(0);
    v.origin.forEach((x, a) => expect(x).toBeCloseTo(positions[firstFrame][a], 7));
    expect(series.imagedNucleus).toBe('23Na');
    expect(series.frameNumbers).toEqual(Array.from({ length: 6 }, (_, k) => frameOrder.indexOf(k) + 1));
    for (let k = 0; k < 6; k++) expect(v.data[k * 20 + 7]).toBeCloseTo((100 * k + 7) * 0.25 + 1, 6);
    expect(series.header.PerFrameFunctionalGroupsSequence).toBeUndefined();
    expect(series.header.PixelData).toBeUndefined();
  });

  it('is referenced frame by frame by a derived series', () => {
    const { file } = enhancedMr(false);
    const [source] = parseDicomFiles([file]);
    const derivedFiles = writeDicomSeries(source.volume, {
      derivedFrom: source,
      derivation: { method: 'NLM denoised' },
    });
    const refs = derivedFiles.map((bytes) => {
      const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(bytes).dict);
      return getItems(ds, 'SourceImageSequence')[0];
    });
    expect(refs.map((r) => r.ReferencedFrameNumber)).toEqual(source.frameNumbers);
    expect(new Set(refs.map((r) => r.ReferencedSOPInstanceUID))).toEqual(new Set([source.sopInstanceUIDs[0]]));
    expect(refs[0].ReferencedSOPClassUID).toBe(ENHANCED_MR_STORAGE);
    const [derived] = parseDicomFiles(derivedFiles.map((bytes, k) => ({ name: `d${k}`, bytes })));
    expect(derived.studyInstanceUID).toBe(source.studyInstanceUID);
  });

  it('reports a multi-frame series it cannot stack with the reason in the scan', () => {
    const { file } = enhancedMr(false);
    const parsed = dcmjs.data.DicomMessage.readFile(file.bytes);
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.dict);
    (ds.PerFrameFunctionalGroupsSequence as Record<string, unknown>[])[2].PlanePositionSequence = [];
    const scan = scanDicomFiles([{ name: 'broken.dcm', bytes: part10(ds) }]);
    expect(scan.series).toHaveLength(0);
    expect(scan.rejected[0].reason).toMatch(/broken\.dcm frame 3: missing or invalid ImagePositionPatient/);
  });
});

// Browser-safe DICOM reader: Part-10 files (ArrayBuffers) → image series grouped, sorted and converted to Volumes.
import * as dcmjs from 'dcmjs';
import { createVolume, type Vec3 } from '../../core/volume';
import { stackGeometry, type PlaneGeometry } from './geometry';
import { decodeFrame, frameCount, pixelLayout, type PixelLayout } from './pixels';
import { describeTransferSyntax, isSupportedTransferSyntax } from './transfer-syntax';
import type { DicomInputFile, DicomParseOptions, DicomScan, DicomSeries, RejectedSeries } from './types';
import { getItem, getNumber, getNumbers, getString, type DicomDataset } from './values';

const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';
const PIXEL_KEYS = ['PixelData', 'FloatPixelData', 'DoubleFloatPixelData'] as const;

/** One parsed Part-10 file. */
interface Instance {
  name: string;
  dataset: DicomDataset;
  transferSyntax: string;
}

/** One image plane to place in the volume: a single-frame instance, or one frame of a multi-frame instance. */
interface Frame extends PlaneGeometry {
  instance: Instance;
  /** 0-based frame index within the instance. */
  index: number;
  multiFrame: boolean;
  pixelSpacing: [number, number];
  slope: number;
  intercept: number;
}

/**
 * Reads every image series in `files`. Strict: throws on any series that is not one evenly spaced volume (the message
 * names the series) and when no image is left. Files that are not DICOM images (README, DICOMDIR, .DS_Store, viewer
 * programs, reports) are skipped and counted in one note.
 * @param files - file names (for messages) and their bytes, from disk, a drop zone or DICOMweb
 * @returns one DicomSeries per SeriesInstanceUID: its volume in LPS mm and the identity the writer copies
 * @example
 * const [series] = parseDicomFiles([{ name: 'IM0001', bytes }]);
 * console.log(series.imagedNucleus, series.volume.dims);
 */
export function parseDicomFiles(files: readonly DicomInputFile[], opts: DicomParseOptions = {}): DicomSeries[] {
  const scan = scanDicomFiles(files, opts);
  if (scan.rejected.length > 0) throw new Error(scan.rejected[0].reason);
  if (scan.series.length === 0) throw new Error(noImagesMessage(files.length, scan.notes));
  return scan.series;
}

/**
 * Reads every image series in `files`, keeping series that cannot be read as a volume in `rejected` with their reason
 * (a folder with a localizer next to the 3D series stays usable). Files that are not DICOM images are skipped, as on
 * a CD or PACS export, and summed up in one note; a file with the DICOM marker that cannot be parsed still throws.
 */
export function scanDicomFiles(files: readonly DicomInputFile[], opts: DicomParseOptions = {}): DicomScan {
  const skipped: Skipped[] = [];
  const bySeries = new Map<string, Instance[]>();
  for (const file of files) {
    const instance = parseInstance(file, (kind, detail) => skipped.push({ name: file.name, kind, detail }));
    if (!instance) continue;
    const uid = getString(instance.dataset, 'SeriesInstanceUID');
    if (!uid) throw new Error(`${file.name}: DICOM image without a SeriesInstanceUID`);
    const group = bySeries.get(uid) ?? [];
    group.push(instance);
    bySeries.set(uid, group);
  }
  const series: DicomSeries[] = [];
  const rejected: RejectedSeries[] = [];
  for (const [uid, instances] of bySeries) {
    try {
      series.push(assembleSeries(uid, instances));
    } catch (err) {
      const ds = instances[0].dataset;
      rejected.push({
        seriesInstanceUID: uid,
        seriesNumber: getNumber(ds, 'SeriesNumber'),
        seriesDescription: getString(ds, 'SeriesDescription'),
        imagedNucleus: nucleusOf(ds),
        modality: getString(ds, 'Modality'),
        instances: instances.length,
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  }
  const byNumber = (a: { seriesNumber?: number }, b: { seriesNumber?: number }) =>
    (a.seriesNumber ?? 1e9) - (b.seriesNumber ?? 1e9);
  const notes = skipped.length > 0 ? [skippedNote(skipped, files.length)] : [];
  notes.forEach((n) => opts.onNote?.(n));
  return { series: series.sort(byNumber), rejected: rejected.sort(byNumber), notes, files: files.length };
}

type SkipKind = 'not DICOM' | 'DICOMDIR' | 'no image';

interface Skipped {
  name: string;
  kind: SkipKind;
  /** For 'no image': what the instance is (e.g. "Basic Text SR"). */
  detail?: string;
}

/**
 * One line for every skipped file.
 * @example "skipped 3 of 67 files that are not DICOM images: 2 not DICOM (README.txt, .DS_Store), 1 DICOMDIR"
 */
function skippedNote(skipped: readonly Skipped[], total: number): string {
  const groups: string[] = [];
  for (const kind of ['not DICOM', 'DICOMDIR', 'no image'] as SkipKind[]) {
    const these = skipped.filter((s) => s.kind === kind);
    if (these.length === 0) continue;
    const names = these.slice(0, 3).map((s) => baseName(s.name) + (s.detail ? ` [${s.detail}]` : ''));
    const label = kind === 'no image' ? 'without an image' : kind;
    groups.push(`${these.length} ${label} (${names.join(', ')}${these.length > 3 ? ', …' : ''})`);
  }
  return `skipped ${skipped.length} of ${total} file${total === 1 ? '' : 's'} that are not DICOM images: ${groups.join(', ')}`;
}

export function noImagesMessage(fileCount: number, notes: readonly string[]): string {
  const why = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  return `No DICOM image series found in ${fileCount} file${fileCount === 1 ? '' : 's'}${why}`;
}

/** The Part-10 "DICM" marker after the 128-byte preamble. */
export function hasDicmMarker(bytes: ArrayBuffer): boolean {
  return bytes.byteLength >= 132 && new TextDecoder('latin1').decode(new Uint8Array(bytes, 128, 4)) === 'DICM';
}

function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

function parseInstance(file: DicomInputFile, skip: (kind: SkipKind, detail?: string) => void): Instance | undefined {
  if (baseName(file.name).toUpperCase() === 'DICOMDIR') {
    skip('DICOMDIR');
    return undefined;
  }
  const bytes = file.bytes;
  if (!hasDicmMarker(bytes)) {
    skip('not DICOM');
    return undefined;
  }
  let dict: dcmjs.data.DicomDict;
  // dcmjs logs "Invalid vr type ox - using OW" for implicit-VR pixel data, which it then reads correctly.
  const validationLog = dcmjs.log.getLogger('validation.dcmjs');
  const level = validationLog.getLevel();
  validationLog.setLevel('silent');
  try {
    dict = dcmjs.data.DicomMessage.readFile(bytes);
  } catch (err) {
    throw new Error(`${file.name} is not a readable DICOM file: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    validationLog.setLevel(level);
  }
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta);
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  const sopClass = getString(meta, 'MediaStorageSOPClassUID') ?? getString(dataset, 'SOPClassUID') ?? '';
  if (sopClass === DICOMDIR_SOP_CLASS) {
    skip('DICOMDIR');
    return undefined;
  }
  if (!PIXEL_KEYS.some((k) => dataset[k] !== undefined)) {
    skip(
      'no image',
      dcmjs.data.DicomMetaDictionary.sopClassNamesByUID[sopClass] ?? `SOP class ${sopClass || 'unknown'}`,
    );
    return undefined;
  }
  const transferSyntax = getString(meta, 'TransferSyntaxUID') ?? '';
  return { name: file.name, dataset, transferSyntax };
}

export function nucleusOf(ds: DicomDataset): string | undefined {
  return getString(ds, 'ImagedNucleus') ?? getString(ds, 'ResonantNucleus');
}

function seriesLabel(uid: string, ds: DicomDataset): string {
  const number = getNumber(ds, 'SeriesNumber');
  const desc = getString(ds, 'SeriesDescription');
  return `Series ${number ?? '?'}${desc ? ` "${desc}"` : ''} (${uid})`;
}

function assembleSeries(uid: string, instances: Instance[]): DicomSeries {
  const label = seriesLabel(uid, instances[0].dataset);
  for (const inst of instances) {
    if (!isSupportedTransferSyntax(inst.transferSyntax)) {
      throw new Error(
        `${label} uses ${inst.transferSyntax ? describeTransferSyntax(inst.transferSyntax) : 'no transfer syntax'} ` +
          `(${inst.name}), which this reader does not decode; convert it to Explicit VR Little Endian first ` +
          '(e.g. dcmdjpeg, dcmdrle or gdcmconv --raw)',
      );
    }
  }
  const frames = instances.flatMap((inst) => framesOf(inst, label));
  const geometry = stackGeometry(frames, label);
  const sorted = geometry.order.map((i) => frames[i]);
  const first = sorted[0];
  for (const f of sorted) {
    if (
      Math.abs(f.pixelSpacing[0] - first.pixelSpacing[0]) > 1e-4 ||
      Math.abs(f.pixelSpacing[1] - first.pixelSpacing[1]) > 1e-4
    ) {
      throw new Error(
        `${label} mixes pixel spacings ([${first.pixelSpacing.join(', ')}] and [${f.pixelSpacing.join(', ')}] mm)`,
      );
    }
  }
  const layouts = new Map<Instance, PixelLayout>();
  const layoutOf = (inst: Instance) => {
    let layout = layouts.get(inst);
    if (!layout) {
      layout = pixelLayout(inst.dataset, `${label}, ${inst.name}`);
      layouts.set(inst, layout);
    }
    return layout;
  };
  const { rows, columns } = layoutOf(first.instance);
  const n = rows * columns;
  const data = new Float32Array(n * sorted.length);
  sorted.forEach((f, k) => {
    const layout = layoutOf(f.instance);
    if (layout.rows !== rows || layout.columns !== columns) {
      throw new Error(`${label} mixes image sizes (${columns}×${rows} and ${layout.columns}×${layout.rows})`);
    }
    if (f.multiFrame && f.index >= frameCount(layout)) {
      throw new Error(
        `${label}, ${f.instance.name}: pixel data holds ${frameCount(layout)} frames, fewer than NumberOfFrames`,
      );
    }
    data.set(decodeFrame(layout, f.index, f.slope, f.intercept, `${label}, ${f.instance.name}`), k * n);
  });
  // PixelSpacing is [row spacing (between rows, along j), column spacing (between columns, along i)].
  const volume = createVolume({
    dims: [columns, rows, sorted.length],
    spacing: [first.pixelSpacing[1], first.pixelSpacing[0], geometry.sliceSpacing],
    origin: geometry.origin,
    direction: geometry.direction,
    data,
  });
  const header = headerOf(first.instance.dataset);
  const multiFrame = sorted.some((f) => f.multiFrame);
  return {
    seriesInstanceUID: uid,
    seriesNumber: getNumber(header, 'SeriesNumber'),
    seriesDescription: getString(header, 'SeriesDescription'),
    studyInstanceUID: getString(header, 'StudyInstanceUID'),
    frameOfReferenceUID: getString(header, 'FrameOfReferenceUID'),
    modality: getString(header, 'Modality'),
    imagedNucleus: nucleusOf(header),
    patientName: getString(header, 'PatientName'),
    patientId: getString(header, 'PatientID'),
    sopClassUID: getString(header, 'SOPClassUID') ?? '',
    volume,
    sopInstanceUIDs: sorted.map((f) => getString(f.instance.dataset, 'SOPInstanceUID') ?? ''),
    ...(multiFrame ? { frameNumbers: sorted.map((f) => f.index + 1) } : {}),
    fileNames: sorted.map((f) => f.instance.name),
    header,
  };
}

/** The first instance's attributes without the bulk: pixel data and per-frame functional groups. */
function headerOf(ds: DicomDataset): DicomDataset {
  const header: DicomDataset = { ...ds };
  for (const key of [...PIXEL_KEYS, 'PerFrameFunctionalGroupsSequence']) delete header[key];
  return header;
}

function isMultiFrame(ds: DicomDataset): boolean {
  return (getNumber(ds, 'NumberOfFrames') ?? 1) > 1 || ds.PerFrameFunctionalGroupsSequence !== undefined;
}

function framesOf(inst: Instance, label: string): Frame[] {
  const ds = inst.dataset;
  const where = `${label}, ${inst.name}`;
  if (!isMultiFrame(ds)) {
    const geometry = planeOf(ds, where);
    return [{ ...geometry, instance: inst, index: 0, multiFrame: false, ...rescaleOf(ds) }];
  }
  // Enhanced multi-frame: each attribute comes from the frame's own functional group, else from the shared one.
  const count = getNumber(ds, 'NumberOfFrames') ?? 1;
  const shared = getItem(ds, 'SharedFunctionalGroupsSequence');
  const perFrame = Array.isArray(ds.PerFrameFunctionalGroupsSequence)
    ? (ds.PerFrameFunctionalGroupsSequence as DicomDataset[])
    : [];
  const frames: Frame[] = [];
  for (let f = 0; f < count; f++) {
    const own = perFrame[f];
    const macro = (seq: string): DicomDataset | undefined => getItem(own, seq) ?? getItem(shared, seq);
    const flat: DicomDataset = {
      ImagePositionPatient: macro('PlanePositionSequence')?.ImagePositionPatient,
      ImageOrientationPatient: macro('PlaneOrientationSequence')?.ImageOrientationPatient,
      PixelSpacing: macro('PixelMeasuresSequence')?.PixelSpacing,
      RescaleSlope: macro('PixelValueTransformationSequence')?.RescaleSlope ?? ds.RescaleSlope,
      RescaleIntercept: macro('PixelValueTransformationSequence')?.RescaleIntercept ?? ds.RescaleIntercept,
    };
    const geometry = planeOf(flat, `${where} frame ${f + 1}`);
    frames.push({ ...geometry, instance: inst, index: f, multiFrame: true, ...rescaleOf(flat) });
  }
  return frames;
}

function planeOf(ds: DicomDataset, where: string): PlaneGeometry & { pixelSpacing: [number, number] } {
  const ipp = getNumbers(ds, 'ImagePositionPatient');
  const iop = getNumbers(ds, 'ImageOrientationPatient');
  const ps = getNumbers(ds, 'PixelSpacing');
  const missing = [
    !ipp || ipp.length !== 3 ? 'ImagePositionPatient' : '',
    !iop || iop.length !== 6 ? 'ImageOrientationPatient' : '',
    !ps || ps.length !== 2 || !(ps[0] > 0 && ps[1] > 0) ? 'PixelSpacing' : '',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(`${where}: missing or invalid ${missing.join(', ')}; the slice cannot be placed in patient space`);
  }
  return {
    position: ipp as Vec3,
    orientation: iop as PlaneGeometry['orientation'],
    pixelSpacing: [ps![0], ps![1]],
  };
}

function rescaleOf(ds: DicomDataset): { slope: number; intercept: number } {
  const slope = getNumber(ds, 'RescaleSlope');
  return { slope: slope === undefined || slope === 0 ? 1 : slope, intercept: getNumber(ds, 'RescaleIntercept') ?? 0 };
}

// Node: one entry point for CLI inputs and outputs — a .nii/.nii.gz file or a DICOM series folder, either way.
// The DICOM code (dcmjs: about 0.1 s to load) is loaded only when a DICOM path is read or written.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Volume } from '../core/volume';
import { describeSeries, scanSummaries } from './dicom/summary';
import type { DicomScan, DicomSeries, RejectedSeries } from './dicom/types';
import type { DicomDerivation, DicomWriteOptions } from './dicom/write';
import { writeFileAtomic } from './atomic-write';
import { encodeNifti, gzipNifti, readNiftiFile, type NiftiWriteOptions } from './nifti';

export type VolumeFormat = 'nifti' | 'dicom';

export interface VolumeInput {
  volume: Volume;
  /** The DICOM series the volume came from (identity for derived outputs). */
  dicom?: DicomSeries;
  format: VolumeFormat;
}

export interface ReadVolumeOptions {
  /** Which series of a multi-series DICOM folder: SeriesInstanceUID or SeriesNumber. */
  series?: string;
  /** One line on skipped files (not DICOM, DICOMDIR, non-image instances), given only when a series is read. */
  onNote?: (note: string) => void;
}

export function isNiftiPath(p: string): boolean {
  return /\.nii(\.gz)?$/i.test(p);
}

/**
 * Reads a .nii/.nii.gz file, a DICOM folder (recursively), or the series of a single DICOM file (its folder is scanned).
 * A folder with several series needs `series`; otherwise the error lists them.
 */
export async function readVolumeInput(inputPath: string, opts: ReadVolumeOptions = {}): Promise<VolumeInput> {
  const stat = await fs.stat(inputPath).catch(() => undefined);
  if (!stat) throw new Error(`Input ${inputPath} does not exist`);
  if (stat.isFile() && isNiftiPath(inputPath)) {
    if (opts.series !== undefined) throw new Error('--series applies to DICOM input, not to a NIfTI file');
    return { volume: await readNiftiFile(inputPath), format: 'nifti' };
  }
  if (stat.isFile() && !(await hasDicomMarker(inputPath))) {
    throw new Error(
      `Input ${inputPath} is neither NIfTI (*.nii, *.nii.gz) nor a DICOM file; give a DICOM folder or file, or a NIfTI file`,
    );
  }
  const folder = stat.isDirectory() ? inputPath : path.dirname(inputPath);
  const { scanDicomFolder, noImagesMessage } = await dicomFiles();
  const scan = await scanDicomFolder(folder);
  const dicom =
    stat.isDirectory() || opts.series !== undefined
      ? pickSeries(scan, folder, opts.series, noImagesMessage)
      : seriesOfFile(scan, inputPath, noImagesMessage);
  // Skipped files are worth a note on success; on failure the error already carries it (one line in all).
  scan.notes.forEach((n) => opts.onNote?.(n));
  return { volume: dicom.volume, dicom, format: 'dicom' };
}

/** True when the file has the Part-10 "DICM" marker after its 128-byte preamble. */
async function hasDicomMarker(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 128);
    return bytesRead === 4 && buf.toString('latin1') === 'DICM';
  } finally {
    await handle.close();
  }
}

/** Every series (readable and not) in a DICOM folder, for listings; a NIfTI path gives none. */
export async function scanVolumeInput(
  inputPath: string,
  opts: Pick<ReadVolumeOptions, 'onNote'> = {},
): Promise<DicomScan> {
  const stat = await fs.stat(inputPath).catch(() => undefined);
  if (!stat) throw new Error(`Input ${inputPath} does not exist`);
  const { scanDicomFolder } = await dicomFiles();
  return scanDicomFolder(stat.isDirectory() ? inputPath : path.dirname(inputPath), opts);
}

function listing(scan: DicomScan): string {
  return scanSummaries(scan)
    .map((s) => `  ${describeSeries(s)}`)
    .join('\n');
}

/** The DICOM reader and writer, loaded on first use. */
async function dicomFiles() {
  const [files, read] = await Promise.all([import('./dicom/node-files'), import('./dicom/read')]);
  return { ...files, noImagesMessage: read.noImagesMessage };
}

type NoImagesMessage = (fileCount: number, notes: readonly string[]) => string;

function pickSeries(
  scan: DicomScan,
  folder: string,
  wanted: string | undefined,
  noImagesMessage: NoImagesMessage,
): DicomSeries {
  const all: (DicomSeries | RejectedSeries)[] = [...scan.series, ...scan.rejected];
  if (all.length === 0) throw new Error(`${folder}: ${noImagesMessage(scan.files, scan.notes)}`);
  let matches = all;
  if (wanted !== undefined) {
    const w = wanted.trim();
    matches = all.filter(
      (s) => s.seriesInstanceUID === w || (s.seriesNumber !== undefined && String(s.seriesNumber) === w),
    );
    if (matches.length === 0)
      throw new Error(
        `${folder} has no series "${w}" (give a SeriesNumber or SeriesInstanceUID); it holds:\n${listing(scan)}`,
      );
    if (matches.length > 1) {
      throw new Error(
        `${folder} has ${matches.length} series numbered ${w}; choose one by SeriesInstanceUID:\n${listing(scan)}`,
      );
    }
  } else if (all.length > 1) {
    throw new Error(
      `${folder} holds ${all.length} series; choose one with --series <SeriesNumber | SeriesInstanceUID>:\n${listing(scan)}`,
    );
  }
  const chosen = matches[0];
  if (!('volume' in chosen)) throw new Error(chosen.reason);
  return chosen;
}

function seriesOfFile(scan: DicomScan, file: string, noImagesMessage: NoImagesMessage): DicomSeries {
  const resolved = path.resolve(file);
  const found = scan.series.find((s) => s.fileNames.some((f) => path.resolve(f) === resolved));
  if (found) return found;
  if (scan.series.length + scan.rejected.length === 1)
    return pickSeries(scan, path.dirname(file), undefined, noImagesMessage);
  throw new Error(`${file} is not part of a readable series in its folder, which holds:\n${listing(scan)}`);
}

export interface WriteVolumeOptions {
  /** Output format; default: NIfTI for *.nii / *.nii.gz paths, else a DICOM series folder. */
  format?: VolumeFormat;
  /** DICOM output: write a DERIVED series of this source (same patient, study and frame of reference). */
  source?: DicomSeries;
  /** DICOM output: how the volume was derived (method and parameters). */
  derivation?: DicomDerivation;
  /** DICOM output: ImageComments on every image, e.g. 'Research use only — trained on synthetic data'. */
  imageComments?: string;
  /** Further DICOM attributes (patient, study, series identity…). */
  dicom?: DicomWriteOptions;
  nifti?: NiftiWriteOptions;
}

export interface VolumeOutput {
  format: VolumeFormat;
  /** Files written: the NIfTI file, or one DICOM file per slice. */
  paths: string[];
}

/**
 * Writes a volume as NIfTI (.nii.gz gzipped, .nii plain) or as a new DICOM series folder (derived when `source`),
 * atomically: a temporary file or folder beside the target is renamed into place when complete.
 */
export async function writeVolumeOutput(
  outputPath: string,
  volume: Volume,
  opts: WriteVolumeOptions = {},
): Promise<VolumeOutput> {
  const format = opts.format ?? (isNiftiPath(outputPath) ? 'nifti' : 'dicom');
  if (format === 'nifti') {
    if (!isNiftiPath(outputPath)) throw new Error(`NIfTI output must be named *.nii.gz or *.nii, not ${outputPath}`);
    const bytes = /\.gz$/i.test(outputPath) ? await gzipNifti(volume, opts.nifti) : encodeNifti(volume, opts.nifti);
    await writeFileAtomic(outputPath, bytes);
    return { format, paths: [outputPath] };
  }
  if (isNiftiPath(outputPath)) throw new Error(`DICOM output is a folder; ${outputPath} looks like a NIfTI file name`);
  const { writeDicomSeriesFiles } = await dicomFiles();
  const paths = await writeDicomSeriesFiles(outputPath, volume, {
    ...opts.dicom,
    ...(opts.source ? { derivedFrom: opts.source } : {}),
    ...(opts.derivation ? { derivation: opts.derivation } : {}),
    ...(opts.imageComments ? { imageComments: opts.imageComments } : {}),
  });
  return { format, paths };
}

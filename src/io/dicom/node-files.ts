// Node wrappers around the browser-safe DICOM core: reading a folder recursively, writing a series folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Volume } from '../../core/volume';
import { writeFolderAtomic } from '../atomic-write';
import { hasDicmMarker, parseDicomFiles, scanDicomFiles } from './read';
import type { DicomInputFile, DicomParseOptions, DicomScan, DicomSeries } from './types';
import { writeDicomSeries, type DicomWriteOptions } from './write';

/**
 * Every regular file under `dir`, recursively, in sorted order. Hidden files (.DS_Store, ._*) are listed (the reader
 * counts them as skipped); hidden folders (.Trashes, .Spotlight-V100, unfinished outputs) are not entered.
 */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith('.')) out.push(...(await listFilesRecursive(full)));
    } else if (e.isFile()) out.push(full);
  }
  return out;
}

/** The first 132 bytes of a file: enough to tell a Part-10 DICOM file from anything else. */
async function readPrefix(name: string): Promise<ArrayBuffer> {
  const handle = await fs.open(name, 'r');
  try {
    const buf = Buffer.alloc(132);
    const { bytesRead } = await handle.read(buf, 0, 132, 0);
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead) as ArrayBuffer;
  } finally {
    await handle.close();
  }
}

/**
 * Reads the files of a folder (recursively) as DicomInputFiles named by their path. Files without the DICOM marker
 * (viewer programs, documents) are passed on as their first bytes only, so a large one is never read whole.
 */
export async function readDicomInputs(dir: string): Promise<DicomInputFile[]> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) throw new Error(`${dir} does not exist`);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder`);
  const files = await listFilesRecursive(dir);
  if (files.length === 0) throw new Error(`${dir} holds no files`);
  const inputs: DicomInputFile[] = [];
  for (const name of files) {
    const prefix = await readPrefix(name);
    if (!hasDicmMarker(prefix) && path.basename(name).toUpperCase() !== 'DICOMDIR') {
      inputs.push({ name, bytes: prefix });
      continue;
    }
    const buf = await fs.readFile(name);
    inputs.push({ name, bytes: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer });
  }
  return inputs;
}

/**
 * All image series under `dir`, searched recursively (strict: see parseDicomFiles).
 * @example const series = await readDicomFolder('cohort/sub-01/dicom'); // three 23Na acquisitions
 */
export async function readDicomFolder(dir: string, opts: DicomParseOptions = {}): Promise<DicomSeries[]> {
  return parseDicomFiles(await readDicomInputs(dir), opts);
}

/** Readable and rejected series under `dir` (lenient per series: see scanDicomFiles). */
export async function scanDicomFolder(dir: string, opts: DicomParseOptions = {}): Promise<DicomScan> {
  return scanDicomFiles(await readDicomInputs(dir), opts);
}

/**
 * Writes `volume` as a DICOM series into `dir` (must not exist or be empty, so series never mix), one file per slice
 * named IM00001.dcm, IM00002.dcm, … The series is built in a temporary folder beside `dir` and renamed into place
 * when complete. Returns the file paths in slice order.
 */
export async function writeDicomSeriesFiles(
  dir: string,
  volume: Volume,
  opts: DicomWriteOptions = {},
): Promise<string[]> {
  const existing = await fs.readdir(dir).catch(() => undefined);
  if (existing && existing.length > 0) {
    throw new Error(`Output folder ${dir} is not empty; choose a new folder so series do not mix`);
  }
  const files = writeDicomSeries(volume, opts);
  const width = Math.max(5, String(files.length).length);
  const names = files.map((_, k) => `IM${String(k + 1).padStart(width, '0')}.dcm`);
  await writeFolderAtomic(dir, (tmp) =>
    Promise.all(files.map((bytes, k) => fs.writeFile(path.join(tmp, names[k]), new Uint8Array(bytes)))),
  );
  return names.map((n) => path.join(dir, n));
}

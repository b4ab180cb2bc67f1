// Node wrappers around the browser-safe DICOM core: reading a folder recursively, writing a series folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Volume } from '../../core/volume';
import { parseDicomFiles, scanDicomFiles } from './read';
import type { DicomInputFile, DicomParseOptions, DicomScan, DicomSeries } from './types';
import { writeDicomSeries, type DicomWriteOptions } from './write';

/** Every regular file under `dir`, recursively, in sorted order; hidden files (.DS_Store, ._*) are left out. */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFilesRecursive(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

/** Reads the files of a folder (recursively) as DicomInputFiles named by their path. */
export async function readDicomInputs(dir: string): Promise<DicomInputFile[]> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) throw new Error(`${dir} does not exist`);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder`);
  const files = await listFilesRecursive(dir);
  if (files.length === 0) throw new Error(`${dir} holds no files`);
  return Promise.all(
    files.map(async (name) => {
      const buf = await fs.readFile(name);
      return { name, bytes: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer };
    }),
  );
}

/** All image series under `dir` (strict: see parseDicomFiles). */
export async function readDicomFolder(dir: string, opts: DicomParseOptions = {}): Promise<DicomSeries[]> {
  return parseDicomFiles(await readDicomInputs(dir), opts);
}

/** Readable and rejected series under `dir` (lenient per series: see scanDicomFiles). */
export async function scanDicomFolder(dir: string, opts: DicomParseOptions = {}): Promise<DicomScan> {
  return scanDicomFiles(await readDicomInputs(dir), opts);
}

/**
 * Writes `volume` as a DICOM series into `dir` (created if needed; must be empty so series never mix), one file per
 * slice named IM00001.dcm, IM00002.dcm, … Returns the file paths in slice order.
 */
export async function writeDicomSeriesFiles(
  dir: string,
  volume: Volume,
  opts: DicomWriteOptions = {},
): Promise<string[]> {
  const existing = await fs.readdir(dir).catch(() => undefined);
  if (existing && existing.some((n) => !n.startsWith('.'))) {
    throw new Error(`Output folder ${dir} is not empty; choose a new folder so series do not mix`);
  }
  const files = writeDicomSeries(volume, opts);
  await fs.mkdir(dir, { recursive: true });
  const width = Math.max(5, String(files.length).length);
  const paths = files.map((_, k) => path.join(dir, `IM${String(k + 1).padStart(width, '0')}.dcm`));
  await Promise.all(files.map((bytes, k) => fs.writeFile(paths[k], new Uint8Array(bytes))));
  return paths;
}

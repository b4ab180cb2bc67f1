// `npm start -- --open <DICOM folder>`: the user's own study, read in place and never written to. The dicomjson
// manifest is built in memory; only the Part-10 files it lists are served (at /open/), from the folder as it is.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildManifest, type DicomJsonManifest } from './manifest';

export interface OpenedStudy {
  dir: string;
  studyInstanceUid: string;
  studyDescription?: string;
  /** Absolute paths of the DICOM files of the study (what --pacs uploads). */
  files: string[];
  /** Manifest with urls relative to `dir` (the server makes them absolute per request). */
  manifest: DicomJsonManifest;
  /** Files skipped because they are not DICOM Part-10 or not images of a study (DICOMDIR, notes, thumbnails). */
  skipped: number;
}

/** Where the opened study is served, and its manifest's path. */
export const OPEN_MOUNT = '/open/';
export const OPEN_MANIFEST = '/open/study.json';

/** Whether a file starts like DICOM Part 10 (128-byte preamble, then "DICM"); reads 132 bytes. */
export function isPart10(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(132);
    return fs.readSync(fd, head, 0, 132, 0) === 132 && head.toString('latin1', 128, 132) === 'DICM';
  } finally {
    fs.closeSync(fd);
  }
}

/** Every regular file below `dir` (any name: toolkits write IM0001, 1.2.3.dcm or no extension), sorted. */
function allFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Reads the DICOM study in `dir` without writing anything there.
 * @example openDicomFolder('/data/patient7') // → { studyInstanceUid: '1.2.…', files: [...], manifest }
 */
export function openDicomFolder(dir: string): OpenedStudy {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) throw new Error(`--open: ${dir} does not exist`);
  if (!fs.statSync(abs).isDirectory()) throw new Error(`--open: ${dir} is not a folder (give the study's folder)`);
  const candidates = allFiles(abs).filter(isPart10);
  // One file at a time, so one odd file (a DICOMDIR, a structured report without series) is skipped, not fatal.
  const files: string[] = [];
  for (const f of candidates) {
    try {
      buildManifest(abs, [f]);
      files.push(f);
    } catch {
      /* not an image instance of a study: skipped */
    }
  }
  const skipped = allFiles(abs).length - files.length;
  if (files.length === 0) throw new Error(`--open: no DICOM images in ${dir} (${skipped} other files)`);
  const manifest = buildManifest(abs, files);
  if (manifest.studies.length > 1) {
    const list = manifest.studies.map((s) => `${s.StudyInstanceUID} "${s.StudyDescription ?? ''}"`).join(', ');
    throw new Error(`--open: ${dir} holds ${manifest.studies.length} studies (${list}); open one study's folder`);
  }
  const [study] = manifest.studies;
  return {
    dir: abs,
    studyInstanceUid: study.StudyInstanceUID,
    studyDescription: study.StudyDescription,
    files,
    manifest,
    skipped,
  };
}

// Node: opens a cohort folder (subject folders of NIfTI volumes and/or a DICOM study) and loads subjects lazily.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { meanVolume, sameGrid, type Volume } from '../core/volume';
import { scanDicomFolder } from './dicom/node-files';
import type { DicomSeries } from './dicom/types';
import { readNiftiFile } from './nifti';
import { groupRepeats, originalSodiumSeries } from './sodiumSeries';
import { isInteger } from '../core/math';

/** Format tag of manifest.json (bump when its meaning changes). */
export const COHORT_FORMAT = 'sodium-denoise/cohort@1';

/** File names inside a subject folder (each also readable as .nii instead of .nii.gz). */
export const COHORT_FILES = {
  truth: 'truth.nii.gz',
  acquisitions: ['acq1.nii.gz', 'acq2.nii.gz', 'acq3.nii.gz'],
  mean3: 'mean3.nii.gz',
  brainMask: 'brainmask.nii.gz',
  lesionMask: 'lesionmask.nii.gz',
  tubeMask: 'tubemask.nii.gz',
  labels: 'labels.nii.gz',
} as const;

export interface CohortTube {
  label: number;
  concentrationMM: number;
  side?: 'left' | 'right';
  voxels?: number;
}

export interface CohortLesion {
  label: number;
  concentrationMM: number;
  voxels: number;
  centreMm?: [number, number, number];
  radiiMm?: [number, number, number];
  volumeMl?: number;
}

/** One subject's entry in manifest.json. */
export interface CohortSubjectEntry {
  id: string;
  /** Folder relative to the cohort root. */
  folder: string;
  noiseSigma?: number;
  snr?: number;
  signalPerMM?: number;
  tissueConcentrationsMM?: Record<string, number>;
  tubes?: CohortTube[];
  lesions?: CohortLesion[];
  brainVoxels?: number;
  pose?: unknown;
  dicom?: {
    studyInstanceUID: string;
    frameOfReferenceUID: string;
    series: Array<{ folder: string; seriesInstanceUID: string; seriesNumber: number }>;
  };
}

export interface CohortManifest {
  format: string;
  generator: { name: string; version: string };
  seed?: number;
  /** Generator parameters (the phantom's PhantomParams for synthetic cohorts). */
  parameters?: unknown;
  /** Tissue label numbers used in labels.nii.gz. */
  labels?: Record<string, number>;
  units?: Record<string, string>;
  files?: {
    truth: string;
    acquisitions: string[];
    mean3: string;
    brainMask: string;
    lesionMask: string;
    tubeMask: string;
    labels: string;
  };
  subjects: CohortSubjectEntry[];
}

export type SubjectSource = 'nifti' | 'dicom';

/** A subject with everything its folder holds, read into memory. */
export interface LoadedSubject {
  id: string;
  source: SubjectSource;
  acquisitions: [Volume, Volume, Volume];
  /** From mean3.nii.gz when present, else computed from the acquisitions. */
  mean3: Volume;
  truth?: Volume;
  brainMask?: Uint8Array;
  lesionMask?: Uint8Array;
  tubeMask?: Uint8Array;
  labels?: Uint8Array;
  tubes?: CohortTube[];
  lesions?: CohortLesion[];
  tissueConcentrationsMM?: Record<string, number>;
  noiseSigma?: number;
  /** The DICOM series of the acquisitions, when they were read from DICOM. */
  dicomSeries?: [DicomSeries, DicomSeries, DicomSeries];
}

/** A subject found in the cohort: cheap to hold; load() reads its volumes. */
export interface CohortSubject {
  id: string;
  dir: string;
  /** Where the acquisitions will be read from. */
  source: SubjectSource;
  entry?: CohortSubjectEntry;
  load(): Promise<LoadedSubject>;
}

export interface Cohort {
  dir: string;
  manifest?: CohortManifest;
  subjects: CohortSubject[];
}

export interface OpenCohortOptions {
  /** When a subject has both NIfTI acquisitions and DICOM, which to read (default 'nifti': faster, lossless). */
  prefer?: SubjectSource;
}

const NIFTI_EXT = ['.nii.gz', '.nii'];

function stem(name: string): string {
  return name.replace(/\.nii(\.gz)?$/i, '');
}

/** Files of a folder by NIfTI stem (acq1 → acq1.nii.gz or acq1.nii), and whether it holds other (DICOM) files. */
async function inspectFolder(
  dir: string,
): Promise<{ nifti: Map<string, string>; otherFiles: number; subdirs: string[] }> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nifti = new Map<string, string>();
  let otherFiles = 0;
  const subdirs: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) subdirs.push(e.name);
    else if (e.isFile() && NIFTI_EXT.some((x) => e.name.toLowerCase().endsWith(x))) {
      const s = stem(e.name).toLowerCase();
      if (nifti.has(s)) throw new Error(`${dir} holds both ${path.basename(nifti.get(s)!)} and ${e.name}; keep one`);
      nifti.set(s, path.join(dir, e.name));
    } else if (e.isFile() && !/\.(json|txt|md|csv|png)$/i.test(e.name)) otherFiles++;
  }
  return { nifti, otherFiles, subdirs: subdirs.sort() };
}

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

const ACQ_STEMS = COHORT_FILES.acquisitions.map(stem);

/** Decides how a subject folder holds its acquisitions, or explains why it holds none. */
async function classifySubject(
  dir: string,
  prefer: SubjectSource,
): Promise<{ source: SubjectSource; dicomDir?: string; nifti: Map<string, string> }> {
  const info = await inspectFolder(dir);
  const hasNifti = ACQ_STEMS.every((s) => info.nifti.has(s));
  const someNifti = ACQ_STEMS.filter((s) => info.nifti.has(s));
  const dicomDir = info.subdirs.includes('dicom') ? path.join(dir, 'dicom') : info.otherFiles > 0 ? dir : undefined;
  if (hasNifti && (!dicomDir || prefer === 'nifti')) return { source: 'nifti', nifti: info.nifti };
  if (dicomDir) return { source: 'dicom', dicomDir, nifti: info.nifti };
  if (someNifti.length > 0) {
    const missing = ACQ_STEMS.filter((s) => !info.nifti.has(s));
    throw new Error(
      `subject folder ${dir} has ${someNifti.join(', ')} but not ${missing.join(', ')} (.nii.gz or .nii), and no dicom/ folder`,
    );
  }
  throw new Error(`subject folder ${dir} has neither acq1..acq3 (.nii.gz or .nii) nor a dicom/ folder or DICOM files`);
}

async function readManifest(dir: string): Promise<CohortManifest | undefined> {
  const file = path.join(dir, 'manifest.json');
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const m = json as Partial<CohortManifest>;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.subjects))
    throw new Error(`${file} has no "subjects" list`);
  if (typeof m.format === 'string' && !m.format.startsWith('sodium-denoise/cohort@')) {
    throw new Error(`${file} has format "${m.format}", not a sodium-denoise cohort manifest`);
  }
  m.subjects.forEach((s, i) => {
    if (typeof s?.id !== 'string' || typeof s.folder !== 'string')
      throw new Error(`${file}: subjects[${i}] needs string "id" and "folder"`);
    if (path.isAbsolute(s.folder) || s.folder.split(/[\\/]/).includes('..'))
      throw new Error(`${file}: subjects[${i}].folder must stay inside the cohort`);
  });
  return m as CohortManifest;
}

/**
 * Opens a cohort: a folder of subject folders, each with acq1..acq3 (.nii.gz / .nii) or a DICOM study (in dicom/ or
 * the folder itself) of three repeated series; truth, masks, labels and manifest.json are optional. Nothing is read
 * beyond folder listings until a subject's load().
 */
export async function openCohort(dir: string, opts: OpenCohortOptions = {}): Promise<Cohort> {
  if (!(await isDirectory(dir))) throw new Error(`cohort ${dir} is not a folder`);
  const prefer = opts.prefer ?? 'nifti';
  const manifest = await readManifest(dir);
  let folders: Array<{ id: string; folder: string; entry?: CohortSubjectEntry }>;
  if (manifest) {
    folders = manifest.subjects.map((entry) => ({ id: entry.id, folder: entry.folder, entry }));
    for (const f of folders) {
      if (!(await isDirectory(path.join(dir, f.folder))))
        throw new Error(`manifest.json lists subject ${f.id} in ${f.folder}/, which is missing from ${dir}`);
    }
  } else {
    const info = await inspectFolder(dir);
    if (info.subdirs.length === 0) {
      const looksLikeSubject = ACQ_STEMS.some((s) => info.nifti.has(s)) || info.otherFiles > 0;
      throw new Error(
        looksLikeSubject
          ? `${dir} looks like a single subject folder; a cohort is a folder of subject folders (pass its parent)`
          : `cohort ${dir} holds no subject folders`,
      );
    }
    if (info.subdirs.includes('dicom') && !info.subdirs.some((s) => s !== 'dicom')) {
      throw new Error(
        `${dir} looks like a single subject folder (it has dicom/); a cohort is a folder of subject folders`,
      );
    }
    folders = info.subdirs.map((name) => ({ id: name, folder: name }));
  }
  if (folders.length === 0) throw new Error(`cohort ${dir} lists no subjects`);
  const subjects: CohortSubject[] = [];
  for (const f of folders) {
    const subjectDir = path.join(dir, f.folder);
    const layout = await classifySubject(subjectDir, prefer);
    subjects.push({
      id: f.id,
      dir: subjectDir,
      source: layout.source,
      ...(f.entry ? { entry: f.entry } : {}),
      load: () => loadSubject(f.id, subjectDir, layout, f.entry),
    });
  }
  const ids = new Set<string>();
  for (const s of subjects) {
    if (ids.has(s.id)) throw new Error(`cohort ${dir} has two subjects with id ${s.id}`);
    ids.add(s.id);
  }
  return { dir, ...(manifest ? { manifest } : {}), subjects };
}

function toMask(v: Volume, file: string): Uint8Array {
  const out = new Uint8Array(v.data.length);
  for (let i = 0; i < out.length; i++) {
    const x = v.data[i];
    if (!(isInteger(x) && x >= 0 && x <= 255))
      throw new Error(`${file}: voxel ${i} is ${x}; masks and labels must hold integers 0..255`);
    out[i] = x;
  }
  return out;
}

/** The three repeated sodium acquisitions of a DICOM study: original (not derived) 23Na series on one grid. */
async function readDicomAcquisitions(dir: string): Promise<[DicomSeries, DicomSeries, DicomSeries]> {
  const scan = await scanDicomFolder(dir);
  const describe = (s: DicomSeries) => `#${s.seriesNumber ?? '?'} "${s.seriesDescription ?? ''}"`;
  const candidates = originalSodiumSeries(scan.series);
  if (candidates.length < 3) {
    const rejected = scan.rejected.map((r) => ` (unreadable: #${r.seriesNumber ?? '?'} ${r.reason})`).join('');
    throw new Error(
      `${dir}: found ${candidates.length} original sodium series, need three repeated acquisitions${rejected}`,
    );
  }
  const groups = groupRepeats(candidates);
  const triples = groups.filter((g) => g.length >= 3);
  if (triples.length === 0) {
    throw new Error(`${dir}: no three sodium series share one grid (series ${candidates.map(describe).join(', ')})`);
  }
  if (triples.length > 1 || triples[0].length > 3) {
    throw new Error(
      `${dir}: more than three repeated sodium series on one grid (${triples.flat().map(describe).join(', ')}); keep three`,
    );
  }
  return triples[0] as [DicomSeries, DicomSeries, DicomSeries];
}

async function loadSubject(
  id: string,
  dir: string,
  layout: { source: SubjectSource; dicomDir?: string; nifti: Map<string, string> },
  entry?: CohortSubjectEntry,
): Promise<LoadedSubject> {
  const nifti = layout.nifti;
  let acquisitions: [Volume, Volume, Volume];
  let dicomSeries: LoadedSubject['dicomSeries'];
  if (layout.source === 'nifti') {
    acquisitions = (await Promise.all(ACQ_STEMS.map((s) => readNiftiFile(nifti.get(s)!)))) as [Volume, Volume, Volume];
  } else {
    dicomSeries = await readDicomAcquisitions(layout.dicomDir!);
    acquisitions = dicomSeries.map((s) => s.volume) as [Volume, Volume, Volume];
  }
  const grid = acquisitions[0];
  acquisitions.forEach((a, k) => {
    if (!sameGrid(grid, a))
      throw new Error(
        `subject ${id}: acquisition ${k + 1} is not on acquisition 1's grid (dims, spacing, origin, direction)`,
      );
  });
  const optional = async (name: string): Promise<Volume | undefined> => {
    const file = nifti.get(stem(name));
    if (!file) return undefined;
    const v = await readNiftiFile(file);
    if (!sameGrid(grid, v)) throw new Error(`subject ${id}: ${path.basename(file)} is not on the acquisitions' grid`);
    return v;
  };
  const optionalMask = async (name: string) => {
    const v = await optional(name);
    return v ? toMask(v, path.join(dir, name)) : undefined;
  };
  const F = COHORT_FILES;
  const [mean3File, truth, brainMask, lesionMask, tubeMask, labels] = await Promise.all([
    optional(F.mean3),
    optional(F.truth),
    optionalMask(F.brainMask),
    optionalMask(F.lesionMask),
    optionalMask(F.tubeMask),
    optionalMask(F.labels),
  ]);
  return {
    id,
    source: layout.source,
    acquisitions,
    mean3: mean3File ?? meanVolume(acquisitions),
    ...(truth ? { truth } : {}),
    ...(brainMask ? { brainMask } : {}),
    ...(lesionMask ? { lesionMask } : {}),
    ...(tubeMask ? { tubeMask } : {}),
    ...(labels ? { labels } : {}),
    ...(entry?.tubes ? { tubes: entry.tubes } : {}),
    ...(entry?.lesions ? { lesions: entry.lesions } : {}),
    ...(entry?.tissueConcentrationsMM ? { tissueConcentrationsMM: entry.tissueConcentrationsMM } : {}),
    ...(entry?.noiseSigma !== undefined ? { noiseSigma: entry.noiseSigma } : {}),
    ...(dicomSeries ? { dicomSeries } : {}),
  };
}

// Node: writes a synthetic cohort to disk — per subject NIfTI volumes, masks and a DICOM study, plus manifest.json.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Volume } from '../core/volume';
import { volumeLike } from '../core/volume';
import { newUid } from '../io/dicom/uid';
import { writeDicomSeriesFiles } from '../io/dicom/node-files';
import { writeNiftiFile, type NiftiWriteDatatype } from '../io/nifti';
import { resolvePhantomParams } from './params';
import { generateSubject } from './subject';
import { TISSUE_LABEL, type PhantomParams, type PhantomParamsInput, type PhantomSubject } from './types';
import { COHORT_FILES, COHORT_FORMAT, type CohortManifest, type CohortSubjectEntry } from '../io/cohort';
import { PHANTOM_GENERATOR } from './version';

export interface WriteCohortOptions extends PhantomParamsInput {
  /** Also write each subject's acquisitions as a DICOM study (default true). */
  dicom?: boolean;
  /** Magnetic field strength recorded in the DICOM headers, tesla (default 3). */
  fieldStrengthT?: number;
}

export interface CohortProgress {
  /** 1-based number of the subject just written. */
  done: number;
  total: number;
  id: string;
  elapsedMs: number;
}

export interface WriteCohortResult {
  outDir: string;
  manifest: CohortManifest;
  elapsedMs: number;
}

function maskVolume(like: Volume, mask: Uint8Array): Volume {
  return volumeLike(like, Float32Array.from(mask));
}

async function writeVolume(file: string, volume: Volume, datatype: NiftiWriteDatatype, description: string): Promise<void> {
  // Level 1: noisy float data barely compresses further at higher levels, and the cohort must generate in seconds.
  await writeNiftiFile(file, volume, { datatype, description, compressionLevel: 1 });
}

async function writeSubjectDicom(dir: string, s: PhantomSubject, p: PhantomParams, fieldStrengthT: number): Promise<CohortSubjectEntry['dicom']> {
  const studyInstanceUID = newUid();
  const frameOfReferenceUID = newUid();
  // A fixed acquisition date keeps the headers reproducible apart from their UIDs.
  const date = new Date(Date.UTC(2024, 0, 15, 9, 0, 0) + s.index * 3_600_000);
  const series: NonNullable<CohortSubjectEntry['dicom']>['series'] = [];
  for (const [k, acq] of s.acquisitions.entries()) {
    const seriesInstanceUID = newUid();
    const folder = `dicom/acq${k + 1}`;
    await writeDicomSeriesFiles(path.join(dir, folder), acq, {
      patientName: `Phantom^${s.id}`,
      patientId: `NA-PHANTOM-${p.seed}-${s.id}`,
      studyInstanceUID,
      studyDescription: '23Na MRI brain (synthetic phantom)',
      studyId: s.id,
      seriesInstanceUID,
      seriesNumber: k + 1,
      seriesDescription: `23Na 3D radial, acquisition ${k + 1} of 3`,
      frameOfReferenceUID,
      magneticFieldStrength: fieldStrengthT,
      imageComments: `Synthetic sodium phantom ${s.id} (seed ${p.seed}), brain SNR ${p.snr}; not a patient`,
      date,
    });
    series.push({ folder, seriesInstanceUID, seriesNumber: k + 1 });
  }
  return { studyInstanceUID, frameOfReferenceUID, series };
}

async function writeSubject(outDir: string, s: PhantomSubject, p: PhantomParams, opts: WriteCohortOptions): Promise<CohortSubjectEntry> {
  const dir = path.join(outDir, s.id);
  await fs.mkdir(dir, { recursive: true });
  const f = COHORT_FILES;
  const desc = (what: string) => `${s.id} ${what}`;
  await writeVolume(path.join(dir, f.truth), s.truth, 'float32', desc('noise-free truth'));
  for (const [k, acq] of s.acquisitions.entries()) await writeVolume(path.join(dir, f.acquisitions[k]), acq, 'float32', desc(`acquisition ${k + 1}`));
  await writeVolume(path.join(dir, f.mean3), s.mean3, 'float32', desc('mean of 3 acquisitions'));
  await writeVolume(path.join(dir, f.brainMask), maskVolume(s.truth, s.brainMask), 'uint8', desc('brain mask'));
  await writeVolume(path.join(dir, f.lesionMask), maskVolume(s.truth, s.lesionMask), 'uint8', desc('lesion numbers'));
  await writeVolume(path.join(dir, f.tubeMask), maskVolume(s.truth, s.tubeMask), 'uint8', desc('tube numbers'));
  await writeVolume(path.join(dir, f.labels), maskVolume(s.truth, s.labels), 'uint8', desc('tissue labels'));
  const dicom = opts.dicom === false ? undefined : await writeSubjectDicom(dir, s, p, opts.fieldStrengthT ?? 3);
  return {
    id: s.id,
    folder: s.id,
    noiseSigma: s.noiseSigma,
    snr: s.snr,
    signalPerMM: s.signalPerMM,
    tissueConcentrationsMM: s.tissueConcentrationsMM,
    tubes: s.tubes,
    lesions: s.lesions,
    brainVoxels: s.brainMask.reduce((a, v) => a + v, 0),
    pose: s.pose,
    ...(dicom ? { dicom } : {}),
  };
}

/**
 * Generates `subjects` phantom subjects and writes them under `outDir` (which must be new or empty): sub-01/ … with
 * truth, acq1..3, mean3, masks and labels as .nii.gz, a dicom/ study with one series per acquisition, and manifest.json.
 */
export async function writeCohort(outDir: string, opts: WriteCohortOptions = {}, onProgress?: (p: CohortProgress) => void): Promise<WriteCohortResult> {
  const t0 = Date.now();
  const { dicom: _dicom, fieldStrengthT, ...paramInput } = opts;
  const params = resolvePhantomParams(paramInput);
  if (fieldStrengthT !== undefined && !(fieldStrengthT > 0)) throw new Error(`field strength must be positive tesla, got ${fieldStrengthT}`);
  const existing = await fs.readdir(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw new Error(`cannot use ${outDir} as the cohort folder: ${err.message}`);
  });
  if (existing.some((n) => !n.startsWith('.'))) throw new Error(`cohort folder ${outDir} is not empty; choose a new folder`);
  await fs.mkdir(outDir, { recursive: true });

  const subjects: CohortSubjectEntry[] = [];
  for (let i = 0; i < params.subjects; i++) {
    const subject = generateSubject(params, i);
    subjects.push(await writeSubject(outDir, subject, params, opts));
    onProgress?.({ done: i + 1, total: params.subjects, id: subject.id, elapsedMs: Date.now() - t0 });
  }
  const manifest: CohortManifest = {
    format: COHORT_FORMAT,
    generator: { ...PHANTOM_GENERATOR },
    seed: params.seed,
    parameters: params,
    labels: { ...TISSUE_LABEL },
    units: { signal: 'arbitrary scanner units', concentration: 'mM', length: 'mm' },
    files: { ...COHORT_FILES, acquisitions: [...COHORT_FILES.acquisitions] },
    subjects,
  };
  await fs.writeFile(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { outDir, manifest, elapsedMs: Date.now() - t0 };
}

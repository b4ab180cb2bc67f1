// Node: generates one cohort subject and writes its files (NIfTI volumes, masks, DICOM study); used in-process and
// by the cohort worker threads.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Volume } from '../core/volume';
import { volumeLike } from '../core/volume';
import { COHORT_FILES, type CohortSubjectEntry } from '../io/cohort';
import { newUid } from '../io/dicom/uid';
import { writeDicomSeriesFiles } from '../io/dicom/node-files';
import { writeNiftiFile, type NiftiWriteDatatype } from '../io/nifti';
import { generateSubject } from './subject';
import type { PhantomParams, PhantomSubject } from './types';

export interface SubjectWriteOptions {
  /** Also write the acquisitions as a DICOM study (default true). */
  dicom: boolean;
  /** MagneticFieldStrength in the DICOM headers, tesla. */
  fieldStrengthT: number;
}

function maskVolume(like: Volume, mask: Uint8Array): Volume {
  return volumeLike(like, Float32Array.from(mask));
}

async function writeVolume(
  file: string,
  volume: Volume,
  datatype: NiftiWriteDatatype,
  description: string,
): Promise<void> {
  // Level 1: noisy float data barely compresses further at higher levels, and the cohort must generate in seconds.
  await writeNiftiFile(file, volume, { datatype, description, compressionLevel: 1 });
}

async function writeSubjectDicom(
  dir: string,
  s: PhantomSubject,
  p: PhantomParams,
  fieldStrengthT: number,
): Promise<CohortSubjectEntry['dicom']> {
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

async function writeSubject(
  outDir: string,
  s: PhantomSubject,
  p: PhantomParams,
  opts: SubjectWriteOptions,
): Promise<CohortSubjectEntry> {
  const dir = path.join(outDir, s.id);
  await fs.mkdir(dir, { recursive: true });
  const f = COHORT_FILES;
  const desc = (what: string) => `${s.id} ${what}`;
  await writeVolume(path.join(dir, f.truth), s.truth, 'float32', desc('noise-free truth'));
  for (const [k, acq] of s.acquisitions.entries())
    await writeVolume(path.join(dir, f.acquisitions[k]), acq, 'float32', desc(`acquisition ${k + 1}`));
  await writeVolume(path.join(dir, f.mean3), s.mean3, 'float32', desc('mean of 3 acquisitions'));
  await writeVolume(path.join(dir, f.brainMask), maskVolume(s.truth, s.brainMask), 'uint8', desc('brain mask'));
  await writeVolume(path.join(dir, f.lesionMask), maskVolume(s.truth, s.lesionMask), 'uint8', desc('lesion numbers'));
  await writeVolume(path.join(dir, f.tubeMask), maskVolume(s.truth, s.tubeMask), 'uint8', desc('tube numbers'));
  await writeVolume(path.join(dir, f.labels), maskVolume(s.truth, s.labels), 'uint8', desc('tissue labels'));
  const dicom = opts.dicom ? await writeSubjectDicom(dir, s, p, opts.fieldStrengthT) : undefined;
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

/** Generates subject `index` of the cohort `params` describes and writes it under outDir/<id>/. */
export async function generateAndWriteSubject(
  outDir: string,
  params: PhantomParams,
  index: number,
  opts: SubjectWriteOptions,
): Promise<CohortSubjectEntry> {
  return writeSubject(outDir, generateSubject(params, index), params, opts);
}

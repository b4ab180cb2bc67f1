// Node: a study's repeated sodium acquisitions, from a DICOM folder (original 23Na series sharing one grid) or a
// folder of acq1.nii(.gz), acq2.nii(.gz)[, acq3…]. What the study-adaptation command trains on. The DICOM reader
// (dcmjs) loads only for a DICOM study: `denoise` imports this module for --adapt alone.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sameGrid, type Volume } from '../core/volume';
import type { DicomSeries } from './dicom/types';
import { readNiftiFile } from './nifti';
import { groupRepeats, originalSodiumSeries } from './sodiumSeries';

export interface RepeatedAcquisitions {
  volumes: Volume[];
  /** What each acquisition is, for messages: '#2 "23Na …"' or 'acq2.nii.gz'. */
  labels: string[];
  format: 'dicom' | 'nifti';
  /** The DICOM series, in series-number order (DICOM input only). */
  series?: DicomSeries[];
  /** StudyInstanceUID and SeriesInstanceUIDs (DICOM input only): the study's identity, never names. */
  uids: string[];
}

const ACQ_FILE = /^acq(\d+)\.nii(\.gz)?$/i;

/** The study's repeats, or a one-line error saying why there are fewer than two. */
export async function readRepeatedAcquisitions(
  dir: string,
  onNote?: (n: string) => void,
): Promise<RepeatedAcquisitions> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) throw new Error(`${dir} does not exist`);
  if (!stat.isDirectory())
    throw new Error(
      `${dir} is a file; give a folder: a DICOM study with ≥ 2 repeated sodium series, or acq1.nii.gz, acq2.nii.gz[, …]`,
    );
  const names = (await fs.readdir(dir)).filter((n) => ACQ_FILE.test(n));
  if (names.length > 0) return readNifti(dir, names);
  return readDicom(dir, onNote);
}

function refuse(dir: string, found: number, what: string): never {
  throw new Error(
    `${dir}: found ${found} ${what}; adaptation needs at least 2 repeated acquisitions of the same sodium scan on one grid`,
  );
}

async function readNifti(dir: string, names: string[]): Promise<RepeatedAcquisitions> {
  const byNumber = new Map<number, string>();
  for (const n of names) {
    const k = Number(ACQ_FILE.exec(n)![1]);
    if (byNumber.has(k)) throw new Error(`${dir} holds both ${byNumber.get(k)} and ${n}; keep one`);
    byNumber.set(k, n);
  }
  const sorted = [...byNumber.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  if (sorted.length < 2) refuse(dir, sorted.length, `acquisition file (${sorted.join(', ')})`);
  const volumes = await Promise.all(sorted.map((n) => readNiftiFile(path.join(dir, n))));
  volumes.forEach((v, i) => {
    if (!sameGrid(volumes[0], v))
      throw new Error(`${sorted[i]} is not on ${sorted[0]}'s grid (dims, spacing, origin, direction)`);
  });
  return { volumes, labels: sorted, format: 'nifti', uids: [] };
}

async function readDicom(dir: string, onNote?: (n: string) => void): Promise<RepeatedAcquisitions> {
  const { scanDicomFolder } = await import('./dicom/node-files');
  const scan = await scanDicomFolder(dir, { onNote });
  const candidates = originalSodiumSeries(scan.series);
  const groups = groupRepeats(candidates);
  const best = groups[0] ?? [];
  if (best.length < 2) {
    const rejected = scan.rejected.length ? `; unreadable: ${scan.rejected.map((r) => r.reason).join('; ')}` : '';
    refuse(dir, candidates.length, `original sodium series${candidates.length ? ' on distinct grids' : ''}${rejected}`);
  }
  if (groups[1] && groups[1].length === best.length)
    throw new Error(
      `${dir}: two sets of ${best.length} repeated sodium series on different grids; give a folder with one study's repeats`,
    );
  const series = [...best].sort((a, b) => (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0));
  return {
    volumes: series.map((s) => s.volume),
    labels: series.map((s) => `#${s.seriesNumber ?? '?'} "${s.seriesDescription ?? ''}"`),
    format: 'dicom',
    series,
    uids: [series[0].studyInstanceUID ?? '', ...series.map((s) => s.seriesInstanceUID)],
  };
}

// The embedded demo study: one synthetic sodium head (three repeated 23Na acquisitions, a lesion) as DICOM + manifest.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateSubject } from '../phantom/subject';
import { resolvePhantomParams } from '../phantom/params';
import type { PhantomParams } from '../phantom/types';
import { newUid, writeDicomSeriesFiles } from '../io';
import { buildManifest, listDicomFiles, type DicomJsonManifest } from './manifest';

export const DEMO_DEFAULTS = { size: 64, seed: 2024 } as const;

export interface DemoOptions {
  /** Matrix size (cubic); the field of view stays 256 mm, so smaller demos have bigger voxels. */
  size?: number;
  seed?: number;
  log?: (message: string) => void;
}

export interface DemoStudy {
  dir: string;
  studyInstanceUid: string;
  /** SeriesInstanceUIDs of the three acquisitions, in series-number order. */
  seriesInstanceUids: string[];
  manifest: DicomJsonManifest;
}

/** Stamp describing what generated the folder, so a changed size or seed regenerates it. */
interface DemoStamp {
  format: 'sodium-denoise/demo@1';
  size: number;
  seed: number;
  studyInstanceUid: string;
  seriesInstanceUids: string[];
}

const STAMP = 'demo.json';
const FOV_MM = 256;

function readStamp(dir: string): DemoStamp | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STAMP), 'utf8')) as DemoStamp;
  } catch {
    return null;
  }
}

/** Returns the demo study in `dir`, generating it (a few seconds) when absent or made with other parameters. */
export async function ensureDemoStudy(dir: string, opts: DemoOptions = {}): Promise<DemoStudy> {
  const size = opts.size ?? DEMO_DEFAULTS.size;
  const seed = opts.seed ?? DEMO_DEFAULTS.seed;
  const stamp = readStamp(dir);
  const manifestFile = path.join(dir, 'study.json');
  if (stamp && stamp.size === size && stamp.seed === seed && fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as DicomJsonManifest;
    return { dir, studyInstanceUid: stamp.studyInstanceUid, seriesInstanceUids: stamp.seriesInstanceUids, manifest };
  }
  return generateDemoStudy(dir, { ...opts, size, seed });
}

/** The phantom parameters of the demo subject (tests regenerate it to know its tubes and tissues). */
export function demoPhantomParams(size: number, seed: number): PhantomParams {
  return resolvePhantomParams({
    seed,
    subjects: 1,
    matrix: size,
    voxelSizeMm: FOV_MM / size,
    // At least one lesion, so the demo shows what denoising does to pathology.
    lesions: { count: [1, 2] },
  });
}

/** Generates the demo study into `dir` (replacing what our generator wrote there before). */
export async function generateDemoStudy(dir: string, opts: DemoOptions = {}): Promise<DemoStudy> {
  const size = opts.size ?? DEMO_DEFAULTS.size;
  const seed = opts.seed ?? DEMO_DEFAULTS.seed;
  const t0 = Date.now();
  opts.log?.(`[demo] generating the synthetic sodium head (${size}³, three acquisitions) in ${dir}…`);
  const subject = generateSubject(demoPhantomParams(size, seed), 0);

  for (const e of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (/^acq-\d$/.test(e) || e === 'study.json' || e === STAMP)
      fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  const studyInstanceUid = newUid();
  const frameOfReferenceUid = newUid();
  const date = new Date(Date.UTC(2024, 0, 15, 9, 30, 0));
  const seriesInstanceUids: string[] = [];
  for (const [k, acq] of subject.acquisitions.entries()) {
    const seriesInstanceUid = newUid();
    seriesInstanceUids.push(seriesInstanceUid);
    await writeDicomSeriesFiles(path.join(dir, `acq-${k + 1}`), acq, {
      patientName: 'Demo^Sodium Head',
      patientId: 'NA-DEMO-001',
      studyInstanceUID: studyInstanceUid,
      studyDescription: '23Na MRI brain (synthetic demo)',
      studyDate: '20240115',
      studyTime: '093000',
      seriesInstanceUID: seriesInstanceUid,
      seriesNumber: k + 1,
      seriesDescription: `23Na 3D radial, acquisition ${k + 1} of 3`,
      frameOfReferenceUID: frameOfReferenceUid,
      imageComments: `Synthetic sodium phantom ${subject.id} (seed ${seed}), SNR ${subject.snr.toFixed(1)}; not a patient`,
      date,
    });
  }
  const manifest = buildManifest(dir, listDicomFiles(dir));
  fs.writeFileSync(path.join(dir, 'study.json'), JSON.stringify(manifest));
  const stamp: DemoStamp = { format: 'sodium-denoise/demo@1', size, seed, studyInstanceUid, seriesInstanceUids };
  fs.writeFileSync(path.join(dir, STAMP), JSON.stringify(stamp, null, 2));
  opts.log?.(
    `[demo] done in ${((Date.now() - t0) / 1000).toFixed(1)} s (${subject.lesions.length} lesion(s), SNR ${subject.snr.toFixed(1)})`,
  );
  return { dir, studyInstanceUid, seriesInstanceUids, manifest };
}

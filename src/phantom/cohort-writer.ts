// Node: writes a synthetic cohort to disk — per subject NIfTI volumes, masks and a DICOM study, plus manifest.json —
// generating subjects in parallel on worker threads.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../core/node-thread';
import { writeFolderAtomic } from '../io/atomic-write';
import { COHORT_FILES, COHORT_FORMAT, type CohortManifest, type CohortSubjectEntry } from '../io/cohort';
import { generateAndWriteSubject, type SubjectWriteOptions } from './cohort-subject';
import type { CohortWorkerReply, CohortWorkerRequest } from './cohort-worker';
import { resolvePhantomParams } from './params';
import { TISSUE_LABEL, type PhantomParams, type PhantomParamsInput } from './types';
import { PHANTOM_GENERATOR } from './version';

export interface WriteCohortOptions extends PhantomParamsInput {
  /** Also write each subject's acquisitions as a DICOM study (default true). */
  dicom?: boolean;
  /** Magnetic field strength recorded in the DICOM headers, tesla (default 3). */
  fieldStrengthT?: number;
  /** Worker threads generating subjects in parallel; 1 runs in this thread (default: cores, at most 8). */
  workers?: number;
}

export interface CohortProgress {
  /** How many subjects are written so far (subjects finish in any order when running in parallel). */
  done: number;
  total: number;
  /** The subject just written. */
  id: string;
  elapsedMs: number;
}

export interface WriteCohortResult {
  outDir: string;
  manifest: CohortManifest;
  elapsedMs: number;
  workers: number;
}

const WORKER_ENTRY = path.join(__dirname, 'cohort-worker');

/** Runs `jobs` subject indices on `size` worker threads, calling onDone as each finishes. */
async function runOnWorkers(
  size: number,
  request: Omit<CohortWorkerRequest, 'index'>,
  indices: number[],
  onDone: (entry: CohortSubjectEntry) => void,
): Promise<void> {
  const queue = [...indices];
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let failed = false;
      const fail = (err: Error) => {
        if (!failed) {
          failed = true;
          reject(err);
        }
      };
      const next = (worker: Worker) => {
        const index = queue.shift();
        if (index === undefined) {
          if (--running === 0 && !failed) resolve();
          return;
        }
        worker.postMessage({ ...request, index } satisfies CohortWorkerRequest);
      };
      for (let w = 0; w < size; w++) {
        const worker = startModuleWorker(WORKER_ENTRY);
        workers.push(worker);
        running++;
        worker.on('message', (reply: CohortWorkerReply) => {
          if (reply.error !== undefined) return fail(new Error(reply.error));
          onDone(reply.entry!);
          next(worker);
        });
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (code !== 0) fail(new Error(`cohort worker exited with code ${code}`));
        });
        next(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Generates `subjects` phantom subjects and writes them under `outDir` (which must be new or empty): sub-01/ … with
 * truth, acq1..3, mean3, masks and labels as .nii.gz, a dicom/ study with one series per acquisition, and manifest.json.
 * The NIfTI files depend only on the parameters (not on the number of workers).
 */
export async function writeCohort(
  outDir: string,
  opts: WriteCohortOptions = {},
  onProgress?: (p: CohortProgress) => void,
): Promise<WriteCohortResult> {
  const t0 = Date.now();
  const { dicom, fieldStrengthT, workers: workerOption, ...paramInput } = opts;
  const params: PhantomParams = resolvePhantomParams(paramInput);
  if (fieldStrengthT !== undefined && !(fieldStrengthT > 0))
    throw new Error(`field strength must be positive tesla, got ${fieldStrengthT}`);
  if (workerOption !== undefined && !(Number.isInteger(workerOption) && workerOption >= 1)) {
    throw new Error(`workers must be a positive integer, got ${workerOption}`);
  }
  const existing = await fs.readdir(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw new Error(`cannot use ${outDir} as the cohort folder: ${err.message}`);
  });
  if (existing.length > 0) throw new Error(`cohort folder ${outDir} is not empty; choose a new folder`);

  const writeOpts: SubjectWriteOptions = { dicom: dicom !== false, fieldStrengthT: fieldStrengthT ?? 3 };
  const workers = Math.min(params.subjects, workerOption ?? Math.min(os.availableParallelism(), 8));
  const entries: CohortSubjectEntry[] = [];
  const done = (entry: CohortSubjectEntry) => {
    entries.push(entry);
    onProgress?.({ done: entries.length, total: params.subjects, id: entry.id, elapsedMs: Date.now() - t0 });
  };
  const indices = Array.from({ length: params.subjects }, (_, i) => i);
  // The whole cohort is built in a temporary folder and renamed into place: an interrupted run leaves no half cohort.
  const manifest = await writeFolderAtomic(outDir, async (tmp) => {
    if (workers <= 1) {
      for (const i of indices) done(await generateAndWriteSubject(tmp, params, i, writeOpts));
    } else {
      await runOnWorkers(workers, { outDir: tmp, params, options: writeOpts }, indices, done);
    }
    const subjects = entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const result: CohortManifest = {
      format: COHORT_FORMAT,
      generator: { ...PHANTOM_GENERATOR },
      seed: params.seed,
      parameters: params,
      labels: { ...TISSUE_LABEL },
      units: { signal: 'arbitrary scanner units', concentration: 'mM', length: 'mm' },
      files: { ...COHORT_FILES, acquisitions: [...COHORT_FILES.acquisitions] },
      subjects,
    };
    await fs.writeFile(path.join(tmp, 'manifest.json'), JSON.stringify(result, null, 2) + '\n');
    return result;
  });
  return { outDir, manifest, elapsedMs: Date.now() - t0, workers: Math.max(1, workers) };
}

// Denoise one series on a PACS, idempotently: name the result (the deterministic derived-series UID), look for it,
// and do only what is missing: nothing when every instance is there, the missing instances after a worker died
// mid-store, everything otherwise. Deterministic SOP Instance UIDs make a repeated store a no-op on the PACS.
import type { Volume } from '../../core/volume';
import { parseDicomFiles } from '../../io/dicom/read';
import type { DicomSeries } from '../../io/dicom/types';
import { getNumber, getString } from '../../io/dicom/values';
import { writeDicomSeries } from '../../io/dicom/write';
import type { DicomwebClient } from '../../io/pacs/dicomweb';
import { HttpError } from '../../io/pacs/http';
import type { LoadedDA } from '../../model/da';
import type { NlmWorkerPool } from '../../model/nlm';
import {
  denoiseVolume,
  type DARunner,
  type DenoiseParameters,
  type DenoiseRequest,
  type DenoiseResult,
} from '../denoise';
import { derivedInstanceUid, derivedSeriesKey, derivedSeriesUid } from '../derivedSeries';
import { classifyingAttributes, classifySeries, type PacsSeries } from './series';

export const RESEARCH_USE = 'Research use only: not for diagnosis';
const SOFTWARE = 'sodium-denoise 0.1.0';

export interface PacsDenoiseJob {
  /** The DA request must carry its loaded weights (their checksum names the result). */
  request: DenoiseRequest;
  workerPool?: NlmWorkerPool;
  /** Runs the DA (e.g. on worker threads); default: denoiseDA on this thread. */
  daRunner?: DARunner;
  backend?: string;
  /** Instances per STOW-RS request (default 16). */
  stowBatch?: number;
  /** Look and report, change nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (fraction: number, stage: string) => void;
}

export type SeriesOutcome =
  | { status: 'done'; derivedSeriesUid: string; instances: number; stored: number; repaired: boolean; millis: number }
  | { status: 'already-derived'; derivedSeriesUid: string; instances: number }
  | { status: 'would-denoise'; derivedSeriesUid: string; missing: number; instances: number }
  | { status: 'not-sodium'; reason: string }
  | { status: 'not-original'; reason: string }
  /** retryable: the PACS did not answer or answered 5xx/429 (try again later), not a problem of the series. */
  | { status: 'failed'; reason: string; retryable?: boolean };

export type SeriesStatus = SeriesOutcome['status'];

function loadedModel(request: DenoiseRequest): LoadedDA | undefined {
  if (request.method !== 'da') return undefined;
  if (typeof request.weights !== 'object') throw new Error('the batch DA request needs loaded weights (loadDA)');
  return request.weights;
}

/** The DerivationDescription entries: what ran, with the model's name, version and checksum for the DA. */
function provenance(request: DenoiseRequest, result: DenoiseResult): DenoiseParameters {
  const p = result.parameters;
  if (request.method === 'da') {
    const model = loadedModel(request)!;
    return {
      model: model.card.name,
      version: model.card.version,
      status: model.card.status,
      ...(model.checksum ? { sha256: model.checksum } : {}),
      formulation: p.formulation,
      software: SOFTWARE,
    };
  }
  return {
    sigma: Number(Number(p.sigma).toPrecision(6)),
    sigmaSource: p.sigmaSource,
    patchRadius: p.patchRadius,
    blockRadius: p.blockRadius,
    rician: p.rician,
    software: SOFTWARE,
  };
}

/** DA + TM (UTC, as the writer wrote them) → the Date to write a repaired series with, so its instances agree. */
function seriesDate(date?: string, time?: string): Date | undefined {
  if (!date || !/^\d{8}$/.test(date)) return undefined;
  const t = /^(\d{2})(\d{2})?(\d{2})?/.exec(time ?? '') ?? [];
  const n = (s: string | undefined) => Number(s ?? 0);
  return new Date(
    Date.UTC(n(date.slice(0, 4)), n(date.slice(4, 6)) - 1, n(date.slice(6, 8)), n(t[1]), n(t[2]), n(t[3])),
  );
}

/** The source series read from the PACS (WADO-RS → the DICOM reader). */
async function readSource(client: DicomwebClient, s: PacsSeries): Promise<DicomSeries> {
  const files = await client.retrieveSeries(s.studyInstanceUid, s.seriesInstanceUid);
  if (files.length === 0) throw new Error('WADO-RS returned no instances');
  const series = parseDicomFiles(files.map((bytes, i) => ({ name: `instance ${i + 1}`, bytes })));
  const mine = series.find((x) => x.seriesInstanceUID === s.seriesInstanceUid);
  if (!mine || series.length !== 1)
    throw new Error(`WADO-RS returned ${series.length} series for ${s.seriesInstanceUid}, expected exactly it`);
  return mine;
}

/** Slices of the source by QIDO: frames of multi-frame instances counted. */
async function sourceSlices(client: DicomwebClient, s: PacsSeries): Promise<number> {
  const instances = await client.searchInstances(s.studyInstanceUid, s.seriesInstanceUid, { includefield: '00280008' });
  return instances.reduce((n, ds) => n + Math.max(1, getNumber(ds, 'NumberOfFrames') ?? 1), 0);
}

/**
 * Denoises `series` (a series found on the PACS) and stores its DERIVED series there, unless it is already complete.
 * Never throws for a problem with this one series: the outcome says 'failed' with the reason; aborting does throw.
 * @example const outcome = await denoiseSeriesOnPacs(pacs, series, { request: { method: 'nlm' } });
 */
export async function denoiseSeriesOnPacs(
  client: DicomwebClient,
  series: PacsSeries,
  job: PacsDenoiseJob,
): Promise<SeriesOutcome> {
  try {
    return await denoiseOrSkip(client, series, job);
  } catch (err) {
    if (job.signal?.aborted) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    return { status: 'failed', reason, ...(err instanceof HttpError && err.retryable ? { retryable: true } : {}) };
  }
}

async function denoiseOrSkip(client: DicomwebClient, series: PacsSeries, job: PacsDenoiseJob): Promise<SeriesOutcome> {
  const progress = job.onProgress ?? (() => undefined);
  progress(0, 'Checking');
  const kind = classifySeries(await classifyingAttributes(client, series));
  if (kind.kind !== 'source') return { status: kind.kind, reason: kind.reason };

  const uid = derivedSeriesUid(derivedSeriesKey(series.seriesInstanceUid, job.request, loadedModel(job.request)));
  const slices = await sourceSlices(client, series);
  if (slices === 0) return { status: 'failed', reason: 'the source series has no instances' };
  const existing = await client.searchInstances(series.studyInstanceUid, uid, {
    includefield: ['00080021', '00080031'],
  });
  const present = new Set(existing.map((ds) => getString(ds, 'SOPInstanceUID')));
  const wanted = Array.from({ length: slices }, (_, k) => derivedInstanceUid(uid, k + 1));
  const missing = wanted.filter((sop) => !present.has(sop)).length;
  if (missing === 0) return { status: 'already-derived', derivedSeriesUid: uid, instances: slices };
  if (job.dryRun) return { status: 'would-denoise', derivedSeriesUid: uid, missing, instances: slices };

  job.signal?.throwIfAborted();
  progress(0, 'Reading');
  const source = await readSource(client, series);
  const volume: Volume = source.volume;
  if (volume.dims[2] !== slices)
    throw new Error(`QIDO-RS counts ${slices} slices but the series reads as ${volume.dims[2]}`);
  const t0 = performance.now();
  const result = await denoiseVolume(volume, job.request, {
    workerPool: job.workerPool,
    daRunner: job.daRunner,
    backend: job.backend,
    signal: job.signal,
    onProgress: (f, stage) => progress(0.05 + 0.85 * f, stage ?? 'Denoising'),
  });
  const millis = performance.now() - t0;
  job.signal?.throwIfAborted();

  const method = job.request.method === 'da' ? 'DA denoised' : 'NLM denoised';
  const first = existing[0];
  const files = writeDicomSeries(result.volume, {
    derivedFrom: source,
    derivation: { method, parameters: provenance(job.request, result) },
    seriesInstanceUID: uid,
    sopInstanceUid: (n) => derivedInstanceUid(uid, n),
    imageComments: `${RESEARCH_USE}. ${method} by ${SOFTWARE} (batch).`,
    date: first ? seriesDate(getString(first, 'SeriesDate'), getString(first, 'SeriesTime')) : undefined,
  });
  const toStore = files.filter((_, k) => !present.has(wanted[k]));
  const batch = Math.max(1, job.stowBatch ?? 16);
  for (let i = 0; i < toStore.length; i += batch) {
    job.signal?.throwIfAborted();
    progress(0.9 + (0.1 * i) / toStore.length, 'Storing');
    await client.store(toStore.slice(i, i + batch), series.studyInstanceUid);
  }
  const after = await client.searchInstances(series.studyInstanceUid, uid);
  const stored = new Set(after.map((ds) => getString(ds, 'SOPInstanceUID')));
  const still = wanted.filter((sop) => !stored.has(sop)).length;
  if (still > 0) throw new Error(`after STOW-RS the PACS holds ${slices - still} of ${slices} derived instances`);
  progress(1, 'Stored');
  return {
    status: 'done',
    derivedSeriesUid: uid,
    instances: slices,
    stored: toStore.length,
    repaired: present.size > 0,
    millis,
  };
}

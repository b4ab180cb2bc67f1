// The identity of a derived (denoised) series: one function of what produced it, shared by the viewer and the batch
// worker, so the same source, method, parameters and model always give the same SeriesInstanceUID and a repeat
// store is a no-op on the PACS.
import { nameBasedUid } from '../io/dicom/uid';
import { NLM_DEFAULTS } from '../model/nlm/params';
import type { DenoiseRequest } from './denoise';

export interface DerivedSeriesKey {
  /** SeriesInstanceUID of the ORIGINAL series that was denoised. */
  sourceSeriesInstanceUid: string;
  /** 'da', 'nlm', or another method name. */
  method: string;
  /** Method parameters that change the output (NLM radii, σ, mask choice…); key order does not matter. */
  parameters?: Record<string, string | number | boolean | null | undefined>;
  /** The model checksum (sha256 of the weight shards in manifest order); absent for methods without a model. */
  modelChecksum?: string;
}

/** Parameters in a canonical text form: sorted keys, undefined dropped, numbers as JSON writes them. */
function canonicalParameters(parameters: DerivedSeriesKey['parameters'] = {}): string {
  return Object.keys(parameters)
    .filter((k) => parameters[k] !== undefined)
    .sort()
    .map((k) => `${k}=${JSON.stringify(parameters[k])}`)
    .join(';');
}

/**
 * The deterministic SeriesInstanceUID of a derived series.
 * @example derivedSeriesUid({ sourceSeriesInstanceUid: '1.2.3', method: 'nlm', parameters: { patchRadius: 1 } })
 */
export function derivedSeriesUid(key: DerivedSeriesKey): string {
  const name = [
    'sodium-denoise/derived-series/v1',
    key.sourceSeriesInstanceUid,
    key.method,
    canonicalParameters(key.parameters),
    key.modelChecksum ?? '',
  ].join('|');
  return nameBasedUid(name);
}

/** The deterministic SOPInstanceUID of one instance (1-based InstanceNumber) of a derived series. */
export function derivedInstanceUid(seriesInstanceUid: string, instanceNumber: number): string {
  return nameBasedUid(`sodium-denoise/derived-instance/v1|${seriesInstanceUid}|${instanceNumber}`);
}

/** What identifies the model of a request: its name, version and checksum (a LoadedDA satisfies it). */
export interface DerivedSeriesModel {
  card: { name: string; version: string };
  checksum?: string;
}

/**
 * The key of the series that denoising `sourceSeriesInstanceUid` with `request` produces: only what changes the output,
 * with defaults resolved, so the viewer and the batch worker name the same result the same way. NLM's σ is 'estimated'
 * unless given (the estimate is a function of the source). Known before denoising, so a worker can look first.
 * @example derivedSeriesUid(derivedSeriesKey('1.2.3', { method: 'nlm' }))
 */
export function derivedSeriesKey(
  sourceSeriesInstanceUid: string,
  request: DenoiseRequest,
  model?: DerivedSeriesModel,
): DerivedSeriesKey {
  if (request.method === 'da') {
    if (!model) throw new Error('the DA needs its loaded model to name its derived series');
    return {
      sourceSeriesInstanceUid,
      method: 'da',
      parameters: { model: model.card.name, modelVersion: model.card.version },
      modelChecksum: model.checksum,
    };
  }
  return {
    sourceSeriesInstanceUid,
    method: 'nlm',
    parameters: {
      sigma: request.sigma ?? 'estimated',
      patchRadius: request.patchRadius ?? NLM_DEFAULTS.patchRadius,
      blockRadius: request.blockRadius ?? NLM_DEFAULTS.blockRadius,
      rician: request.rician ?? NLM_DEFAULTS.rician,
    },
  };
}

/**
 * The parameters that define a run's output as the job reports them, and only those: NLM's σ, radii and noise model;
 * the DA's model name, version and checksum. Where it ran (backend, threads) and local paths (a weights URL) are left
 * out: this is what a saved series records in DerivationDescription.
 * @example outputParameters('nlm', { sigma: 12.5, patchRadius: 1, blockRadius: 5, rician: true, threads: 4 })
 */
export function outputParameters(
  method: string,
  parameters: Readonly<Record<string, string | number | boolean | undefined>>,
): Record<string, string | number | boolean> {
  const keys =
    method === 'da' ? ['model', 'modelVersion', 'modelSha256'] : ['sigma', 'patchRadius', 'blockRadius', 'rician'];
  const out: Record<string, string | number | boolean> = {};
  for (const k of keys) if (parameters[k] !== undefined) out[k] = parameters[k] as string | number | boolean;
  return out;
}

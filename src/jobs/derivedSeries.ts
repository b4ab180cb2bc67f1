// The identity of a derived (denoised) series: one function of what produced it, shared by the viewer and the batch
// worker, so the same source, method, parameters and model always give the same SeriesInstanceUID and a repeat
// store is a no-op on the PACS.
import { nameBasedUid } from '../io/dicom/uid';

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

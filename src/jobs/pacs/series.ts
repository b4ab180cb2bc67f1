// Finding series on a PACS and deciding which are denoising sources: ORIGINAL sodium MR series only. What QIDO-RS
// leaves out at series level (ImageType and ImagedNucleus are instance attributes) is read from one instance.
import type { DicomDataset } from '../../io/dicom/values';
import { getNumber, getString } from '../../io/dicom/values';
import { isOriginalImage, sodiumEvidenceOf, type SodiumEvidence } from '../../io/dicom/sodium';
import type { DicomwebClient, QidoQuery } from '../../io/pacs/dicomweb';

/** Tags asked for beyond QIDO's defaults: ImageType, ImagedNucleus, ResonantNucleus, NumberOfSeriesRelatedInstances. */
const SERIES_FIELDS = ['00080008', '00180085', '00189100', '00201209'];

/** A series found on the PACS, with the attributes that classify it. */
export interface PacsSeries {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesNumber?: number;
  seriesDescription?: string;
  /** NumberOfSeriesRelatedInstances, when the server says. */
  instances?: number;
  attributes: DicomDataset;
}

/** Which studies to look in: given UIDs, a QIDO study-level query (key=value), or every study. */
export interface SeriesSelection {
  studies?: readonly string[];
  query?: QidoQuery;
}

export type SeriesClass =
  | { kind: 'source'; evidence: SodiumEvidence }
  | { kind: 'not-sodium'; reason: string }
  | { kind: 'not-original'; reason: string };

/** Every series of the selected studies, in study then series-number order. */
export async function findSeries(client: DicomwebClient, selection: SeriesSelection = {}): Promise<PacsSeries[]> {
  let studyUids: string[];
  if (selection.studies && selection.studies.length > 0) {
    studyUids = [...new Set(selection.studies)];
  } else {
    const studies = await client.searchStudies(selection.query ?? {});
    studyUids = studies.map((s) => getString(s, 'StudyInstanceUID')).filter((u): u is string => !!u);
  }
  const out: PacsSeries[] = [];
  for (const studyUid of studyUids) {
    const series = await client.searchSeries(studyUid, { includefield: SERIES_FIELDS });
    if (series.length === 0 && selection.studies?.includes(studyUid))
      throw new Error(`study ${studyUid} is not on the PACS (or holds no series)`);
    const refs = series
      .map((ds): PacsSeries | undefined => {
        const seriesUid = getString(ds, 'SeriesInstanceUID');
        if (!seriesUid) return undefined;
        return {
          studyInstanceUid: getString(ds, 'StudyInstanceUID') ?? studyUid,
          seriesInstanceUid: seriesUid,
          seriesNumber: getNumber(ds, 'SeriesNumber'),
          seriesDescription: getString(ds, 'SeriesDescription'),
          instances: getNumber(ds, 'NumberOfSeriesRelatedInstances'),
          attributes: ds,
        };
      })
      .filter((s): s is PacsSeries => s !== undefined)
      .sort((a, b) => (a.seriesNumber ?? 1e9) - (b.seriesNumber ?? 1e9));
    out.push(...refs);
  }
  return out;
}

/** One series by its UIDs (for `watch`, which learns of series one at a time). */
export async function lookUpSeries(
  client: DicomwebClient,
  studyUid: string,
  seriesUid: string,
): Promise<PacsSeries | undefined> {
  const found = await client.searchSeries(studyUid, { SeriesInstanceUID: seriesUid, includefield: SERIES_FIELDS });
  const ds = found.find((s) => getString(s, 'SeriesInstanceUID') === seriesUid);
  if (!ds) return undefined;
  return {
    studyInstanceUid: studyUid,
    seriesInstanceUid: seriesUid,
    seriesNumber: getNumber(ds, 'SeriesNumber'),
    seriesDescription: getString(ds, 'SeriesDescription'),
    instances: getNumber(ds, 'NumberOfSeriesRelatedInstances'),
    attributes: ds,
  };
}

const hasAll = (ds: DicomDataset, keys: readonly string[]) => keys.every((k) => getString(ds, k) !== undefined);

/**
 * The attributes that classify a series: the series-level QIDO answer, completed from one instance (QIDO-RS, then
 * its WADO-RS metadata) when the server leaves out ImageType or both nucleus attributes at series level.
 */
export async function classifyingAttributes(client: DicomwebClient, s: PacsSeries): Promise<DicomDataset> {
  let ds = s.attributes;
  const complete = (d: DicomDataset) =>
    hasAll(d, ['ImageType']) && (hasAll(d, ['ImagedNucleus']) || hasAll(d, ['ResonantNucleus']));
  if (complete(ds)) return ds;
  const [instance] = await client.searchInstances(s.studyInstanceUid, s.seriesInstanceUid, {
    includefield: SERIES_FIELDS,
    limit: '1',
  });
  if (!instance) return ds;
  ds = { ...instance, ...dropEmpty(ds) };
  if (complete(ds)) return ds;
  const sop = getString(instance, 'SOPInstanceUID');
  const meta = sop ? await client.instanceMetadata(s.studyInstanceUid, s.seriesInstanceUid, sop) : undefined;
  return meta ? { ...meta, ...dropEmpty(ds) } : ds;
}

function dropEmpty(ds: DicomDataset): DicomDataset {
  return Object.fromEntries(Object.entries(ds).filter(([, v]) => v !== null && v !== undefined && v !== ''));
}

/** Source (ORIGINAL sodium MR), not sodium, or not original (DERIVED, ours or anyone's), with a reason. */
export function classifySeries(ds: DicomDataset): SeriesClass {
  const evidence = sodiumEvidenceOf(ds);
  if (!evidence) {
    const modality = getString(ds, 'Modality');
    const nucleus = getString(ds, 'ImagedNucleus') ?? getString(ds, 'ResonantNucleus');
    const reason =
      modality && modality.toUpperCase() !== 'MR'
        ? `${modality}, not MR`
        : nucleus
          ? `images ${nucleus}, not 23Na`
          : 'no 23Na nucleus and no sodium in the description';
    return { kind: 'not-sodium', reason };
  }
  if (!isOriginalImage(ds)) {
    const type = ds.ImageType;
    return {
      kind: 'not-original',
      reason: type ? `ImageType ${[type].flat().join('\\')} is not ORIGINAL` : 'no ImageType: not known to be ORIGINAL',
    };
  }
  return { kind: 'source', evidence };
}

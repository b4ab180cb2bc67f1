// A DICOMweb client (browser-safe): QIDO-RS search, WADO-RS series retrieval and STOW-RS storage against any
// DICOMweb root (Orthanc's /dicom-web, our server's /dicom-web proxy, dcm4chee's /rs, …), with the retries and
// timeouts of http.ts. Answers are naturalized (attribute keywords, as dcmjs reads files).
import * as dcmjs from 'dcmjs';
import { getItems, getString, type DicomDataset } from '../dicom/values';
import { httpRequest, type HttpOptions } from './http';
import { parseMultipart, stowBody, stowContentType } from './multipart';

/** Query parameters: a value per key, or several (includefield=…&includefield=…). */
export type QidoQuery = Record<string, string | readonly string[]>;

export interface DicomwebClientOptions extends HttpOptions {
  /** DICOMweb root, e.g. 'http://127.0.0.1:8042/dicom-web'. */
  baseUrl: string;
  /** Results per QIDO page (limit/offset paging; default 500). */
  pageSize?: number;
}

export interface StoreReport {
  /** SOP Instance UIDs the server reports as stored (ReferencedSOPSequence). */
  stored: string[];
  /** Instances the server refused, with its FailureReason code. */
  failed: Array<{ sopInstanceUid: string; reason: string }>;
}

const DICOM_JSON = 'application/dicom+json';
const QIDO_ABSENT = [204, 404];

/** Reads DICOM JSON (PS3.18 F.2) into naturalized datasets. */
export function naturalizeDicomJson(json: unknown, where: string): DicomDataset[] {
  if (!Array.isArray(json)) throw new Error(`${where}: expected a JSON array of datasets`);
  return json.map((item) => {
    if (!item || typeof item !== 'object') throw new Error(`${where}: expected a JSON array of datasets`);
    return dcmjs.data.DicomMetaDictionary.naturalizeDataset(item as dcmjs.DicomDictDataset);
  });
}

function queryString(query: QidoQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of typeof value === 'string' ? [value] : value) params.append(key, v);
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * @example
 * const pacs = new DicomwebClient({ baseUrl: 'http://127.0.0.1:8787/dicom-web' });
 * const series = await pacs.searchSeries(studyUid, { includefield: ['00180085', '00080008'] });
 */
export class DicomwebClient {
  readonly baseUrl: string;
  private readonly http: HttpOptions;
  private readonly pageSize: number;

  constructor(opts: DicomwebClientOptions) {
    const { baseUrl, pageSize, ...http } = opts;
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new Error(`DICOMweb URL "${baseUrl}" is not an absolute http(s) URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`DICOMweb URL "${baseUrl}" must be http or https`);
    if (url.username || url.password)
      throw new Error('DICOMweb URL must not hold credentials; give them in a file or an environment variable');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.http = http;
    this.pageSize = pageSize ?? 500;
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** One QIDO-RS search, all pages; an absent resource (204/404) is an empty result. */
  private async search(path: string, query: QidoQuery, key: string): Promise<DicomDataset[]> {
    const out: DicomDataset[] = [];
    const seen = new Set<string>();
    for (let offset = 0; ; offset += this.pageSize) {
      const url = this.url(path) + queryString({ ...query, limit: String(this.pageSize), offset: String(offset) });
      const res = await httpRequest(url, { headers: { Accept: DICOM_JSON }, accept: QIDO_ABSENT }, this.http);
      if (res.status !== 200 || res.bytes.length === 0) break;
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(res.bytes));
      } catch {
        throw new Error(`QIDO-RS ${path}: the answer is not JSON`);
      }
      const page = naturalizeDicomJson(json, `QIDO-RS ${path}`);
      // A server that ignores offset would repeat its first page forever: stop at the first page with nothing new.
      const fresh = page.filter((ds) => {
        const id = getString(ds, key) ?? JSON.stringify(ds);
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      out.push(...fresh);
      if (page.length < this.pageSize || fresh.length === 0) break;
    }
    return out;
  }

  /** QIDO-RS /studies. */
  searchStudies(query: QidoQuery = {}): Promise<DicomDataset[]> {
    return this.search('/studies', query, 'StudyInstanceUID');
  }

  /** QIDO-RS /studies/{study}/series, or /series across studies when `studyUid` is undefined. */
  searchSeries(studyUid: string | undefined, query: QidoQuery = {}): Promise<DicomDataset[]> {
    const path = studyUid ? `/studies/${encodeURIComponent(studyUid)}/series` : '/series';
    return this.search(path, query, 'SeriesInstanceUID');
  }

  /** QIDO-RS /studies/{study}/series/{series}/instances. */
  searchInstances(studyUid: string, seriesUid: string, query: QidoQuery = {}): Promise<DicomDataset[]> {
    const path = `/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/instances`;
    return this.search(path, query, 'SOPInstanceUID');
  }

  /** WADO-RS metadata of one instance (its header as DICOM JSON, bulk data by reference). */
  async instanceMetadata(studyUid: string, seriesUid: string, sopUid: string): Promise<DicomDataset | undefined> {
    const path = [studyUid, seriesUid, sopUid].map(encodeURIComponent);
    const url = this.url(`/studies/${path[0]}/series/${path[1]}/instances/${path[2]}/metadata`);
    const res = await httpRequest(url, { headers: { Accept: DICOM_JSON }, accept: QIDO_ABSENT }, this.http);
    if (res.status !== 200) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(res.bytes));
    } catch {
      throw new Error('WADO-RS metadata: the answer is not JSON');
    }
    return naturalizeDicomJson(json, 'WADO-RS metadata')[0];
  }

  /** WADO-RS: every instance of a series as Part-10 bytes (the server's default transfer syntax, Explicit VR LE). */
  async retrieveSeries(studyUid: string, seriesUid: string): Promise<ArrayBuffer[]> {
    const url = this.url(`/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}`);
    const res = await httpRequest(
      url,
      { headers: { Accept: 'multipart/related; type="application/dicom"' } },
      this.http,
    );
    const parts = parseMultipart(res.bytes, res.headers.get('content-type'));
    return parts.map((p) => p.body.buffer as ArrayBuffer);
  }

  /** STOW-RS of Part-10 instances into `studyUid`; throws when the server refuses the request or any instance. */
  async store(files: readonly ArrayBuffer[], studyUid?: string): Promise<StoreReport> {
    const boundary = `sodium-denoise-${globalThis.crypto.randomUUID()}`;
    const url = this.url(studyUid ? `/studies/${encodeURIComponent(studyUid)}` : '/studies');
    const body = new Uint8Array(await stowBody(files, boundary).arrayBuffer());
    // 409 is "some instances failed": its body says which, so it is read like a success.
    const res = await httpRequest(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': stowContentType(boundary), Accept: DICOM_JSON },
        body,
        accept: [409],
      },
      this.http,
    );
    const report = parseStoreResponse(res.bytes);
    if (report.failed.length > 0 || res.status === 409) {
      const first = report.failed[0];
      throw new Error(
        `STOW-RS: the server refused ${report.failed.length || 'some'} of ${files.length} instances` +
          (first ? ` (e.g. ${first.sopInstanceUid}: FailureReason ${first.reason})` : ''),
      );
    }
    return report;
  }
}

/** The Store Instances Response (PS3.18 10.5.3): stored and failed SOP instances. */
export function parseStoreResponse(bytes: Uint8Array): StoreReport {
  const text = new TextDecoder().decode(bytes).trim();
  if (!text) return { stored: [], failed: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Some servers answer STOW with XML or nothing useful; the HTTP status already said it worked.
    return { stored: [], failed: [] };
  }
  const [ds] = naturalizeDicomJson(Array.isArray(json) ? json : [json], 'STOW-RS response');
  const uid = (item: DicomDataset) => getString(item, 'ReferencedSOPInstanceUID') ?? '?';
  return {
    stored: getItems(ds, 'ReferencedSOPSequence').map(uid),
    failed: getItems(ds, 'FailedSOPSequence').map((item) => ({
      sopInstanceUid: uid(item),
      reason: getString(item, 'FailureReason') ?? 'unknown',
    })),
  };
}

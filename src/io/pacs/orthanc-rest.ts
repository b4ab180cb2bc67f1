// The two things `watch` needs from Orthanc's own REST API: the /changes feed and the DICOM identity of a series.
import { httpRequest, type HttpOptions } from './http';

export interface OrthancChange {
  ChangeType: string;
  ResourceType: string;
  /** Orthanc's resource id (not a DICOM UID). */
  ID: string;
  Seq: number;
}

export interface OrthancChangesPage {
  changes: OrthancChange[];
  /** Sequence number to continue from. */
  last: number;
  /** True when nothing newer exists yet. */
  done: boolean;
}

export interface OrthancSeriesIdentity {
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

function parseJson(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error(`${where}: the answer is not JSON`);
  }
}

export class OrthancRestClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly http: HttpOptions = {},
  ) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new Error(`Orthanc URL "${baseUrl}" is not an absolute http(s) URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`Orthanc URL "${baseUrl}" must be http or https`);
    if (url.username || url.password)
      throw new Error(
        'Orthanc URL must not hold credentials; give them with --credentials-file or an environment variable',
      );
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async get(path: string): Promise<unknown> {
    const res = await httpRequest(`${this.baseUrl}${path}`, { headers: { Accept: 'application/json' } }, this.http);
    return parseJson(res.bytes, `Orthanc ${path}`);
  }

  /** GET /changes?since=…&limit=… */
  async changes(since: number, limit = 100): Promise<OrthancChangesPage> {
    const json = (await this.get(`/changes?since=${since}&limit=${limit}`)) as {
      Changes?: OrthancChange[];
      Last?: number;
      Done?: boolean;
    };
    if (!json || !Array.isArray(json.Changes) || typeof json.Last !== 'number')
      throw new Error('Orthanc /changes: unexpected answer (no Changes/Last)');
    return { changes: json.Changes, last: json.Last, done: json.Done === true };
  }

  /** The StudyInstanceUID and SeriesInstanceUID of an Orthanc series; undefined when it was deleted meanwhile. */
  async seriesIdentity(id: string): Promise<OrthancSeriesIdentity | undefined> {
    const path = `/series/${encodeURIComponent(id)}`;
    const res = await httpRequest(
      `${this.baseUrl}${path}`,
      { headers: { Accept: 'application/json' }, accept: [404] },
      this.http,
    );
    if (res.status === 404) return undefined;
    const series = parseJson(res.bytes, `Orthanc ${path}`) as {
      ParentStudy?: string;
      MainDicomTags?: Record<string, string>;
    };
    const seriesUid = series.MainDicomTags?.SeriesInstanceUID;
    if (!series.ParentStudy || !seriesUid) throw new Error(`Orthanc ${path}: no ParentStudy or SeriesInstanceUID`);
    const study = (await this.get(`/studies/${encodeURIComponent(series.ParentStudy)}`)) as {
      MainDicomTags?: Record<string, string>;
    };
    const studyUid = study.MainDicomTags?.StudyInstanceUID;
    if (!studyUid) throw new Error(`Orthanc /studies/${series.ParentStudy}: no StudyInstanceUID`);
    return { studyInstanceUid: studyUid, seriesInstanceUid: seriesUid };
  }
}

// What the /dicom-web proxy lets through to the PACS: the path is decoded and checked once, it must name a DICOMweb
// resource (PS3.18 QIDO-RS, WADO-RS, STOW-RS) with that service's method, and the PACS receives the canonical path we
// checked, never the client's spelling. Everything else (Orthanc's REST API: /system, /tools, /servers, …) is refused.
import { isValidUid } from '../io/dicom/uid';

export const DICOMWEB_ROOT = '/dicom-web';

export type DicomwebService = 'QIDO-RS' | 'WADO-RS' | 'STOW-RS' | 'WADO-URI';

/** WADO-URI (PS3.18 9): GET /wado?requestType=WADO&studyUID=…&seriesUID=…&objectUID=…[&contentType=…] */
export const WADO_URI_PATH = '/wado';

export type DicomwebRoute =
  | {
      ok: true;
      service: DicomwebService;
      /** Canonical path and the client's query, as sent upstream. */ target: string;
    }
  | { ok: false; status: 400 | 404 | 405; reason: string; allow?: string };

/** Segment kinds in the route table: literal words, a UID, a frame list, a bulk-data tag path. */
type Part = string | 'UID' | 'FRAMES' | 'TAGS';

interface RouteRule {
  parts: Part[];
  methods: Partial<Record<string, DicomwebService>>;
}

const QIDO = { GET: 'QIDO-RS' } as const;
const WADO = { GET: 'WADO-RS' } as const;
const STUDY = ['studies', 'UID'];
const SERIES = [...STUDY, 'series', 'UID'];
const INSTANCE = [...SERIES, 'instances', 'UID'];

const RULES: RouteRule[] = [
  { parts: ['studies'], methods: { GET: 'QIDO-RS', POST: 'STOW-RS' } },
  { parts: ['series'], methods: QIDO },
  { parts: ['instances'], methods: QIDO },
  { parts: [...STUDY, 'series'], methods: QIDO },
  { parts: [...STUDY, 'instances'], methods: QIDO },
  { parts: [...SERIES, 'instances'], methods: QIDO },
  { parts: STUDY, methods: { GET: 'WADO-RS', POST: 'STOW-RS' } },
  ...[STUDY, SERIES, INSTANCE].flatMap((level) => [
    ...(level === STUDY ? [] : [{ parts: level, methods: WADO }]),
    { parts: [...level, 'metadata'], methods: WADO },
    { parts: [...level, 'rendered'], methods: WADO },
  ]),
  { parts: [...INSTANCE, 'frames', 'FRAMES'], methods: WADO },
  { parts: [...INSTANCE, 'frames', 'FRAMES', 'rendered'], methods: WADO },
  // Orthanc's BulkDataURIs: …/instances/{uid}/bulk/{tag}[/{item}/{tag}…]
  { parts: [...INSTANCE, 'bulk', 'TAGS'], methods: WADO },
];

/** Characters a decoded DICOMweb path segment may hold (UIDs, keywords, frame lists, tags). */
const SEGMENT = /^[A-Za-z0-9._,-]+$/;
const FRAME_LIST = /^[1-9][0-9]{0,8}(,[1-9][0-9]{0,8}){0,4095}$/;
const TAG = /^[0-9A-Fa-f]{8}$/;
const ITEM = /^[0-9]{1,6}$/;

function matchTags(rest: string[]): boolean {
  // tag (item tag)*: odd length, tags at even positions
  return rest.length % 2 === 1 && rest.length <= 17 && rest.every((s, i) => (i % 2 === 0 ? TAG.test(s) : ITEM.test(s)));
}

function matches(parts: Part[], segs: string[]): boolean {
  const last = parts[parts.length - 1];
  if (last === 'TAGS') {
    const head = parts.length - 1;
    return segs.length > head && matches(parts.slice(0, head), segs.slice(0, head)) && matchTags(segs.slice(head));
  }
  if (parts.length !== segs.length) return false;
  return parts.every((p, i) =>
    p === 'UID' ? isValidUid(segs[i]) : p === 'FRAMES' ? FRAME_LIST.test(segs[i]) : p === segs[i],
  );
}

/**
 * Decides one /dicom-web request from its method and raw request target (req.url, still percent-encoded).
 * @example routeDicomweb('GET', '/dicom-web/studies?PatientID=1') // → { ok: true, service: 'QIDO-RS', target: … }
 * @example routeDicomweb('GET', '/dicom-web/..%2fsystem') // → { ok: false, status: 400, … }
 */
export function routeDicomweb(method: string, rawTarget: string): DicomwebRoute {
  const q = rawTarget.indexOf('?');
  const rawPath = q < 0 ? rawTarget : rawTarget.slice(0, q);
  const query = q < 0 ? '' : rawTarget.slice(q);
  if (rawPath !== DICOMWEB_ROOT && !rawPath.startsWith(DICOMWEB_ROOT + '/'))
    return { ok: false, status: 404, reason: 'not a DICOMweb path' };
  // The query goes upstream as sent: printable ASCII only (no fragment, no bytes a PACS might read as a new request).
  if (!/^(\?[\x21-\x22\x24-\x7e]*)?$/.test(query)) return { ok: false, status: 400, reason: 'bad query string' };
  const raw = rawPath.slice(DICOMWEB_ROOT.length + 1).split('/');
  if (raw[raw.length - 1] === '') raw.pop(); // one trailing slash is harmless
  if (raw.length === 0) return { ok: false, status: 404, reason: 'not a DICOMweb resource this proxy offers' };
  const segs: string[] = [];
  for (const r of raw) {
    let s: string;
    try {
      s = decodeURIComponent(r); // per segment, so an encoded "/" stays inside its segment and is refused below
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding' };
    }
    if (s === '.' || s === '..') return { ok: false, status: 400, reason: 'dot segments are not allowed' };
    if (!SEGMENT.test(s)) {
      return {
        ok: false,
        status: 400,
        reason: s === '' ? 'empty path segment' : 'characters not allowed in a DICOMweb path (encoded / \\ % ; NUL …)',
      };
    }
    segs.push(s);
  }
  const rule = RULES.find((r) => matches(r.parts, segs));
  if (!rule) return { ok: false, status: 404, reason: 'not a DICOMweb resource this proxy offers' };
  const service = rule.methods[method];
  const allow = Object.keys(rule.methods).join(', ');
  if (!service) return { ok: false, status: 405, reason: `${method} is not allowed here`, allow };
  const upstreamQuery = service === 'QIDO-RS' ? includefieldCommas(query) : query;
  return { ok: true, service, target: `${DICOMWEB_ROOT}/${segs.join('/')}${upstreamQuery}` };
}

/**
 * OHIF sends `includefield=00081030%2C00080060`; Orthanc's DICOMweb plugin only splits a literal comma, so it
 * returned no StudyDescription ("No Description" in the study list). Commas are decoded in includefield values only:
 * elsewhere a comma is QIDO's UID-list matching and must stay as the client meant it.
 * @example includefieldCommas('?limit=1&includefield=00081030%2C00080060') // '?limit=1&includefield=00081030,00080060'
 */
export function includefieldCommas(query: string): string {
  if (!query) return query;
  return (
    '?' +
    query
      .slice(1)
      .split('&')
      .map((p) => (/^includefield=/i.test(p) ? p.replace(/%2C/gi, ',') : p))
      .join('&')
  );
}

const WADO_CONTENT_TYPES = new Set(['application/dicom', 'image/jpeg', 'image/png']);
const WADO_UIDS = ['studyUID', 'seriesUID', 'objectUID'] as const;

/**
 * Decides one WADO-URI request: GET only, exactly the parameters we know, UIDs valid; the PACS receives a query
 * rebuilt from them.
 * @example routeWadoUri('GET', '/wado?requestType=WADO&studyUID=1.2&seriesUID=1.3&objectUID=1.4') // → ok
 */
export function routeWadoUri(method: string, rawTarget: string): DicomwebRoute {
  const q = rawTarget.indexOf('?');
  if ((q < 0 ? rawTarget : rawTarget.slice(0, q)) !== WADO_URI_PATH)
    return { ok: false, status: 404, reason: 'not a WADO-URI path' };
  if (method !== 'GET') return { ok: false, status: 405, reason: `${method} is not allowed here`, allow: 'GET' };
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(q < 0 ? '' : rawTarget.slice(q + 1));
    for (const v of params.values()) decodeURIComponent(encodeURIComponent(v)); // throws on lone surrogates
  } catch {
    return { ok: false, status: 400, reason: 'malformed query string' };
  }
  const bad = (reason: string): DicomwebRoute => ({ ok: false, status: 400, reason });
  const known = new Set<string>(['requestType', 'contentType', ...WADO_UIDS]);
  for (const k of params.keys())
    if (!known.has(k) || params.getAll(k).length > 1) return bad(`WADO-URI parameter ${k}`);
  if (params.get('requestType') !== 'WADO') return bad('WADO-URI needs requestType=WADO');
  for (const k of WADO_UIDS) if (!isValidUid(params.get(k) ?? '')) return bad(`WADO-URI needs a valid ${k}`);
  const contentType = params.get('contentType');
  if (contentType !== null && !WADO_CONTENT_TYPES.has(contentType)) return bad('WADO-URI contentType');
  // Values are UIDs and a media type from a fixed list: written out plainly (Orthanc does not decode %2F here).
  const query = [['requestType', 'WADO'], ...WADO_UIDS.map((k) => [k, params.get(k)!])];
  if (contentType !== null) query.push(['contentType', contentType]);
  return { ok: true, service: 'WADO-URI', target: `${WADO_URI_PATH}?${query.map((kv) => kv.join('=')).join('&')}` };
}

/** Parameters of a media type header (names lowercased, quotes removed). */
function mediaParams(header: string): { type: string; params: Record<string, string> } {
  const semi = header.indexOf(';');
  const type = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  const params: Record<string, string> = {};
  const re = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)\s*/y;
  re.lastIndex = semi < 0 ? header.length : semi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header))) {
    const v = m[2].startsWith('"') ? m[2].slice(1, -1).replace(/\\(.)/g, '$1') : m[2];
    params[m[1].toLowerCase()] = v;
  }
  return { type, params };
}

/**
 * STOW-RS bodies we pass on: `multipart/related; type="application/dicom"; boundary=…` only (PS3.18 10.5).
 * @example isStowContentType('multipart/related; type="application/dicom"; boundary=x') // → true
 */
export function isStowContentType(header: string | undefined): boolean {
  if (!header) return false;
  const { type, params } = mediaParams(header);
  const boundary = params.boundary ?? '';
  return (
    type === 'multipart/related' &&
    params.type?.toLowerCase() === 'application/dicom' &&
    boundary.length > 0 &&
    boundary.length <= 70
  );
}

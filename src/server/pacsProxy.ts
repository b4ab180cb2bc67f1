// The same-origin DICOMweb proxy to the private PACS: only routes dicomwebRoute.ts allows, STOW-RS only as
// multipart/related DICOM, request bodies capped, a short list of request headers passed on, and our credentials
// injected (the browser never sees them).
import * as http from 'node:http';
import { isStowContentType, routeDicomweb, routeWadoUri, WADO_URI_PATH } from './dicomwebRoute';

export interface PacsUpstream {
  /** Orthanc's HTTP root, e.g. http://127.0.0.1:8042 */
  url: string;
  /** Authorization header value for Orthanc's REST API (replaces whatever the client sent). */
  authorization?: string;
  /** Largest request body passed on, in bytes (STOW-RS); larger ones get 413. */
  maxBodyBytes: number;
}

/** Default body limit: a 128³ series of 16-bit slices is 4 MiB of pixels; 256 MiB leaves room for real studies. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;

type Reply = (status: number, message: string, extra?: Record<string, string>) => void;

/** Request headers the PACS gets from the client; everything else (cookies, Authorization, Origin…) stays here. */
const FORWARDED_REQUEST_HEADERS = ['accept', 'accept-encoding', 'content-type', 'if-none-match', 'if-modified-since'];
/** Response headers never passed back: hop-by-hop ones, and those that would make the browser ask for a password. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'www-authenticate',
  'set-cookie',
  'trailer',
]);

/**
 * Handles one /dicom-web request (the Host and cross-origin checks have already passed).
 * @example proxyDicomweb(req, res, { url: orthanc.url, authorization, maxBodyBytes: DEFAULT_MAX_BODY_BYTES }, reply)
 */
export function proxyDicomweb(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: PacsUpstream,
  reply: Reply,
  isolation: Record<string, string>,
): void {
  const method = req.method ?? 'GET';
  const target0 = req.url ?? '/';
  const isWadoUri = target0 === WADO_URI_PATH || target0.startsWith(`${WADO_URI_PATH}?`);
  const route = isWadoUri ? routeWadoUri(method, target0) : routeDicomweb(method, target0);
  if (!route.ok) return reply(route.status, route.reason, route.allow ? { Allow: route.allow } : {});
  const hasBody = route.service === 'STOW-RS';
  if (hasBody && !isStowContentType(req.headers['content-type']))
    return reply(415, 'STOW-RS takes only Content-Type: multipart/related; type="application/dicom"; boundary=…');
  const declared = req.headers['content-length'];
  if (hasBody && declared !== undefined && Number(declared) > upstream.maxBodyBytes) return tooLarge(reply, upstream);

  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = req.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  if (upstream.authorization) headers.authorization = upstream.authorization;
  const target = new URL(route.target, upstream.url);

  const send = (body?: Buffer) => {
    if (body) headers['content-length'] = String(body.length);
    else if (hasBody && declared !== undefined) headers['content-length'] = declared;
    const up = http.request(target, { method, headers }, (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(answer.headers))
        if (v !== undefined && !DROPPED_RESPONSE_HEADERS.has(k)) out[k] = v;
      res.writeHead(answer.statusCode ?? 502, { ...out, ...isolation });
      answer.pipe(res);
    });
    up.on('error', (e) => {
      if (!res.headersSent) reply(502, `PACS proxy: cannot reach ${target.origin} (${e.message})`);
      else res.destroy(e);
    });
    return up;
  };

  if (!hasBody) {
    send().end();
    return;
  }
  if (declared !== undefined) {
    // Node's parser delivers exactly Content-Length bytes, already checked against the limit: stream them.
    req.pipe(send());
    return;
  }
  // Chunked upload: collect it (Orthanc wants a length) and give up as soon as it passes the limit.
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (c: Buffer) => {
    if (refused) return;
    size += c.length;
    if (size > upstream.maxBodyBytes) {
      refused = true;
      chunks.length = 0;
      tooLarge(reply, upstream);
      req.resume();
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (refused) return;
    const body = Buffer.concat(chunks);
    send(body).end(body);
  });
}

function tooLarge(reply: Reply, upstream: PacsUpstream): void {
  const mib = upstream.maxBodyBytes / (1024 * 1024);
  reply(413, `Request body larger than ${+mib.toFixed(2)} MiB (npm start -- --max-body-mib N raises the limit)`, {
    Connection: 'close',
  });
}

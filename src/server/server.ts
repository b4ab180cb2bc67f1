// One Node HTTP server for the whole product: the stock OHIF dist with our app-config.js, our bundle, the DA weights,
// the demo study (files + dicomjson manifest) and a same-origin DICOMweb proxy to Orthanc; cross-origin isolated.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { manifestWithOrigin, type DicomJsonManifest } from './manifest';
import { OPEN_MANIFEST, OPEN_MOUNT } from './openStudy';
import { DICOMWEB_ROOT, WADO_URI_PATH } from './dicomwebRoute';
import { DEFAULT_MAX_BODY_BYTES, proxyDicomweb } from './pacsProxy';
import { checkHost, crossOriginRefusal, headerCount } from './requestGuards';

export interface NaServerOptions {
  /** The stock viewer's dist/ (index.html, app.bundle.*.js). */
  ohifDist: string;
  /** Our webpack output (na-denoise.js, na-mode.js, .wasm), served at /na/. */
  bundleDir: string;
  /** The DA weights folder (model.json + shards + model-card.json), served at /na/weights/. */
  weightsDir?: string;
  /** The demo study folder (DICOM files + study.json manifest with relative urls), served at /demo/. */
  demoDir?: string;
  /** A user's study opened with --open: its manifest at /open/study.json, its listed files at /open/ (read-only). */
  openStudy?: { dir: string; manifest: DicomJsonManifest };
  /** window.config source served as /app-config.js. */
  appConfig: string;
  /** Orthanc's HTTP root (e.g. http://127.0.0.1:8042): DICOMweb under /dicom-web and WADO-URI /wado go to it. */
  orthancUrl?: string;
  /** Authorization header value the proxy sends to Orthanc. */
  orthancAuthorization?: string;
  /** Largest proxied request body in bytes (default 256 MiB). */
  maxBodyBytes?: number;
  /** Host names accepted besides the loopback ones (the configured --host). */
  allowedHosts?: readonly string[];
  /** Where refusals worth an administrator's eye (cross-origin writes) are reported. */
  log?: (message: string) => void;
}

/** Cross-origin isolation (SharedArrayBuffer → multi-threaded WASM) on every response; CORP marks our files same-origin. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.dcm': 'application/dicom',
  '.bin': 'application/octet-stream',
};

export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Resolves a URL path inside a root folder; null for anything escaping it (../, encoded or not). */
export function safeJoin(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  const rootAbs = path.resolve(root);
  return full === rootAbs || full.startsWith(rootAbs + path.sep) ? full : null;
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string | Buffer,
  type: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    ...ISOLATION_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function sendFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: string,
  cache: string,
  type = mimeType(file),
): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  res.writeHead(200, {
    ...ISOLATION_HEADERS,
    'Content-Type': type,
    'Content-Length': stat.size,
    'Cache-Control': cache,
  });
  if (req.method === 'HEAD') res.end();
  else fs.createReadStream(file).pipe(res);
  return true;
}

function decodeURIComponentSafe(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export function createNaServer(opts: NaServerOptions): http.Server {
  const indexHtml = path.join(opts.ohifDist, 'index.html');
  const allowed = opts.allowedHosts ?? [];
  let manifestCache: { mtimeMs: number; manifest: DicomJsonManifest } | undefined;

  const readManifest = (): DicomJsonManifest | null => {
    if (!opts.demoDir) return null;
    const file = path.join(opts.demoDir, 'study.json');
    if (!fs.existsSync(file)) return null;
    const mtimeMs = fs.statSync(file).mtimeMs;
    if (!manifestCache || manifestCache.mtimeMs !== mtimeMs) {
      manifestCache = { mtimeMs, manifest: JSON.parse(fs.readFileSync(file, 'utf8')) as DicomJsonManifest };
    }
    return manifestCache.manifest;
  };

  // Only the files the manifest lists are served from a user's folder (not whatever else lies there).
  const openFiles = new Set(
    opts.openStudy?.manifest.studies.flatMap((st) => st.series.flatMap((se) => se.instances.map((i) => i.url))) ?? [],
  );

  const text = 'text/plain; charset=utf-8';
  return http.createServer((req, res) => {
    const reply = (status: number, message: string, extra: Record<string, string> = {}) =>
      send(res, status, `${message}\n`, text, extra);
    // Host first: a page reached through a rebound DNS name gets nothing from us (and no URL is built from it).
    const host =
      headerCount(req, 'host') === 1 ? checkHost(req.headers.host, req.socket.localPort ?? 0, allowed) : null;
    if (!host)
      return reply(421, `Misdirected request: Host ${JSON.stringify(req.headers.host ?? '')} is not this server`);
    const target = req.url ?? '/';
    if (!target.startsWith('/')) return reply(400, 'Bad request target');
    const refusal = crossOriginRefusal(req, host);
    if (refusal) {
      opts.log?.(`[server] refused cross-origin ${req.method} ${target.slice(0, 200)} (${refusal})`);
      return reply(403, `Cross-origin ${req.method} refused (${refusal})`);
    }
    const url = new URL(target, 'http://localhost');
    const p = url.pathname;
    try {
      const wadoUri = target === WADO_URI_PATH || target.startsWith(`${WADO_URI_PATH}?`);
      if (opts.orthancUrl && (target.startsWith(DICOMWEB_ROOT) || wadoUri)) {
        const upstream = {
          url: opts.orthancUrl,
          authorization: opts.orthancAuthorization,
          maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        };
        return proxyDicomweb(req, res, upstream, reply, ISOLATION_HEADERS);
      }
      // /wado/… and, without a PACS, /wado itself: never the viewer's HTML shell.
      if (p === WADO_URI_PATH || p.startsWith(`${WADO_URI_PATH}/`)) return reply(404, 'Not a WADO-URI request');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(res, 405, 'Method not allowed\n', 'text/plain; charset=utf-8', { Allow: 'GET, HEAD' });
      }
      if (p === '/app-config.js') return send(res, 200, opts.appConfig, MIME['.js'], { 'Cache-Control': 'no-store' });
      if (p === '/demo/study.json') {
        const m = readManifest();
        if (!m) return send(res, 404, 'No demo study\n', 'text/plain; charset=utf-8');
        return send(res, 200, JSON.stringify(manifestWithOrigin(m, `http://${host}`)), MIME['.json'], {
          'Cache-Control': 'no-store',
        });
      }
      if (opts.openStudy && p === OPEN_MANIFEST) {
        const m = manifestWithOrigin(opts.openStudy.manifest, `http://${host}`, OPEN_MOUNT);
        return send(res, 200, JSON.stringify(m), MIME['.json'], { 'Cache-Control': 'no-store' });
      }
      if (opts.openStudy && p.startsWith(OPEN_MOUNT)) {
        const rel = p.slice(OPEN_MOUNT.length);
        const file = openFiles.has(decodeURIComponentSafe(rel) ?? '') ? safeJoin(opts.openStudy.dir, rel) : null;
        if (file && sendFile(req, res, file, 'no-cache', MIME['.dcm'])) return;
        return send(res, 404, `Not found: ${p}\n`, 'text/plain; charset=utf-8');
      }
      const mounts: Array<[string, string | undefined, string]> = [
        ['/na/weights/', opts.weightsDir, 'no-cache'],
        ['/na/', opts.bundleDir, 'no-cache'],
        ['/demo/', opts.demoDir, 'no-cache'],
      ];
      for (const [prefix, dir, cache] of mounts) {
        if (!p.startsWith(prefix)) continue;
        const file = dir ? safeJoin(dir, p.slice(prefix.length)) : null;
        if (file && sendFile(req, res, file, cache)) return;
        return send(res, 404, `Not found: ${p}\n`, 'text/plain; charset=utf-8');
      }
      const file = safeJoin(opts.ohifDist, p);
      if (file && p !== '/' && sendFile(req, res, file, 'public, max-age=3600')) return;
      // The viewer is a single-page app: extension-less paths (/sodium/dicomjson, /viewer, …) get index.html.
      if (p === '/' || !path.posix.basename(p).includes('.')) {
        if (sendFile(req, res, indexHtml, 'no-cache')) return;
      }
      send(res, 404, `Not found: ${p}\n`, 'text/plain; charset=utf-8');
    } catch (e) {
      if (!res.headersSent) send(res, 500, `Server error: ${(e as Error).message}\n`, 'text/plain; charset=utf-8');
      else res.destroy(e as Error);
    }
  });
}

/** Listens on host:port (port 0 picks a free one) and resolves with the bound port. */
export function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`Port ${port} on ${host} is in use: pass --port <another>`) : e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

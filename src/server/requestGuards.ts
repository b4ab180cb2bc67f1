// Checks every request passes before any handler sees it: the Host header names this server (DNS rebinding), and a
// state-changing request does not come from another origin's page (CSRF against the PACS).
import type * as http from 'node:http';

/** Host names that always mean this machine; the configured --host is added to them. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** Methods that change nothing: the only ones a page from another origin may send us. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** "::1" → "[::1]", names lowercased: the spelling a Host header uses. */
export function hostName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.includes(':') && !n.startsWith('[') ? `[${n}]` : n;
}

/**
 * The canonical "name:port" of a request's Host header when it names this server on the port the request arrived
 * on, else null. Only the loopback names and `extraNames` (the configured --host) are accepted.
 * @example checkHost('LocalHost:8787', 8787, []) // → 'localhost:8787'
 * @example checkHost('evil.example:8787', 8787, []) // → null (421)
 */
export function checkHost(header: string | undefined, localPort: number, extraNames: readonly string[]): string | null {
  if (!header) return null;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$/.exec(header);
  if (!m) return null;
  const name = hostName(m[1]);
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (port !== localPort) return null;
  const allowed = new Set([...LOOPBACK_HOSTS, ...extraNames.map(hostName)]);
  return allowed.has(name) ? `${name}:${port}` : null;
}

/** The same origin as "host:port" from checkHost? (Origin omits the default port 80.) */
function sameOrigin(origin: string, host: string): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file:, redirects) and garbage
  }
  if (u.protocol !== 'http:' || u.username || u.password || u.pathname !== '/' || origin.endsWith('/')) return false;
  return `${hostName(u.hostname)}:${u.port || '80'}` === host;
}

/**
 * Why a request must be refused as cross-origin (null: allowed). Safe methods always pass; a state-changing one
 * passes when its Sec-Fetch-Site says same-origin and its Origin is ours. Requests with neither header (curl, our own
 * batch worker) pass: browsers send at least Origin on every cross-origin POST/PUT/DELETE.
 */
export function crossOriginRefusal(req: http.IncomingMessage, host: string): string | null {
  if (SAFE_METHODS.has(req.method ?? '')) return null;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site: ${site}`;
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, host)) return `Origin: ${origin}`;
  return null;
}

/** How many times a header occurs in the raw request (duplicated Host headers are refused). */
export function headerCount(req: http.IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === name) n++;
  return n;
}

// Shared by the security suites: a real `npm start -- --pacs` (Orthanc behind our proxy), raw HTTP requests that keep
// the path exactly as written, Orthanc's own view of what changed, and the processes behind a run.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { npmStart, type StartedServer } from '../e2e/harness';

export interface PacsRun {
  server: StartedServer;
  port: number;
  demoDir: string;
  credentialsFile: string;
  /** Our private Orthanc run folder (holds the credentials). */
  runDir: string;
  credentials: { url: string; username: string; password: string };
  stop(): Promise<void>;
}

export const CREDENTIALS_LINE = /Orthanc REST credentials \(mode 0600\): (\S+)/;

/** `npm start -- --pacs` on a free port with a small demo study, plus what it printed about Orthanc. */
export async function startPacs(extra: string[] = []): Promise<PacsRun> {
  const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'na-sec-demo-'));
  const server = await npmStart(['--pacs', '--port', '0', '--demo-dir', demoDir, '--demo-size', '16', ...extra]);
  const credentialsFile = CREDENTIALS_LINE.exec(server.log())![1];
  return {
    server,
    port: Number(new URL(server.origin).port),
    demoDir,
    credentialsFile,
    runDir: path.dirname(credentialsFile),
    credentials: JSON.parse(fs.readFileSync(credentialsFile, 'utf8')),
    async stop() {
      await server.stop();
      fs.rmSync(demoDir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with the request target sent byte for byte (no URL normalisation, unlike fetch). */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<RawResponse> {
  const length: Record<string, string> =
    body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: target, headers: { Host: `127.0.0.1:${port}`, ...length, ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A request written byte for byte on a fresh socket (for headers http.request would fix); resolves the status. */
export function rawSocketStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (c) => (text += c));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

/** Orthanc's change counter and instance count, read with the run's credentials (any write moves one of them). */
export async function orthancState(run: PacsRun): Promise<{ lastChange: number; instances: number }> {
  const auth = {
    Authorization: `Basic ${Buffer.from(`${run.credentials.username}:${run.credentials.password}`).toString('base64')}`,
  };
  const changes = (await (await fetch(`${run.credentials.url}/changes?last`, { headers: auth })).json()) as {
    Last: number;
  };
  const stats = (await (await fetch(`${run.credentials.url}/statistics`, { headers: auth })).json()) as {
    CountInstances: number;
  };
  return { lastChange: changes.Last, instances: stats.CountInstances };
}

/** PIDs of the processes whose command line mentions `needle` (e.g. Orthanc's config in a run folder). */
export function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) pids.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** The Orthanc process of a run (its command line names the run folder's config). */
export function orthancPid(runDir: string): number | undefined {
  return pidsMentioning(path.join(runDir, 'orthanc.json')).find((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/exe`).endsWith('Orthanc');
    } catch {
      return false;
    }
  });
}

/** Does the process still exist? (A leader thread that exited before its other threads shows as a zombie while
 * the process lives on, so only its disappearance — reaped by the guard or init — counts as gone.) */
export function running(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}`);
}

/** Milliseconds until `done()` holds (polled every 50 ms), or Infinity after `limitMs`. */
export async function msUntil(done: () => boolean, limitMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < limitMs) {
    if (done()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  return done() ? Date.now() - t0 : Infinity;
}

/** Direct children of a process (from /proc/<pid>/stat's ppid field). */
export function childrenOf(parent: number): number[] {
  const kids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) kids.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return kids;
}

/** Every Node process in a process tree (start.js and the server it runs), not the Orthanc guard or Orthanc. */
export function nodeProcesses(root: number): number[] {
  const out: number[] = [];
  const walk = (pid: number) => {
    try {
      if (fs.readlinkSync(`/proc/${pid}/exe`) === process.execPath) out.push(pid);
    } catch {
      return;
    }
    childrenOf(pid).forEach(walk);
  };
  walk(root);
  return out;
}

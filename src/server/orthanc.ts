// A private Orthanc PACS for `npm start -- --pacs` and the tests: loopback only, temp storage, DICOMweb plugin on.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const ORTHANC_BIN = process.env.NA_ORTHANC_BIN ?? '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = process.env.NA_ORTHANC_DICOMWEB ?? '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface OrthancOptions {
  /** HTTP port on 127.0.0.1; 0 picks a free one. */
  httpPort?: number;
  /** Storage folder (default: a fresh temp folder, deleted on stop). */
  storageDir?: string;
  log?: (message: string) => void;
  /** Milliseconds to wait for Orthanc to answer. */
  startTimeoutMs?: number;
}

export interface OrthancHandle {
  /** http://127.0.0.1:<port> */
  url: string;
  version: string;
  storageDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The Orthanc configuration we run with (exported for the tests and docs/deploy.md). */
export function orthancConfig(httpPort: number, storageDir: string): Record<string, unknown> {
  return {
    Name: 'sodium-denoise-pacs',
    StorageDirectory: path.join(storageDir, 'db'),
    IndexDirectory: path.join(storageDir, 'db'),
    StorageCompression: false,
    HttpServerEnabled: true,
    HttpPort: httpPort,
    // Loopback only: the browser reaches Orthanc through our same-origin proxy, never directly.
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: {
      Enable: true,
      Root: '/dicom-web/',
      EnableWado: true,
      WadoRoot: '/wado',
      Ssl: false,
      StudiesMetadata: 'Full',
      SeriesMetadata: 'Full',
    },
    ConcurrentJobs: 1,
    LimitFindResults: 0,
    LimitFindInstances: 0,
    SaveJobs: false,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForOrthanc(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`Orthanc exited with code ${child.exitCode}:\n${output().slice(-2000)}`);
    try {
      const r = await fetch(`${url}/system`);
      if (r.ok) {
        const sys = (await r.json()) as { Version?: string };
        const plugins = (await (await fetch(`${url}/plugins`)).json()) as string[];
        if (!plugins.includes('dicom-web'))
          throw new Error(`Orthanc started without the DICOMweb plugin (${DICOMWEB_PLUGIN})`);
        return sys.Version ?? 'unknown';
      }
    } catch (e) {
      if ((e as Error).message.includes('DICOMweb')) throw e;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`Orthanc did not answer on ${url} within ${timeoutMs} ms:\n${output().slice(-2000)}`);
}

/** Starts Orthanc; rejects with a clear message when it or its DICOMweb plugin is not installed. */
export async function startOrthanc(opts: OrthancOptions = {}): Promise<OrthancHandle> {
  if (!fs.existsSync(ORTHANC_BIN)) {
    throw new Error(
      `Orthanc is not installed (${ORTHANC_BIN}): apt-get install orthanc orthanc-dicomweb, or set NA_ORTHANC_BIN`,
    );
  }
  if (!fs.existsSync(DICOMWEB_PLUGIN)) {
    throw new Error(`Orthanc's DICOMweb plugin is missing (${DICOMWEB_PLUGIN}): apt-get install orthanc-dicomweb`);
  }
  const ownStorage = !opts.storageDir;
  const storageDir = opts.storageDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'na-orthanc-'));
  const httpPort = opts.httpPort || (await freePort());
  const configFile = path.join(storageDir, 'orthanc.json');
  fs.mkdirSync(storageDir, { recursive: true });
  fs.writeFileSync(configFile, JSON.stringify(orthancConfig(httpPort, storageDir), null, 2));
  opts.log?.(`[pacs] starting Orthanc on 127.0.0.1:${httpPort} (storage ${storageDir})…`);
  const child = spawn(ORTHANC_BIN, [configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-20000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    if (ownStorage) fs.rmSync(storageDir, { recursive: true, force: true });
  };
  try {
    const version = await waitForOrthanc(url, child, opts.startTimeoutMs ?? 20000, () => output);
    return { url, version, storageDir, process: child, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Uploads DICOM files through Orthanc's REST API (POST /instances); returns how many were stored. */
export async function uploadFiles(orthancUrl: string, files: readonly string[]): Promise<number> {
  let n = 0;
  for (const file of files) {
    const r = await fetch(`${orthancUrl}/instances`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/dicom' },
      body: fs.readFileSync(file),
    });
    if (!r.ok) throw new Error(`Orthanc refused ${file}: HTTP ${r.status} ${await r.text()}`);
    n++;
  }
  return n;
}

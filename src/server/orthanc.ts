// A private Orthanc PACS for `npm start -- --pacs` and the tests: loopback only, REST API behind per-run credentials,
// temporary storage unless the user names one, DICOMweb plugin on, and never outliving the process that started it.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { nonLoopbackListeners, spawnGuarded } from './orthancProcess';
import {
  basicAuthorization,
  createRunDir,
  newCredentials,
  removeStaleRunDirs,
  writePrivateFile,
} from './orthancRunDir';

export const ORTHANC_BIN = process.env.NA_ORTHANC_BIN ?? '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = process.env.NA_ORTHANC_DICOMWEB ?? '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface OrthancOptions {
  /** HTTP port on 127.0.0.1; 0 picks a free one. */
  httpPort?: number;
  /** A persistent storage folder the user named (never deleted); default: temporary storage in the run folder. */
  storageDir?: string;
  /** DICOM (C-STORE/C-FIND) port on loopback; default: no DICOM server at all. */
  dicomPort?: number;
  log?: (message: string) => void;
  /** Milliseconds to wait for Orthanc to answer. */
  startTimeoutMs?: number;
  /** Configuration entries to set beside ours (e.g. { StableAge: 1 } so series become stable within a test). */
  extraConfig?: Record<string, unknown>;
}

export interface OrthancHandle {
  /** http://127.0.0.1:<port> */
  url: string;
  version: string;
  /** Where the DICOM files are stored: inside runDir unless the user named a persistent folder. */
  storageDir: string;
  /** Our private folder for this run (config, credentials, temporary storage); deleted when Orthanc ends. */
  runDir: string;
  /** JSON file (mode 0600) with url, username and password of Orthanc's REST API, for local tools. */
  credentialsFile: string;
  /** Value of the Authorization header Orthanc's REST API requires. */
  authorization: string;
  /** The guard process (its exit means Orthanc has ended). */
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The Orthanc configuration we run with (exported for the tests and docs/deploy.md). */
export function orthancConfig(
  httpPort: number,
  storageDir: string,
  users: Record<string, string>,
  dicomPort?: number,
): Record<string, unknown> {
  return {
    Name: 'sodium-denoise-pacs',
    StorageDirectory: storageDir,
    IndexDirectory: storageDir,
    StorageCompression: false,
    HttpServerEnabled: true,
    HttpPort: httpPort,
    // Loopback only: the browser reaches Orthanc through our same-origin proxy, never directly. The flag alone
    // refuses remote clients but still binds 0.0.0.0; the bind() shim (orthancProcess.ts) keeps the socket local.
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: users,
    DicomServerEnabled: dicomPort !== undefined,
    ...(dicomPort !== undefined ? { DicomPort: dicomPort, DicomAlwaysAllowEcho: false } : {}),
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
  authorization: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const headers = { Authorization: authorization };
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`Orthanc exited with code ${child.exitCode ?? child.signalCode}:\n${output().slice(-2000)}`);
    try {
      const r = await fetch(`${url}/system`, { headers });
      if (r.ok) {
        const sys = (await r.json()) as { Version?: string };
        const plugins = (await (await fetch(`${url}/plugins`, { headers })).json()) as string[];
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

/**
 * Starts a private Orthanc: loopback only, REST API behind fresh credentials (written to a 0600 file), no DICOM port
 * unless asked, gone with us. Removes run folders that crashed runs left behind first.
 * @example const pacs = await startOrthanc(); await uploadFiles(pacs, files); await pacs.stop();
 */
export async function startOrthanc(opts: OrthancOptions = {}): Promise<OrthancHandle> {
  if (!fs.existsSync(ORTHANC_BIN)) {
    throw new Error(
      `Orthanc is not installed (${ORTHANC_BIN}): apt-get install orthanc orthanc-dicomweb, or set NA_ORTHANC_BIN`,
    );
  }
  if (!fs.existsSync(DICOMWEB_PLUGIN)) {
    throw new Error(`Orthanc's DICOMweb plugin is missing (${DICOMWEB_PLUGIN}): apt-get install orthanc-dicomweb`);
  }
  const stale = removeStaleRunDirs();
  if (stale.length) opts.log?.(`[pacs] removed ${stale.length} temporary Orthanc store(s) left by a crash`);
  const runDir = createRunDir();
  const storageDir = opts.storageDir ? path.resolve(opts.storageDir) : path.join(runDir, 'db');
  fs.mkdirSync(storageDir, { recursive: true, mode: 0o700 });
  const httpPort = opts.httpPort || (await freePort());
  const url = `http://127.0.0.1:${httpPort}`;
  const credentials = newCredentials(url);
  const authorization = basicAuthorization(credentials);
  const credentialsFile = path.join(runDir, 'credentials.json');
  writePrivateFile(credentialsFile, JSON.stringify(credentials, null, 2) + '\n');
  const configFile = path.join(runDir, 'orthanc.json');
  const config = {
    ...orthancConfig(httpPort, storageDir, { [credentials.username]: credentials.password }, opts.dicomPort),
    ...opts.extraConfig,
  };
  writePrivateFile(configFile, JSON.stringify(config, null, 2));
  opts.log?.(`[pacs] starting Orthanc on 127.0.0.1:${httpPort} (storage ${storageDir})…`);
  let child: ChildProcess;
  try {
    child = spawnGuarded([ORTHANC_BIN, configFile], runDir);
  } catch (e) {
    fs.rmSync(runDir, { recursive: true, force: true });
    throw e;
  }
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-20000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (e) => reject(new Error(`cannot launch Orthanc through setpriv (util-linux): ${e.message}`))),
  );
  spawnError.catch(() => undefined);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Should the guard itself be killed (Orthanc then dies by its own parent-death signal), the run folder still goes.
  void exited.then(() => fs.rmSync(runDir, { recursive: true, force: true }));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM'); // the guard stops Orthanc (KILL after 3 s) and deletes the run folder
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const version = await Promise.race([
      waitForOrthanc(url, authorization, child, opts.startTimeoutMs ?? 20000, () => output),
      spawnError,
    ]);
    const exposed = nonLoopbackListeners(httpPort);
    if (exposed.length) throw new Error(`Orthanc listens beyond loopback (${exposed.join(', ')}); refusing to run`);
    return { url, version, storageDir, runDir, credentialsFile, authorization, process: child, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Uploads DICOM files through Orthanc's REST API (POST /instances); returns how many were stored. */
export async function uploadFiles(
  orthanc: Pick<OrthancHandle, 'url' | 'authorization'>,
  files: readonly string[],
): Promise<number> {
  let n = 0;
  for (const file of files) {
    const r = await fetch(`${orthanc.url}/instances`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/dicom', Authorization: orthanc.authorization },
      body: fs.readFileSync(file),
    });
    if (!r.ok) throw new Error(`Orthanc refused ${file}: HTTP ${r.status} ${await r.text()}`);
    n++;
  }
  return n;
}

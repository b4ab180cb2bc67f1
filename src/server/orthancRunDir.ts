// The private folder of one Orthanc run: configuration, REST credentials and (unless the user named a persistent
// store) the DICOM storage. It carries an owner marker so a later start can remove the folders a crash left behind.
import { processRunning, processStartTicks } from '../io/process-liveness';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Prefix of our run folders in the temp folder; only folders with it and our marker are ever removed. */
export const RUN_DIR_PREFIX = 'na-orthanc-';
export const OWNER_MARKER = 'na-orthanc-owner.json';
const MARKER_FORMAT = 'sodium-denoise/orthanc-run@1';

interface OwnerMarker {
  format: typeof MARKER_FORMAT;
  pid: number;
  /** The owner's start time (/proc/<pid>/stat field 22), so a recycled PID does not keep a stale folder alive. */
  startTicks: string | null;
}

export interface OrthancCredentials {
  url: string;
  username: string;
  password: string;
}

function ownerAlive(marker: OwnerMarker): boolean {
  if (!processRunning(marker.pid)) return false;
  const ticks = processStartTicks(marker.pid);
  return marker.startTicks === null || ticks === null || ticks === marker.startTicks;
}

/**
 * Removes run folders under `parent` whose owner process is dead (left by a kill -9 or a power cut).
 * Only real folders with our prefix, owned by this user and carrying our marker are touched.
 * @example removeStaleRunDirs(os.tmpdir()) // → ['/tmp/na-orthanc-abc123']
 */
export function removeStaleRunDirs(parent = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return removed;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    if (!name.startsWith(RUN_DIR_PREFIX)) continue;
    const dir = path.join(parent, name);
    try {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      const marker = JSON.parse(fs.readFileSync(path.join(dir, OWNER_MARKER), 'utf8')) as OwnerMarker;
      if (marker.format !== MARKER_FORMAT || !Number.isInteger(marker.pid) || ownerAlive(marker)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // No marker, unreadable or being created: not provably ours and stale, so left alone.
    }
  }
  return removed;
}

/** Creates a fresh run folder (mode 0700) owned by this process. */
export function createRunDir(parent = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(parent, RUN_DIR_PREFIX));
  fs.chmodSync(dir, 0o700);
  const marker: OwnerMarker = { format: MARKER_FORMAT, pid: process.pid, startTicks: processStartTicks(process.pid) };
  writePrivateFile(path.join(dir, OWNER_MARKER), JSON.stringify(marker));
  return dir;
}

/** Writes a new file readable only by this user (mode 0600, whatever the umask). */
export function writePrivateFile(file: string, content: string): void {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}

/** Fresh random REST credentials for one run (the password never leaves the run folder and our process). */
export function newCredentials(url: string): OrthancCredentials {
  return { url, username: 'sodium-denoise', password: crypto.randomBytes(24).toString('base64url') };
}

/** The Authorization header value for Orthanc's REST API. */
export function basicAuthorization(c: Pick<OrthancCredentials, 'username' | 'password'>): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

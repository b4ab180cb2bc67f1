// Node: every output file or folder is written under a temporary name beside its target and renamed into place only
// when complete, so a crash, kill -9 or Ctrl-C never leaves a half-written NIfTI, DICOM series, weights folder or
// report under the name the user asked for. Temporaries are hidden (".name.partial-<pid>-<n>"), removed on Ctrl-C or
// error, and swept by a later write to the same target when the process that made them is gone.
import { processRunning } from './process-liveness';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const PARTIAL = '.partial-';
let counter = 0;

/** Temporaries of this process still being written: removed if the process is interrupted or exits. */
const pending = new Set<string>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function removeSync(p: string): void {
  try {
    // Retries: writes still in flight on libuv's threads can add a file while the folder is being removed.
    fs.rmSync(p, { recursive: true, force: true, maxRetries: 10, retryDelay: 10 });
  } catch {
    // Best effort: the sweep of a later write removes what is left.
  }
}

/** Sleeps synchronously (for the exit path, where no callback can run any more). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes every pending temporary. File operations already handed to libuv's threads (an `mkdir -p`, a write) can
 * still land after the removal, so look again a few times before giving up to the next write's sweep.
 */
function cleanupPending(): void {
  for (let round = 0; round < 5 && pending.size > 0; round++) {
    if (round > 0) sleepSync(20);
    for (const p of pending) {
      removeSync(p);
      if (round > 0 && !fs.existsSync(p)) pending.delete(p); // gone, and still gone 20 ms later
    }
  }
  pending.clear();
}

/**
 * On a signal nobody else handles, exit as the default action would (status 128 + signal number), removing the
 * temporaries on the way out ('exit' runs cleanupPending). Exiting here, not re-raising, means no further callback
 * can recreate a temporary after it was removed.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // another handler (e.g. training's Ctrl-C) decides; 'exit' cleans up
  process.exit(128 + (os.constants.signals[signal] ?? 0));
}

function track(p: string): void {
  if (pending.size === 0) {
    process.on('exit', cleanupPending);
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  pending.add(p);
}

function untrack(p: string): void {
  pending.delete(p);
  if (pending.size === 0) untrackAll();
}

function untrackAll(): void {
  process.off('exit', cleanupPending);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Removes temporaries for `target` left by processes that no longer run (a kill -9 or power loss mid-write). */
function sweepStale(target: string): void {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}${PARTIAL}`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !processRunning(pid)) removeSync(path.join(dir, name));
  }
}

/** A fresh temporary path beside `target` (same folder, so the final rename stays on one file system). */
export function temporaryPathFor(target: string): string {
  const abs = path.resolve(target);
  return path.join(path.dirname(abs), `.${path.basename(abs)}${PARTIAL}${process.pid}-${++counter}`);
}

/** True for the hidden temporaries this module writes (so listings and scans can ignore them). */
export function isTemporaryName(name: string): boolean {
  return name.startsWith('.') && name.includes(PARTIAL);
}

function prepare(target: string): string {
  const abs = path.resolve(target);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  sweepStale(abs);
  const tmp = temporaryPathFor(abs);
  track(tmp);
  return tmp;
}

/** Refuses to replace a folder with a file (or a file with a folder): that would lose data the user did not name. */
function checkReplaceable(target: string, kind: 'file' | 'folder', replaceFolder: boolean): void {
  const st = fs.lstatSync(target, { throwIfNoEntry: false });
  if (!st) return;
  if (kind === 'file' && st.isDirectory()) throw new Error(`${target} is a folder; cannot write a file over it`);
  if (kind === 'folder' && !st.isDirectory() && !st.isSymbolicLink())
    throw new Error(`${target} is a file; cannot write a folder over it`);
  if (kind === 'folder' && st.isDirectory() && !replaceFolder && fs.readdirSync(target).length > 0)
    throw new Error(`Output folder ${target} is not empty; choose a new folder so results do not mix`);
}

/**
 * Writes `bytes` to `target` atomically: a temporary file beside it, flushed, then renamed over the target.
 * @example await writeFileAtomic('out/denoised.nii.gz', bytes)
 */
export async function writeFileAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
  checkReplaceable(target, 'file', false);
  const tmp = prepare(target);
  try {
    const handle = await fs.promises.open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, path.resolve(target));
  } catch (err) {
    removeSync(tmp);
    throw err;
  } finally {
    untrack(tmp);
  }
}

/**
 * Synchronous writeFileAtomic, for code that must finish a write before any signal handler runs (checkpoints).
 * `mode` sets the file's permissions from the start (e.g. 0o600 for a file only its user may read).
 */
export function writeFileAtomicSync(target: string, bytes: Uint8Array | string, opts: { mode?: number } = {}): void {
  checkReplaceable(target, 'file', false);
  const tmp = prepare(target);
  try {
    const fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o666);
    try {
      fs.writeFileSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.resolve(target));
  } catch (err) {
    removeSync(tmp);
    throw err;
  } finally {
    untrack(tmp);
  }
}

export interface FolderWriteOptions {
  /** Replace an existing non-empty folder (e.g. publishing over weights/); default: refuse one. */
  replace?: boolean;
}

/**
 * Builds a folder atomically: `fill` writes into an empty temporary folder beside `target`, which is renamed to
 * `target` when `fill` resolves (and removed when it throws). `target` must not exist or be empty unless `replace`.
 * @example await writeFolderAtomic('out/dicom', (dir) => writeSlices(dir))
 */
export async function writeFolderAtomic<T>(
  target: string,
  fill: (tmpDir: string) => Promise<T> | T,
  opts: FolderWriteOptions = {},
): Promise<T> {
  const abs = path.resolve(target);
  checkReplaceable(abs, 'folder', opts.replace ?? false);
  const tmp = prepare(abs);
  try {
    fs.mkdirSync(tmp);
    const result = await fill(tmp);
    const existing = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (existing?.isDirectory() && fs.readdirSync(abs).length > 0) {
      if (!opts.replace)
        throw new Error(`Output folder ${target} is not empty; choose a new folder so results do not mix`);
      // Two renames: the old folder steps aside under a temporary name, the new one takes its place, the old goes.
      const old = temporaryPathFor(abs);
      track(old);
      fs.renameSync(abs, old);
      fs.renameSync(tmp, abs);
      removeSync(old);
      untrack(old);
    } else {
      if (existing?.isSymbolicLink()) fs.unlinkSync(abs);
      fs.renameSync(tmp, abs); // replaces an empty folder, as rename(2) allows
    }
    return result;
  } catch (err) {
    removeSync(tmp);
    throw err;
  } finally {
    untrack(tmp);
  }
}

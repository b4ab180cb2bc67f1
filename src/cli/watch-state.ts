// The one thing `watch` remembers between runs: the last Orthanc change it has dealt with (and recent failures), in
// a small JSON file replaced atomically (write beside, fsync, rename) so a crash leaves the old state or the new.
import * as fs from 'node:fs';
import { writeFileAtomicSync } from '../io/atomic-write';

export const WATCH_STATE_FORMAT = 'sodium-denoise/watch-state@1';

export interface WatchState {
  format: typeof WATCH_STATE_FORMAT;
  /** The Orthanc REST root whose change numbers these are. */
  orthanc: string;
  /** What the worker denoises with (method, parameters, model checksum): another job needs its own state. */
  job: string;
  /** Changes up to and including this sequence number are dealt with. */
  since: number;
  updated: string;
  /** The latest series that failed for a reason of their own (kept: 100). */
  failed: Array<{ seq: number; series: string; study: string; reason: string; time: string }>;
}

/** The state in `file`, or undefined when there is none yet; a damaged file is an error naming the field. */
export function readWatchState(file: string): WatchState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the watch state ${file}: ${(err as Error).message}`);
  }
  let json: Partial<WatchState>;
  try {
    json = JSON.parse(text) as Partial<WatchState>;
  } catch {
    throw new Error(`watch state ${file} is not valid JSON; move it away to start over from the first change`);
  }
  const bad = (field: string) => new Error(`watch state ${file}: ${field} is missing or invalid`);
  if (json.format !== WATCH_STATE_FORMAT) throw bad('format');
  if (typeof json.orthanc !== 'string') throw bad('orthanc');
  if (typeof json.job !== 'string') throw bad('job');
  if (!(Number.isInteger(json.since) && (json.since as number) >= 0)) throw bad('since');
  return {
    format: WATCH_STATE_FORMAT,
    orthanc: json.orthanc,
    job: json.job,
    since: json.since as number,
    updated: typeof json.updated === 'string' ? json.updated : '',
    failed: Array.isArray(json.failed) ? json.failed.slice(-100) : [],
  };
}

/** Replaces `file` with `state` atomically. */
export function writeWatchState(file: string, state: WatchState): void {
  const text = JSON.stringify(
    { ...state, updated: new Date().toISOString(), failed: state.failed.slice(-100) },
    null,
    2,
  );
  writeFileAtomicSync(file, text + '\n', { mode: 0o600 });
}

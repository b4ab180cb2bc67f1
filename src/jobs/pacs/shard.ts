// `--shard i/N`: a deterministic partition of series among N workers by a hash of the source SeriesInstanceUID, so
// workers started side by side (a Kubernetes Indexed Job, a Slurm array) never take the same series, with no queue.
import { Sha256 } from '../../core/sha256';

export interface Shard {
  /** 0-based worker index. */
  index: number;
  /** Number of workers. */
  count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

/**
 * Parses "i/N" (0 ≤ i < N).
 * @example parseShard('1/3') // { index: 1, count: 3 }
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count) || count > 1_000_000)
    throw new Error(`--shard must be i/N with 0 ≤ i < N (e.g. 0/3), got "${text}"`);
  return { index, count };
}

/** The shard (0…count−1) that owns a series: the first 48 bits of SHA-256(UID) modulo count. */
export function shardOf(seriesInstanceUid: string, count: number): number {
  const d = new Sha256().update(new TextEncoder().encode(seriesInstanceUid)).digest();
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + d[i];
  return n % count;
}

export function inShard(seriesInstanceUid: string, shard: Shard): boolean {
  return shard.count === 1 || shardOf(seriesInstanceUid, shard.count) === shard.index;
}

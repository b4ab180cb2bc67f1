// Training checkpoints: weights, optimizer state, best-so-far weights and the loop's own state (epoch, step, RNG,
// history), written atomically each epoch and on Ctrl-C with a SHA-256 of each tensor file, so `--resume` continues
// exactly where a run stopped and refuses a corrupted checkpoint.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from '../../core/sha256';
import { writeFileAtomicSync } from '../../io/atomic-write';
import type { RngState } from './rng';

/** A list of named float tensors: the form weights and optimizer state take in a checkpoint. */
export interface TensorRecord {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
}

/** Everything but the tensors; stored as JSON. */
export interface LoopState {
  version: 1;
  /** Epochs fully done. */
  epochsDone: number;
  /** Batches done inside the epoch in progress (non-zero only for a checkpoint written on interruption). */
  stepInEpoch: number;
  /** Sum of batch losses and sample count of the epoch in progress. */
  partialLossSum: number;
  partialSamples: number;
  partialSeconds: number;
  rng: RngState;
  /** Sampler state that must survive a resume (e.g. which subjects are in the working set). */
  sampler: unknown;
  bestValLoss: number;
  bestEpoch: number;
  epochsWithoutImprovement: number;
  stopped: null | 'early-stopping' | 'max-epochs';
  history: EpochRecord[];
  /** The options the run started with; a resume refuses different ones. */
  config: Record<string, unknown>;
}

export interface Checkpoint {
  state: LoopState;
  weights: TensorRecord[];
  optimizer: TensorRecord[];
  bestWeights: TensorRecord[];
}

const STATE = 'state.json';
const FILES = { weights: 'weights.bin', optimizer: 'optimizer.bin', bestWeights: 'best-weights.bin' } as const;
type TensorFile = keyof typeof FILES;

/** What state.json holds on disk: the loop state plus the SHA-256 of each tensor file written beside it. */
interface StoredState extends LoopState {
  checksums: Record<TensorFile, string>;
}

/**
 * Writes a checkpoint into dir (created if needed). Each file goes to a temporary name and is renamed, and state.json
 * (written last) records the SHA-256 of the weight and optimizer files, so a torn or corrupted checkpoint is refused.
 */
export function saveCheckpoint(dir: string, ckpt: Checkpoint): void {
  fs.mkdirSync(dir, { recursive: true });
  const checksums = {} as Record<TensorFile, string>;
  for (const key of Object.keys(FILES) as TensorFile[]) {
    const bytes = encodeTensors(ckpt[key]);
    checksums[key] = sha256Hex(bytes);
    writeFileAtomicSync(path.join(dir, FILES[key]), bytes);
  }
  const stored: StoredState = { ...ckpt.state, checksums };
  // JSON has no Infinity: "no best epoch yet" is stored as null and read back as Infinity.
  writeFileAtomicSync(path.join(dir, STATE), JSON.stringify(stored, null, 1));
}

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, STATE));
}

/** Folders under `dir` (itself included, three levels deep) that hold a checkpoint: what `--resume` can continue. */
export function findCheckpoints(dir: string, depth = 3): string[] {
  if (!fs.existsSync(dir)) return [];
  const found = hasCheckpoint(dir) ? [dir] : [];
  if (depth === 0) return found;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && !e.name.startsWith('.')) found.push(...findCheckpoints(path.join(dir, e.name), depth - 1));
  }
  return found;
}

export function loadCheckpoint(dir: string): Checkpoint {
  const statePath = path.join(dir, STATE);
  if (!fs.existsSync(statePath)) throw new Error(`no checkpoint in ${dir} (missing ${STATE})`);
  const stored = parseState(fs.readFileSync(statePath, 'utf8'), statePath);
  const read = (key: TensorFile) => {
    const file = path.join(dir, FILES[key]);
    if (!fs.existsSync(file)) throw new Error(`checkpoint in ${dir} is missing ${FILES[key]}`);
    const bytes = fs.readFileSync(file);
    if (sha256Hex(bytes) !== stored.checksums[key])
      throw new Error(
        `checkpoint file ${file} is corrupted: its SHA-256 does not match the one in ${statePath}; delete the checkpoint folder to start over`,
      );
    return decodeTensors(bytes, file);
  };
  const state: LoopState & { checksums?: unknown } = { ...stored };
  delete state.checksums;
  return { state, weights: read('weights'), optimizer: read('optimizer'), bestWeights: read('bestWeights') };
}

/** Parses and checks state.json; every problem names the file and the field. */
function parseState(text: string, file: string): StoredState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`checkpoint state ${file} is not valid JSON (${(err as Error).message})`);
  }
  const fail = (field: string, want: string): never => {
    throw new Error(`checkpoint state ${file}: field "${field}" must be ${want}`);
  };
  if (!json || typeof json !== 'object' || Array.isArray(json)) fail('(root)', 'a JSON object');
  const s = json as Record<string, unknown>;
  if (s.version !== 1) fail('version', `1, got ${JSON.stringify(s.version)}`);
  const count = (k: string) => {
    if (!(Number.isInteger(s[k]) && (s[k] as number) >= 0)) fail(k, `an integer ≥ 0, got ${JSON.stringify(s[k])}`);
  };
  const finite = (k: string) => {
    if (!(typeof s[k] === 'number' && Number.isFinite(s[k]))) fail(k, `a finite number, got ${JSON.stringify(s[k])}`);
  };
  for (const k of ['epochsDone', 'stepInEpoch', 'partialSamples', 'bestEpoch', 'epochsWithoutImprovement']) count(k);
  for (const k of ['partialLossSum', 'partialSeconds']) finite(k);
  if (s.bestValLoss === null && s.bestEpoch === 0) s.bestValLoss = Infinity;
  if (!(typeof s.bestValLoss === 'number' && (Number.isFinite(s.bestValLoss) || s.bestValLoss === Infinity)))
    fail('bestValLoss', `a number, got ${JSON.stringify(s.bestValLoss)}`);
  if (!(s.stopped === null || s.stopped === 'early-stopping' || s.stopped === 'max-epochs'))
    fail('stopped', `null, "early-stopping" or "max-epochs", got ${JSON.stringify(s.stopped)}`);
  if (!s.rng || typeof s.rng !== 'object') fail('rng', 'an RNG state object');
  if (!s.config || typeof s.config !== 'object') fail('config', 'an object');
  if (!Array.isArray(s.history)) fail('history', 'an array of epoch records');
  (s.history as unknown[]).forEach((h, i) => {
    const r = h as Record<string, unknown> | null;
    for (const k of ['epoch', 'trainLoss', 'valLoss', 'samples', 'seconds', 'samplesPerSecond'])
      if (!(r && typeof r[k] === 'number' && Number.isFinite(r[k]))) fail(`history[${i}].${k}`, 'a finite number');
  });
  const sums = s.checksums as Record<string, unknown> | undefined;
  for (const key of Object.keys(FILES))
    if (!(sums && typeof sums[key] === 'string' && /^[0-9a-f]{64}$/.test(sums[key] as string)))
      fail(`checksums.${key}`, 'a SHA-256 hex digest (a checkpoint written before checksums cannot be resumed)');
  return s as unknown as StoredState;
}

/** Layout: uint32 header length, JSON header [{name, shape, offset, length}], then float32 data (little-endian). */
export function encodeTensors(tensors: readonly TensorRecord[]): Buffer {
  let offset = 0;
  const index = tensors.map((t) => {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length)
      throw new Error(`tensor ${t.name} has ${t.data.length} values but shape [${t.shape}]`);
    const entry = { name: t.name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length;
    return entry;
  });
  const header = Buffer.from(JSON.stringify(index));
  const out = Buffer.alloc(4 + header.length + offset * 4);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  const base = 4 + header.length;
  tensors.forEach((t, i) => {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    bytes.copy(out, base + index[i].offset * 4);
  });
  return out;
}

export function decodeTensors(buf: Buffer, what = 'tensor file'): TensorRecord[] {
  if (buf.length < 4) throw new Error(`${what} is truncated`);
  const headerLength = buf.readUInt32LE(0);
  if (4 + headerLength > buf.length) throw new Error(`${what} is truncated`);
  const index = parseJsonOr(buf.subarray(4, 4 + headerLength).toString('utf8'), `${what} has a corrupt header`) as {
    name: string;
    shape: number[];
    offset: number;
    length: number;
  }[];
  const base = 4 + headerLength;
  return index.map((e) => {
    const start = base + e.offset * 4;
    if (start + e.length * 4 > buf.length) throw new Error(`${what}: tensor ${e.name} runs past the end of the file`);
    // Copy so the Float32Array is aligned and owns its memory.
    const data = new Float32Array(e.length);
    new Uint8Array(data.buffer).set(buf.subarray(start, start + e.length * 4));
    return { name: e.name, shape: e.shape, data };
  });
}

function parseJsonOr(text: string, message: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(message);
  }
}

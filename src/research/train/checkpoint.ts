// Training checkpoints: weights, optimizer state, best-so-far weights and the loop's own state (epoch, step, RNG,
// history), written atomically each epoch and on Ctrl-C, so `--resume` continues exactly where a run stopped.
import * as fs from 'node:fs';
import * as path from 'node:path';
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

/** Writes a checkpoint into dir (created if needed); each file is written to a temp name and renamed, so a crash never leaves a torn checkpoint. */
export function saveCheckpoint(dir: string, ckpt: Checkpoint): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const key of Object.keys(FILES) as (keyof typeof FILES)[]) {
    writeAtomic(path.join(dir, FILES[key]), encodeTensors(ckpt[key]));
  }
  // state.json last: its presence means the tensors beside it are complete.
  writeAtomic(path.join(dir, STATE), Buffer.from(JSON.stringify(ckpt.state, null, 1)));
}

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, STATE));
}

export function loadCheckpoint(dir: string): Checkpoint {
  const statePath = path.join(dir, STATE);
  if (!fs.existsSync(statePath)) throw new Error(`no checkpoint in ${dir} (missing ${STATE})`);
  const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as LoopState;
  if (state.version !== 1) throw new Error(`checkpoint ${statePath} has unknown version ${String(state.version)}`);
  const read = (key: keyof typeof FILES) => {
    const file = path.join(dir, FILES[key]);
    if (!fs.existsSync(file)) throw new Error(`checkpoint in ${dir} is missing ${FILES[key]}`);
    return decodeTensors(fs.readFileSync(file), file);
  };
  return { state, weights: read('weights'), optimizer: read('optimizer'), bestWeights: read('bestWeights') };
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
  const index = JSON.parse(buf.subarray(4, 4 + headerLength).toString('utf8')) as {
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

function writeAtomic(file: string, bytes: Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

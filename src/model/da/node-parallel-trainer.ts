// Data-parallel DA training in Node. tfjs-backend-wasm is single-threaded here, so each step splits its batch into
// contiguous shards, one per thread: this thread takes the first, worker_threads (own wasm instance each) the others.
// The shards' gradients (each of Σ(y − t)² / B, so they add up to the batch's) are summed in shard order, then Adam
// runs: with the SIMD kernel on this thread alone (the kernel's Adam, ~1 ms: one meeting of the threads per step
// instead of two), with tfjs matMuls split by parameter ranges over the threads. Weights and gradients live in shared
// memory and the threads meet at Atomics barriers, so a step is synchronous like the one-thread trainer's: the loop, its
// checkpoints and Ctrl-C are unchanged. For a given seed and thread count every run is bit-identical (each shard
// always gets the same samples, and the sums have a fixed order). Node only: not exported from src/model/index.ts.
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../core/node-thread';
import { useBackend } from '../backend';
import {
  DA_PARAMETER_COUNT,
  DA_WEIGHT_SPECS,
  type DAWeights,
  PATCH_VOXELS,
  cloneWeights,
  flatWeightViews,
  validateWeights,
  weightSize,
} from './architecture';
import { initDAWeights } from './init';
import {
  adamUpdate,
  checkDABatch,
  createDATrainer,
  createGradientScratch,
  daGradients,
  type DAGradientKernel,
  type DAGradientScratch,
  type DATrainer,
  DATrainerBase,
  type DATrainerOptions,
  resolveGradientKernel,
} from './trainer';
import { SimdDAEngine } from './trainer-simd';

export interface ParallelDATrainerOptions extends DATrainerOptions {
  /** Threads sharing each batch, this one included (default: the available cores). 1: the one-thread trainer. */
  threads?: number;
}

/** Indexes into the shared control words. */
export const CONTROL = { seq: 0, done: 1, command: 2, batch: 3, failedShard: 4, length: 5 } as const;
export const COMMAND = { gradients: 1, adam: 2, resize: 3, stop: 4 } as const;
/** Indexes into the shared float64 words: Adam's step constants, then one sum of squared errors per shard. */
export const NUMBERS = { learningRate: 0, beta1: 1, beta2: 2, epsilon: 3, c1: 4, c2: 5, sse: 6 } as const;
const ERROR_BYTES = 1024;
/** A worker that has not answered a command in this long is reported (a step takes milliseconds). */
const WORKER_TIMEOUT_MS = 10 * 60_000;

/** What a worker receives once: the shared memory and its shard. */
export interface TrainerWorkerInit {
  shard: number;
  threads: number;
  backend: string;
  kernel: DAGradientKernel;
  control: SharedArrayBuffer;
  numbers: SharedArrayBuffer;
  errorText: SharedArrayBuffer;
  /** Weights, first and second moments: 3 × DA_PARAMETER_COUNT float32. */
  parameters: SharedArrayBuffer;
  /** One flat gradient per shard: threads × DA_PARAMETER_COUNT float32. */
  gradients: SharedArrayBuffer;
  batch: BatchBuffers;
  /** Carries grown batch buffers (read with receiveMessageOnPort when told to resize). */
  port: MessagePort;
}

/** The batch in shared memory: patches [capacity,125] then targets [capacity]. */
export interface BatchBuffers {
  buffer: SharedArrayBuffer;
  capacity: number;
}

/** [from, to) of part `index` when `count` items are split into `parts` contiguous parts. */
export function shardRange(count: number, parts: number, index: number): [number, number] {
  return [Math.floor((index * count) / parts), Math.floor(((index + 1) * count) / parts)];
}

/** Views of the shared memory, the same in every thread. */
export class SharedTrainingState {
  readonly control: Int32Array;
  readonly numbers: Float64Array;
  readonly errorText: Uint8Array;
  readonly weights: Float32Array;
  readonly firstMoment: Float32Array;
  readonly secondMoment: Float32Array;
  /** Per shard: its flat gradient. */
  readonly gradients: Float32Array[];
  patches!: Float32Array;
  targets!: Float32Array;
  capacity = 0;

  constructor(
    readonly threads: number,
    buffers: Pick<TrainerWorkerInit, 'control' | 'numbers' | 'errorText' | 'parameters' | 'gradients' | 'batch'>,
  ) {
    const n = DA_PARAMETER_COUNT;
    this.control = new Int32Array(buffers.control);
    this.numbers = new Float64Array(buffers.numbers);
    this.errorText = new Uint8Array(buffers.errorText);
    this.weights = new Float32Array(buffers.parameters, 0, n);
    this.firstMoment = new Float32Array(buffers.parameters, 4 * n, n);
    this.secondMoment = new Float32Array(buffers.parameters, 8 * n, n);
    this.gradients = Array.from({ length: threads }, (_, s) => new Float32Array(buffers.gradients, 4 * n * s, n));
    this.setBatch(buffers.batch);
  }

  setBatch(batch: BatchBuffers): void {
    this.capacity = batch.capacity;
    this.patches = new Float32Array(batch.buffer, 0, batch.capacity * PATCH_VOXELS);
    this.targets = new Float32Array(batch.buffer, 4 * batch.capacity * PATCH_VOXELS, batch.capacity);
  }

  /**
   * Computes shard `s` of the batch now in shared memory into its gradient slot and SSE word. Gradients are of
   * Σ(y − t)² / B (B = the whole batch), so the shards' sum is the batch MSE's gradient.
   */
  computeShard(s: number, weights: DAWeights, scratch: DAGradientScratch): void {
    const b = this.control[CONTROL.batch];
    const [lo, hi] = shardRange(b, this.threads, s);
    const slot = this.gradients[s];
    if (hi === lo) {
      slot.fill(0);
      this.numbers[NUMBERS.sse + s] = 0;
      return;
    }
    const patches = this.patches.subarray(lo * PATCH_VOXELS, hi * PATCH_VOXELS);
    daGradients(weights, patches, this.targets.subarray(lo, hi), hi - lo, b, scratch, (sse, g) => {
      let at = 0;
      for (const spec of DA_WEIGHT_SPECS) {
        slot.set(g[spec.name], at);
        at += weightSize(spec);
      }
      this.numbers[NUMBERS.sse + s] = sse;
    });
  }

  /** Sums the shards' gradients into shard 0's slot over parameter range `s`, in shard order, then Adam there. */
  adamShard(s: number): void {
    const [from, to] = shardRange(DA_PARAMETER_COUNT, this.threads, s);
    sumShardGradients(this.gradients, from, to);
    const x = this.numbers;
    adamUpdate(this.weights, this.firstMoment, this.secondMoment, this.gradients[0], from, to, {
      learningRate: x[NUMBERS.learningRate],
      beta1: x[NUMBERS.beta1],
      beta2: x[NUMBERS.beta2],
      epsilon: x[NUMBERS.epsilon],
      c1: x[NUMBERS.c1],
      c2: x[NUMBERS.c2],
    });
  }

  /** Records a failure of shard `s` (the first one wins) for the thread that waits. */
  fail(s: number, message: string): void {
    if (Atomics.compareExchange(this.control, CONTROL.failedShard, 0, s + 1) !== 0) return;
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES - 1);
    this.errorText.fill(0);
    this.errorText.set(bytes);
  }

  failure(): string | undefined {
    const shard = Atomics.load(this.control, CONTROL.failedShard);
    if (shard === 0) return undefined;
    const end = this.errorText.indexOf(0);
    const text = new TextDecoder().decode(this.errorText.slice(0, end < 0 ? ERROR_BYTES : end));
    return `DA training thread ${shard - 1}: ${text}`;
  }
}

/** gradients[0][i] = ((g0 + g1) + g2) + … for i in [from, to): float32 sums in a fixed order. */
export function sumShardGradients(gradients: Float32Array[], from: number, to: number): void {
  const g0 = gradients[0];
  for (let s = 1; s < gradients.length; s++) {
    const gs = gradients[s];
    for (let i = from; i < to; i++) g0[i] += gs[i];
  }
}

const WORKER_ENTRY = path.join(__dirname, 'node-parallel-trainer-worker');

class ParallelDATrainer extends DATrainerBase {
  private readonly scratch: DAGradientScratch;
  /**
   * With the SIMD kernel: this thread's engine holds the weights and moments and runs Adam; the weights are copied to
   * the shared memory for the workers.
   */
  private readonly engine?: SimdDAEngine;

  constructor(
    backend: string,
    opts: DATrainerOptions,
    private readonly state: SharedTrainingState,
    private readonly workers: Worker[],
    private readonly ports: MessagePort[],
  ) {
    // Weights and moments: the SIMD kernel's memory on this thread, or views into the shared memory that the Adam
    // shards write.
    const engine = resolveGradientKernel(opts.kernel) === 'wasm-simd' ? new SimdDAEngine() : undefined;
    engine?.flatWeights().set(state.weights);
    super(
      `${backend}×${state.threads}`,
      opts,
      engine?.resident.weights ?? flatWeightViews(state.weights),
      engine?.resident.firstMoment ?? flatWeightViews(state.firstMoment),
      engine?.resident.secondMoment ?? flatWeightViews(state.secondMoment),
    );
    this.engine = engine;
    this.scratch = engine ? { simd: engine } : createGradientScratch(this.kernel);
  }

  /** Tells every worker to run `command`, runs this thread's share, and waits for all of them. */
  private runEverywhere(command: number, own: () => void): void {
    const c = this.state.control;
    Atomics.store(c, CONTROL.done, 0);
    Atomics.store(c, CONTROL.command, command);
    Atomics.add(c, CONTROL.seq, 1);
    Atomics.notify(c, CONTROL.seq);
    let ownError: unknown;
    try {
      own();
    } catch (err) {
      ownError = err;
    }
    const need = this.workers.length;
    const since = performance.now();
    for (let done = Atomics.load(c, CONTROL.done); done < need; done = Atomics.load(c, CONTROL.done)) {
      Atomics.wait(c, CONTROL.done, done, 1000);
      if (performance.now() - since > WORKER_TIMEOUT_MS)
        throw new Error(`DA training: a worker thread did not answer in ${WORKER_TIMEOUT_MS / 60_000} minutes`);
    }
    if (ownError) throw ownError;
    const failure = this.state.failure();
    if (failure) {
      Atomics.store(c, CONTROL.failedShard, 0);
      throw new Error(failure);
    }
  }

  /** Copies the batch into shared memory (growing it if needed) and computes every shard's gradients. */
  private shardGradients(patches: Float32Array, targets: Float32Array, b: number): number {
    if (b > this.state.capacity) {
      const batch = allocateBatch(Math.max(b, 2 * this.state.capacity));
      for (const port of this.ports) port.postMessage(batch);
      this.runEverywhere(COMMAND.resize, () => this.state.setBatch(batch));
    }
    // The workers read the weights from shared memory (this thread's copy may have been set or updated since).
    if (this.engine) this.state.weights.set(this.engine.flatWeights());
    this.state.patches.set(patches);
    this.state.targets.set(targets);
    Atomics.store(this.state.control, CONTROL.batch, b);
    this.runEverywhere(COMMAND.gradients, () => this.state.computeShard(0, this.weights, this.scratch));
    let sse = 0;
    for (let s = 0; s < this.state.threads; s++) sse += this.state.numbers[NUMBERS.sse + s];
    return sse / b;
  }

  step(patches: Float32Array, targets: Float32Array): number {
    this.live('step');
    const b = checkDABatch(patches, targets, 'step');
    const loss = this.shardGradients(patches, targets, b);
    const k = this.nextAdamConstants();
    if (this.engine) {
      sumShardGradients(this.state.gradients, 0, DA_PARAMETER_COUNT);
      this.engine.adam(k, this.state.gradients[0]);
      return loss;
    }
    const x = this.state.numbers;
    x[NUMBERS.learningRate] = k.learningRate;
    x[NUMBERS.beta1] = k.beta1;
    x[NUMBERS.beta2] = k.beta2;
    x[NUMBERS.epsilon] = k.epsilon;
    x[NUMBERS.c1] = k.c1;
    x[NUMBERS.c2] = k.c2;
    this.runEverywhere(COMMAND.adam, () => this.state.adamShard(0));
    return loss;
  }

  gradients(patches: Float32Array, targets: Float32Array): { loss: number; gradients: DAWeights } {
    this.live('gradients');
    const b = checkDABatch(patches, targets, 'gradients');
    const loss = this.shardGradients(patches, targets, b);
    sumShardGradients(this.state.gradients, 0, DA_PARAMETER_COUNT);
    return { loss, gradients: cloneWeights(flatWeightViews(this.state.gradients[0])) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const c = this.state.control;
    Atomics.store(c, CONTROL.command, COMMAND.stop);
    Atomics.add(c, CONTROL.seq, 1);
    Atomics.notify(c, CONTROL.seq);
    for (const port of this.ports) port.close();
    for (const w of this.workers) void w.terminate();
  }
}

function allocateBatch(capacity: number): BatchBuffers {
  return { buffer: new SharedArrayBuffer(4 * capacity * (PATCH_VOXELS + 1)), capacity };
}

/**
 * A DA trainer whose every step is shared by `threads` threads (this one and threads − 1 worker_threads); the same
 * API as createDATrainer's, which it returns for one thread. Reproducible bit for bit for a given seed and thread
 * count; equal to the one-thread trainer up to float32 rounding (the shards' gradients are summed separately).
 * @example
 * const trainer = await createParallelDATrainer({ seed: 1, threads: 2 });
 * const loss = trainer.step(patches, targets); // patches [B,125], targets [B]
 * trainer.dispose(); // ends the worker threads
 */
export async function createParallelDATrainer(opts: ParallelDATrainerOptions = {}): Promise<DATrainer> {
  const threads = opts.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be an integer ≥ 1, got ${threads}`);
  if (threads === 1) return createDATrainer(opts);
  const backend = await useBackend(opts.backend, 'createParallelDATrainer');
  const kernel = resolveGradientKernel(opts.kernel);
  if (!((opts.learningRate ?? 1e-4) > 0)) throw new Error(`learningRate must be positive, got ${opts.learningRate}`);
  if (opts.initialWeights) validateWeights(opts.initialWeights);
  const n = DA_PARAMETER_COUNT;
  const buffers = {
    control: new SharedArrayBuffer(4 * CONTROL.length),
    numbers: new SharedArrayBuffer(8 * (NUMBERS.sse + threads)),
    errorText: new SharedArrayBuffer(ERROR_BYTES),
    parameters: new SharedArrayBuffer(4 * 3 * n),
    gradients: new SharedArrayBuffer(4 * threads * n),
    batch: allocateBatch(128),
  };
  const state = new SharedTrainingState(threads, buffers);
  const initial = opts.initialWeights ?? initDAWeights(opts.seed ?? 0);
  const views = flatWeightViews(state.weights);
  for (const s of DA_WEIGHT_SPECS) views[s.name].set(initial[s.name]);

  const channels = Array.from({ length: threads - 1 }, () => new MessageChannel());
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads - 1 }, (_, i) => {
        const worker = startModuleWorker(WORKER_ENTRY);
        workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          worker.once('message', (m: { type: 'ready' } | { type: 'error'; message: string }) =>
            m.type === 'ready' ? resolve() : reject(new Error(`DA training thread ${i + 1}: ${m.message}`)),
          );
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`DA training thread ${i + 1} exited with code ${code}`)));
          const port = channels[i].port2;
          const init: TrainerWorkerInit = { ...buffers, shard: i + 1, threads, backend, kernel, port };
          worker.postMessage(init, [port]);
        });
      }),
    );
  } catch (err) {
    for (const w of workers) void w.terminate();
    for (const c of channels) c.port1.close();
    throw err;
  }
  for (const w of workers) {
    w.removeAllListeners();
    w.unref();
  }
  return new ParallelDATrainer(
    backend,
    opts,
    state,
    workers,
    channels.map((c) => c.port1),
  );
}

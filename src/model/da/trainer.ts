// The fast DA training step: im2col + plain matMuls with hand-written gradients and a fused JavaScript Adam.
//
// Why not tfjs's autodiff: on the wasm backend its gradients run conv3d backprop (~0.5 GFLOP/s) or matMuls with
// transpose flags (~15× slower than plain). Here every matMul is plain: transposed operands are materialised
// (tf.transpose on activations, cheap next to the matMul they feed), and layer 2 needs no im2col at all — the
// 3×3×3×64 layer-1 output of one 5×5×5 patch *is* the layer-2 input row [1728].
//
// Shapes for a batch of B patches (P = 27 layer-1 positions, K = 27 taps):
//   A1 [B·P, K] (im2col of the patch) · W1 [27,64] → H1 [B·P, 64] = [B, 1728] · W2 [1728,256] → H2 [B,256]
//   → H3 [B,32] → H4 [B,256] → Y [B,1]; loss = mean((Y − t)²).
import { useBackend } from '../backend';
import { tf } from '../tf';
import {
  CONV1_FILTERS,
  DA_WEIGHT_SPECS,
  type DAWeightName,
  type DAWeights,
  DENSE2_UNITS,
  PATCH_VOXELS,
  TAPS,
  cloneWeights,
  validateWeights,
  weightSize,
} from './architecture';
import { disposeDAGraphWeights, forwardPatches, uploadDAGraphWeights } from './graph';
import { initDAWeights } from './init';
import { LAYER1_POSITIONS, LAYER1_TAPS } from './patches';
import { readFloat32View } from './tensor-views';
import { daTrainerSimdAvailable, SimdDAEngine } from './trainer-simd';
import { isFiniteNumber, sqrt } from '../../core/math';

export interface DATrainerOptions {
  /** Adam learning rate (the paper: 1e-4). */
  learningRate?: number;
  /** Seed of the Glorot initialisation when no initial weights are given. */
  seed?: number;
  initialWeights?: DAWeights;
  /** tfjs backend (activated if needed). Default: the active one. */
  backend?: string;
  beta1?: number;
  beta2?: number;
  /** Keras's default 1e-7. */
  epsilon?: number;
  /**
   * What computes each step's gradients: 'wasm-simd' (trainer-simd.ts, default where WebAssembly SIMD runs) or
   * 'tfjs' (the tfjs backend's matMuls; the reference the SIMD kernel is tested against).
   */
  kernel?: DAGradientKernel;
}

export type DAGradientKernel = 'wasm-simd' | 'tfjs';

/** The gradient kernel to use: the one asked for (an error if it cannot run here), else SIMD where available. */
export function resolveGradientKernel(kernel?: DAGradientKernel): DAGradientKernel {
  if (kernel === undefined) return daTrainerSimdAvailable() ? 'wasm-simd' : 'tfjs';
  if (kernel !== 'wasm-simd' && kernel !== 'tfjs')
    throw new Error(`kernel must be 'wasm-simd' or 'tfjs', got ${kernel}`);
  if (kernel === 'wasm-simd' && !daTrainerSimdAvailable())
    throw new Error('kernel wasm-simd: this JavaScript engine has no WebAssembly SIMD');
  return kernel;
}

/** Everything needed to resume Adam exactly (the weights are saved separately). */
export interface DAOptimizerState {
  /** Adam steps taken so far (t in the bias corrections). */
  step: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  firstMoment: DAWeights;
  secondMoment: DAWeights;
}

export interface DATrainer {
  readonly backend: string;
  /** What computes the gradients of a step (predict/evaluate run on the tfjs backend). */
  readonly kernel: DAGradientKernel;
  /** One Adam step on a batch; returns the batch MSE before the update. patches: [B,125] (layout in patches.ts). */
  step(patches: Float32Array, targets: Float32Array): number;
  /** MSE without updating (any batch size; evaluated in chunks). */
  evaluate(patches: Float32Array, targets: Float32Array): number;
  /** Network outputs (normalised units) for [B,125] patches. */
  predict(patches: Float32Array): Float32Array;
  /** Loss and gradients of the mean-squared error w.r.t. every weight (no update). */
  gradients(patches: Float32Array, targets: Float32Array): { loss: number; gradients: DAWeights };
  getWeights(): DAWeights;
  /**
   * Moves a running (Polyak) average towards the current weights: avg ← decay·avg + (1 − decay)·weights, in place.
   * With noisy labels (Noise2Noise) single Adam iterates jitter; their average is what early stopping should judge.
   */
  averageInto(average: DAWeights, decay: number): void;
  setWeights(weights: DAWeights): void;
  getOptimizerState(): DAOptimizerState;
  setOptimizerState(state: DAOptimizerState): void;
  /** Learning rate for subsequent steps (e.g. a schedule). */
  learningRate: number;
  dispose(): void;
}

const P = LAYER1_POSITIONS;
const K = TAPS;
const PV = PATCH_VOXELS;
const EVAL_CHUNK = 2048;

/** Checks a batch of B patches [B,125] (and targets [B]); returns B. */
export function checkDABatch(patches: Float32Array, targets: Float32Array | undefined, what: string): number {
  if (!(patches instanceof Float32Array)) throw new Error(`${what}: patches must be a Float32Array [B,125]`);
  if (patches.length === 0 || patches.length % PATCH_VOXELS !== 0) {
    throw new Error(`${what}: patches has ${patches.length} values, not a positive multiple of ${PATCH_VOXELS}`);
  }
  const b = patches.length / PATCH_VOXELS;
  const finite = isFiniteNumber; // a local binding: an imported one is a getter call per value under CommonJS
  if (targets !== undefined) {
    if (!(targets instanceof Float32Array)) throw new Error(`${what}: targets must be a Float32Array [B]`);
    if (targets.length !== b) throw new Error(`${what}: ${b} patches but ${targets.length} targets`);
    for (let i = 0; i < b; i++) if (!finite(targets[i])) throw new Error(`${what}: target ${i} is ${targets[i]}`);
  }
  for (let i = 0; i < patches.length; i++) {
    if (!finite(patches[i])) throw new Error(`${what}: patch ${Math.floor(i / PATCH_VOXELS)} holds ${patches[i]}`);
  }
  return b;
}

/**
 * Layer-1 im2col of B patches: A1 [B·27, 27] and, if asked, its transpose [27, B·27] (for dW1 with a plain matMul).
 * Both are written sequentially (the transpose k-outer) so the stores stream; the reads hit the small patch array.
 * `scratch` buffers are reused across steps to spare the allocator and GC.
 */
function layer1Im2col(
  patches: Float32Array,
  b: number,
  scratch: { a1?: Float32Array; a1t?: Float32Array },
  withTranspose: boolean,
): { a1: Float32Array; a1t?: Float32Array } {
  const rows = b * P;
  const taps = LAYER1_TAPS;
  if (!scratch.a1 || scratch.a1.length !== rows * K) scratch.a1 = new Float32Array(rows * K);
  const a1 = scratch.a1;
  for (let s = 0; s < b; s++) {
    const src = s * PV;
    for (let p = 0; p < P; p++) {
      const o = (s * P + p) * K;
      for (let k = 0; k < K; k++) a1[o + k] = patches[src + taps[p * K + k]];
    }
  }
  if (!withTranspose) return { a1 };
  if (!scratch.a1t || scratch.a1t.length !== rows * K) scratch.a1t = new Float32Array(rows * K);
  const a1t = scratch.a1t;
  for (let k = 0; k < K; k++) {
    let o = k * rows;
    for (let s = 0; s < b; s++) {
      const src = s * PV;
      for (let p = 0; p < P; p++) a1t[o++] = patches[src + taps[p * K + k]];
    }
  }
  return { a1, a1t };
}

/**
 * One thread's reusable state for training steps: the SIMD kernel's engine when that kernel computes the gradients,
 * else the tfjs path's im2col buffers (tensors copy them on upload, or are gone before reuse).
 */
export interface DAGradientScratch {
  simd?: SimdDAEngine;
  a1?: Float32Array;
  a1t?: Float32Array;
}

/** A thread's scratch for `kernel` (the SIMD engine holds its own WebAssembly memory). */
export function createGradientScratch(kernel: DAGradientKernel): DAGradientScratch {
  return kernel === 'wasm-simd' ? { simd: new SimdDAEngine() } : {};
}

/**
 * Forward + backward of the DA on b patches: the gradients of Σ(y − t)² / `divisor` w.r.t. every weight. The batch
 * MSE has divisor = b; a data-parallel shard passes the whole batch's size, so the shards' gradients add up to the
 * batch's. `use` receives the sum of squared errors and the gradients as read-only views (zero-copy on wasm), valid
 * only during the call: it runs before the step's tensors are freed. Inputs are not checked (callers do).
 */
export function daGradients(
  weights: DAWeights,
  patches: Float32Array,
  targets: Float32Array,
  b: number,
  divisor: number,
  scratch: DAGradientScratch,
  use: (sumSquaredErrors: number, gradients: DAWeights) => void,
): void {
  if (scratch.simd) {
    scratch.simd.run(weights, patches, targets, b, divisor, use);
    return;
  }
  const { a1, a1t } = layer1Im2col(patches, b, scratch, true);
  tf.tidy(() => {
    const w = uploadDAGraphWeights(weights);
    const f = forwardPatches(tf.tensor2d(a1, [b * P, TAPS]), b, w);
    const y = f.y.dataSync();
    // d(Σ (y − t)² / divisor)/dy = 2 (y − t) / divisor
    const dyValues = new Float32Array(b);
    let sse = 0;
    let db5 = 0;
    for (let i = 0; i < b; i++) {
      const e = y[i] - targets[i];
      sse += e * e;
      dyValues[i] = (2 * e) / divisor;
      db5 += dyValues[i];
    }
    const T = (x: tf.Tensor2D) => tf.transpose(x) as tf.Tensor2D;
    const reluBack = (dh: tf.Tensor2D, h: tf.Tensor2D) => tf.mul(dh, tf.step(h)) as tf.Tensor2D;
    // Bias gradients as ones·dZ: a plain matMul; tf.sum over axis 0 transposes internally first.
    const onesB = tf.ones([1, b]) as tf.Tensor2D;
    const onesBP = tf.ones([1, b * P]) as tf.Tensor2D;
    const dy = tf.tensor2d(dyValues, [b, 1]);
    const gW5 = tf.matMul(T(f.h4), dy);
    const dZ4 = reluBack(tf.matMul(dy, tf.reshape(w.w5, [1, DENSE2_UNITS]) as tf.Tensor2D), f.h4);
    const gW4 = tf.matMul(T(f.h3), dZ4);
    const dZ3 = reluBack(tf.matMul(dZ4, T(w.w4)), f.h3);
    const gW3 = tf.matMul(T(f.h2), dZ3);
    const dZ2 = reluBack(tf.matMul(dZ3, T(w.w3)), f.h2);
    const gW2 = tf.matMul(T(f.h1r), dZ2);
    const dH1r = tf.matMul(dZ2, T(w.w2));
    const dZ1 = reluBack(tf.reshape(dH1r, [b * P, CONV1_FILTERS]) as tf.Tensor2D, f.h1);
    const gW1 = tf.matMul(tf.tensor2d(a1t!, [TAPS, b * P]), dZ1);
    const gradientTensors: Record<Exclude<DAWeightName, 'dense3/bias'>, tf.Tensor> = {
      'conv1/kernel': gW1,
      'conv1/bias': tf.matMul(onesBP, dZ1),
      'conv2/kernel': gW2,
      'conv2/bias': tf.matMul(onesB, dZ2),
      'dense1/kernel': gW3,
      'dense1/bias': tf.matMul(onesB, dZ3),
      'dense2/kernel': gW4,
      'dense2/bias': tf.matMul(onesB, dZ4),
      'dense3/kernel': gW5,
    };
    // Views last: no tensor may be allocated after them (a heap growth would detach them).
    const gradients = { 'dense3/bias': Float32Array.of(db5) } as DAWeights;
    for (const [name, t] of Object.entries(gradientTensors)) gradients[name as DAWeightName] = readFloat32View(t);
    use(sse, gradients);
  });
}

/** Adam's constants for step t (1-based): the learning rate, betas, ε and the two bias corrections. */
export interface AdamStepConstants {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 / (1 − β1^t) and 1 / (1 − β2^t). */
  c1: number;
  c2: number;
}

export function adamStepConstants(
  t: number,
  h: { learningRate: number; beta1: number; beta2: number; epsilon: number },
): AdamStepConstants {
  return { ...h, c1: 1 / (1 - h.beta1 ** t), c2: 1 / (1 - h.beta2 ** t) };
}

/**
 * Adam as in tfjs/PyTorch on elements [from, to): w −= lr · m̂ / (√v̂ + ε), with bias-corrected moments, fused.
 * `gradient(i)` gives element i's gradient; every element's update depends on that element alone, so any split of
 * the range (data-parallel threads) gives the same result.
 */
export function adamUpdate(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  from: number,
  to: number,
  k: AdamStepConstants,
): void {
  const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr, c1, c2 } = k;
  const root = sqrt; // a local binding: an imported one is a property load per call in some module systems
  for (let i = from; i < to; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= (lr * mi * c1) / (root(vi * c2) + eps);
  }
}

/** Network outputs (normalised units) for b checked patches [b,125], in chunks (one weight upload). */
export function daPredict(weights: DAWeights, patches: Float32Array, b: number): Float32Array {
  const out = new Float32Array(b);
  const w = uploadDAGraphWeights(weights);
  try {
    for (let start = 0; start < b; start += EVAL_CHUNK) {
      const n = Math.min(EVAL_CHUNK, b - start);
      const { a1 } = layer1Im2col(patches.subarray(start * PATCH_VOXELS, (start + n) * PATCH_VOXELS), n, {}, false);
      const y = tf.tidy(() => forwardPatches(tf.tensor2d(a1, [n * P, TAPS]), n, w).y);
      out.set(y.dataSync(), start);
      y.dispose();
    }
  } finally {
    disposeDAGraphWeights(w);
  }
  return out;
}

/** The MSE of the network on a batch, without updating (any batch size). */
export function daMeanSquaredError(weights: DAWeights, patches: Float32Array, targets: Float32Array): number {
  const b = checkDABatch(patches, targets, 'evaluate');
  const y = daPredict(weights, patches, b);
  let sum = 0;
  for (let i = 0; i < b; i++) sum += (y[i] - targets[i]) ** 2;
  return sum / b;
}

/**
 * What every DA trainer shares whatever runs its steps (this thread, or worker threads over shared memory): the Adam
 * hyperparameters and step count, the weights and moments (kept in place, so shared-memory views stay valid),
 * prediction and the optimizer state for checkpoints. Subclasses supply the step, the gradients and disposal.
 */
export abstract class DATrainerBase implements DATrainer {
  readonly backend: string;
  readonly kernel: DAGradientKernel;
  learningRate: number;
  protected t = 0;
  protected readonly beta1: number;
  protected readonly beta2: number;
  protected readonly epsilon: number;
  protected disposed = false;

  constructor(
    backend: string,
    opts: DATrainerOptions,
    protected readonly weights: DAWeights,
    protected readonly m: DAWeights,
    protected readonly v: DAWeights,
  ) {
    this.backend = backend;
    this.kernel = resolveGradientKernel(opts.kernel);
    this.learningRate = opts.learningRate ?? 1e-4;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-7;
    if (!(this.learningRate > 0)) throw new Error(`learningRate must be positive, got ${this.learningRate}`);
  }

  abstract step(patches: Float32Array, targets: Float32Array): number;
  abstract gradients(patches: Float32Array, targets: Float32Array): { loss: number; gradients: DAWeights };
  abstract dispose(): void;

  protected live(what: string): void {
    if (this.disposed) throw new Error(`${what}: the trainer was disposed`);
  }

  /** Advances the step count and returns this step's Adam constants (bias corrections folded in). */
  protected nextAdamConstants(): AdamStepConstants {
    this.t += 1;
    return adamStepConstants(this.t, {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    });
  }

  predict(patches: Float32Array): Float32Array {
    this.live('predict');
    return daPredict(this.weights, patches, checkDABatch(patches, undefined, 'predict'));
  }

  evaluate(patches: Float32Array, targets: Float32Array): number {
    this.live('evaluate');
    return daMeanSquaredError(this.weights, patches, targets);
  }

  getWeights(): DAWeights {
    this.live('getWeights');
    return cloneWeights(this.weights);
  }

  averageInto(average: DAWeights, decay: number): void {
    this.live('averageInto');
    if (!(decay >= 0 && decay < 1)) throw new Error(`averageInto: decay must be in [0, 1), got ${decay}`);
    const rest = 1 - decay;
    for (const s of DA_WEIGHT_SPECS) {
      const a = average[s.name];
      const w = this.weights[s.name];
      if (!a || a.length !== w.length) throw new Error(`averageInto: ${s.name} has the wrong size`);
      for (let i = 0; i < w.length; i++) a[i] = decay * a[i] + rest * w[i];
    }
  }

  setWeights(weights: DAWeights): void {
    this.live('setWeights');
    validateWeights(weights);
    for (const s of DA_WEIGHT_SPECS) this.weights[s.name].set(weights[s.name]);
  }

  getOptimizerState(): DAOptimizerState {
    this.live('getOptimizerState');
    return {
      step: this.t,
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      firstMoment: cloneWeights(this.m),
      secondMoment: cloneWeights(this.v),
    };
  }

  setOptimizerState(state: DAOptimizerState): void {
    this.live('setOptimizerState');
    if (!state || !Number.isInteger(state.step) || state.step < 0)
      throw new Error(`optimizer state: step must be an integer ≥ 0, got ${state?.step}`);
    if (state.beta1 !== this.beta1 || state.beta2 !== this.beta2 || state.epsilon !== this.epsilon) {
      throw new Error(
        `optimizer state: betas/epsilon (${state.beta1}, ${state.beta2}, ${state.epsilon}) differ from this trainer's (${this.beta1}, ${this.beta2}, ${this.epsilon})`,
      );
    }
    try {
      validateWeights(state.firstMoment);
      validateWeights(state.secondMoment);
    } catch (err) {
      throw new Error(`optimizer state: ${(err as Error).message}`);
    }
    this.t = state.step;
    this.learningRate = state.learningRate;
    for (const s of DA_WEIGHT_SPECS) {
      this.m[s.name].set(state.firstMoment[s.name]);
      this.v[s.name].set(state.secondMoment[s.name]);
    }
  }
}

/** The one-thread trainer: each step's gradients and Adam update on this thread. */
class FastDATrainer extends DATrainerBase {
  private readonly trainScratch: DAGradientScratch;
  /** With the SIMD kernel: its engine, whose memory holds the weights and moments (no copies per step). */
  private readonly engine?: SimdDAEngine;

  constructor(backend: string, opts: DATrainerOptions) {
    if (opts.initialWeights) validateWeights(opts.initialWeights);
    const initial = opts.initialWeights ?? initDAWeights(opts.seed ?? 0);
    const engine = resolveGradientKernel(opts.kernel) === 'wasm-simd' ? new SimdDAEngine() : undefined;
    if (engine) for (const s of DA_WEIGHT_SPECS) engine.resident.weights[s.name].set(initial[s.name]);
    super(
      backend,
      opts,
      engine?.resident.weights ?? cloneWeights(initial),
      engine?.resident.firstMoment ?? zerosLike(),
      engine?.resident.secondMoment ?? zerosLike(),
    );
    this.engine = engine;
    this.trainScratch = engine ? { simd: engine } : createGradientScratch(this.kernel);
  }

  gradients(patches: Float32Array, targets: Float32Array): { loss: number; gradients: DAWeights } {
    this.live('gradients');
    const b = checkDABatch(patches, targets, 'gradients');
    let result: { loss: number; gradients: DAWeights } | undefined;
    daGradients(this.weights, patches, targets, b, b, this.trainScratch, (sse, gradients) => {
      result = { loss: sse / b, gradients: cloneWeights(gradients) };
    });
    return result!;
  }

  step(patches: Float32Array, targets: Float32Array): number {
    this.live('step');
    const b = checkDABatch(patches, targets, 'step');
    let batchLoss = NaN;
    daGradients(this.weights, patches, targets, b, b, this.trainScratch, (sse, gradients) => {
      const k = this.nextAdamConstants();
      if (this.engine) this.engine.adam(k);
      else
        for (const s of DA_WEIGHT_SPECS) {
          const w = this.weights[s.name];
          adamUpdate(w, this.m[s.name], this.v[s.name], gradients[s.name], 0, w.length, k);
        }
      batchLoss = sse / b;
    });
    return batchLoss;
  }

  dispose(): void {
    this.disposed = true;
  }
}

function zerosLike(): DAWeights {
  const out = {} as DAWeights;
  for (const s of DA_WEIGHT_SPECS) out[s.name] = new Float32Array(weightSize(s));
  return out;
}

/** A DA trainer on the active (or given) tfjs backend. Weights live in JavaScript; no tensors outlive a call. */
export async function createDATrainer(opts: DATrainerOptions = {}): Promise<DATrainer> {
  return new FastDATrainer(await useBackend(opts.backend, 'createDATrainer'), opts);
}

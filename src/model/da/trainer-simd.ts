// The DA training step's forward and backward pass on WebAssembly SIMD (trainer-simd.wat): the same products as the
// tfjs path of trainer.ts (which tests compare against), without tfjs. Every product is one call of the kernel's
// `gemm`, with bias + ReLU fused into the forward products and the ReLU backward mask into the backward ones; the
// weight gradients Xᵀ·dZ read X transposed in place and the bias gradients are 1ᵀ·dZ, so only the three small
// weight matrices the backward pass multiplies by on the right (W2ᵀ, W3ᵀ, W4ᵀ) are transposed, once per call.
// Pure typed arrays and WebAssembly: runs on the main thread and in worker threads alike.
import {
  DA_PARAMETER_COUNT,
  flatWeightViews,
  CONV1_FILTERS,
  CONV2_FAN_IN,
  CONV2_FILTERS,
  DA_WEIGHT_SPECS,
  type DAWeightName,
  type DAWeights,
  DENSE1_UNITS,
  DENSE2_UNITS,
  PATCH_VOXELS,
  TAPS,
  weightSize,
} from './architecture';
import { LAYER1_POSITIONS, LAYER1_TAPS } from './patches';
import type { AdamStepConstants } from './trainer';
import { DA_TRAINER_SIMD_WASM_BASE64 } from './trainer-simd-wasm';
import { lazySimdModule } from '../../core/simdModule';

interface KernelExports {
  memory: WebAssembly.Memory;
  gemm(...args: number[]): void;
  transpose(from: number, rows: number, cols: number, to: number): void;
  adam(w: number, m: number, v: number, g: number, n: number, ...constants: number[]): void;
}

/** A new instance of the kernel (each has its own memory). */
function instantiate(): KernelExports {
  const mod = simdModule();
  if (!mod) throw new Error('DA SIMD trainer: this JavaScript engine has no WebAssembly SIMD');
  return new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
}

/** The compiled module, or null where WebAssembly SIMD is unavailable (compiled once per thread). */
const simdModule = lazySimdModule(DA_TRAINER_SIMD_WASM_BASE64);

/** Whether this JavaScript engine runs the SIMD training kernel (Node ≥ 16, every current browser). */
export function daTrainerSimdAvailable(): boolean {
  return simdModule() !== null;
}

const P = LAYER1_POSITIONS;
// Module-local copies of the imported sizes: loops read them per iteration, and under a CommonJS transpiler an
// imported binding is a getter call.
const K = TAPS;
const PV = PATCH_VOXELS;
const F1 = CONV1_FILTERS;
const F2 = CONV2_FILTERS;
const D1 = DENSE1_UNITS;
const D2 = DENSE2_UNITS;
const K2 = CONV2_FAN_IN;
const WASM_PAGE = 65536;
/** Depth of one k block: a 256-deep slice of W2 (256 KB) stays in a 512 KB L2 while every batch row passes. */
const K_BLOCK = 256;

/** Per-sample activation and gradient buffers (floats per patch), in the order they are laid out. */
const PER_SAMPLE = {
  a1: P * K,
  h1: K2,
  h2: F2,
  h3: D1,
  h4: D2,
  dy: 1,
  dz4: D2,
  dz3: D1,
  dz2: F2,
  dz1: K2,
} as const;
type BatchBuffer = keyof typeof PER_SAMPLE;

const align16 = (floats: number) => (floats + 15) & ~15; // 64-byte regions

/**
 * One thread's SIMD training engine: a kernel instance whose memory holds the weights, Adam's moments, the gradients
 * and the batch's activations (grown for larger batches, never shrunk). `resident` views its weights and moments:
 * a trainer that keeps its parameters there trains without copying them (`run` with `resident.weights`, then
 * `adam`). The view records stay the same objects; their arrays are replaced when the memory grows.
 * @example const e = new SimdDAEngine(); e.run(e.resident.weights, patches, targets, b, b, (sse, g) => …); e.adam(k);
 */
export class SimdDAEngine {
  readonly resident: { weights: DAWeights; firstMoment: DAWeights; secondMoment: DAWeights };
  private readonly kernel: KernelExports;
  /** Float offsets of the flat weights, moments and gradients (DA_WEIGHT_SPECS order), the transposed copies and 1. */
  private readonly flat: { w: number; m: number; v: number; g: number };
  private readonly w = {} as Record<DAWeightName, number>;
  private readonly g = {} as Record<DAWeightName, number>;
  private readonly w2t: number;
  private readonly w3t: number;
  private readonly w4t: number;
  private readonly one: number;
  private readonly fixedTop: number;
  /** Parameters rounded up to an even count (Adam takes pairs; the pad stays 0). */
  private readonly count = (DA_PARAMETER_COUNT + 1) & ~1;
  private batch = {} as Record<BatchBuffer, number>;
  private capacity = 0;
  private heap!: Float32Array;

  constructor() {
    this.kernel = instantiate();
    let top = 16;
    const take = (floats: number) => {
      const at = top;
      top += align16(floats);
      return at;
    };
    this.flat = { w: take(this.count), m: take(this.count), v: take(this.count), g: take(this.count) };
    let at = 0;
    for (const s of DA_WEIGHT_SPECS) {
      this.w[s.name] = this.flat.w + at;
      this.g[s.name] = this.flat.g + at;
      at += weightSize(s);
    }
    this.w2t = take(K2 * F2);
    this.w3t = take(F2 * D1);
    this.w4t = take(D1 * D2);
    this.one = take(1);
    this.fixedTop = top;
    this.resident = { weights: {} as DAWeights, firstMoment: {} as DAWeights, secondMoment: {} as DAWeights };
    this.ensureBytes(top * 4);
    this.heap[this.one] = 1;
  }

  /** The weights as one flat view (DA_WEIGHT_SPECS order); valid until the memory grows. */
  flatWeights(): Float32Array {
    return this.heap.subarray(this.flat.w, this.flat.w + DA_PARAMETER_COUNT);
  }

  /** Grows the memory to `bytes` if needed and (re)makes every view of it, the resident records' included. */
  private ensureBytes(bytes: number): void {
    const memory = this.kernel.memory;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / WASM_PAGE));
    if (this.heap?.buffer === memory.buffer) return;
    this.heap = new Float32Array(memory.buffer);
    const refresh = (record: DAWeights, from: number) =>
      Object.assign(record, flatWeightViews(this.heap.subarray(from, from + DA_PARAMETER_COUNT)));
    refresh(this.resident.weights, this.flat.w);
    refresh(this.resident.firstMoment, this.flat.m);
    refresh(this.resident.secondMoment, this.flat.v);
  }

  /** Lays out the batch buffers for at least b patches. */
  private reserve(b: number): void {
    if (b <= this.capacity) return;
    let top = this.fixedTop;
    const batch = {} as Record<BatchBuffer, number>;
    for (const [name, perSample] of Object.entries(PER_SAMPLE)) {
      batch[name as BatchBuffer] = top;
      top += align16(perSample * b);
    }
    this.ensureBytes(top * 4);
    this.batch = batch;
    this.capacity = b;
  }

  /**
   * C = A·B (+ bias, ReLU, mask) in float offsets; A(i, k) at a + i·aRow + k·aDepth (floats). k is split into
   * K_BLOCK-deep blocks that continue the same sums (the epilogue goes with the last block).
   */
  private gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    aRow: number,
    aDepth: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    epilogue: { bias?: number; relu?: boolean; mask?: number } = {},
  ): void {
    for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
      const last = k0 + K_BLOCK >= k;
      this.kernel.gemm(
        m,
        n,
        Math.min(K_BLOCK, k - k0),
        4 * (a + k0 * aDepth),
        4 * aRow,
        4 * aDepth,
        4 * (b + k0 * ldb),
        4 * ldb,
        4 * c,
        4 * ldc,
        last && epilogue.bias !== undefined ? 4 * epilogue.bias : 0,
        last && epilogue.relu ? 1 : 0,
        last && epilogue.mask !== undefined ? 4 * epilogue.mask : 0,
        k0 > 0 ? 1 : 0,
      );
    }
  }

  /**
   * Forward + backward on b patches: the gradients of Σ(y − t)² / divisor (contract of trainer.daGradients). `use`
   * gets views into the kernel's memory, valid only during the call.
   */
  run(
    weights: DAWeights,
    patches: Float32Array,
    targets: Float32Array,
    b: number,
    divisor: number,
    use: (sumSquaredErrors: number, gradients: DAWeights) => void,
  ): void {
    if (!(b >= 1)) throw new Error(`DA SIMD trainer: need at least one patch, got ${b}`);
    this.reserve(b);
    const h = this.heap;
    const { w, g } = this;
    const x = this.batch;
    if (weights !== this.resident.weights) for (const s of DA_WEIGHT_SPECS) h.set(weights[s.name], w[s.name]);
    this.kernel.transpose(4 * w['conv2/kernel'], K2, F2, 4 * this.w2t);
    this.kernel.transpose(4 * w['dense1/kernel'], F2, D1, 4 * this.w3t);
    this.kernel.transpose(4 * w['dense2/kernel'], D1, D2, 4 * this.w4t);

    // Layer-1 im2col: A1 [b·27, 27].
    const taps = LAYER1_TAPS;
    const rowTaps = P * K;
    for (let s = 0, o = x.a1; s < b; s++) {
      const src = s * PV;
      for (let q = 0; q < rowTaps; q++) h[o++] = patches[src + taps[q]];
    }

    // Forward: H1 [b·27, 64] = [b, 1728] → H2 [b, 256] → H3 [b, 32] → H4 [b, 256] → y [b].
    this.gemm(b * P, F1, K, x.a1, K, 1, w['conv1/kernel'], F1, x.h1, F1, { bias: w['conv1/bias'], relu: true });
    this.gemm(b, F2, K2, x.h1, K2, 1, w['conv2/kernel'], F2, x.h2, F2, { bias: w['conv2/bias'], relu: true });
    this.gemm(b, D1, F2, x.h2, F2, 1, w['dense1/kernel'], D1, x.h3, D1, { bias: w['dense1/bias'], relu: true });
    this.gemm(b, D2, D1, x.h3, D1, 1, w['dense2/kernel'], D2, x.h4, D2, { bias: w['dense2/bias'], relu: true });
    // The last layer has one unit (n = 1 is no SIMD width): dot products here; then dy = 2 (y − t) / divisor.
    const w5 = w['dense3/kernel'];
    const b5 = h[w['dense3/bias']];
    let sse = 0;
    let db5 = 0;
    for (let i = 0; i < b; i++) {
      let y = 0;
      for (let n = 0, r = x.h4 + i * D2; n < D2; n++) y += h[r + n] * h[w5 + n];
      const e = Math.fround(Math.fround(y) + b5) - targets[i];
      sse += e * e;
      const dy = Math.fround((2 * e) / divisor);
      h[x.dy + i] = dy;
      db5 += dy;
    }

    // Backward. Weight gradients Xᵀ·dZ read X transposed in place (aRow 1, aDepth = X's row length); bias
    // gradients are 1ᵀ·dZ (A = the constant 1 with both strides 0).
    const sumRows = (dz: number, rows: number, cols: number, to: number) =>
      this.gemm(1, cols, rows, this.one, 0, 0, dz, cols, to, cols);
    this.gemm(1, D2, b, x.dy, 0, 1, x.h4, D2, g['dense3/kernel'], D2); // gW5 = dyᵀ·H4 (= H4ᵀ·dy, laid out [256, 1])
    this.gemm(b, D2, 1, x.dy, 1, 1, w5, D2, x.dz4, D2, { mask: x.h4 }); // dZ4 = (dy·w5ᵀ) ⊙ [H4 > 0]
    this.gemm(D1, D2, b, x.h3, 1, D1, x.dz4, D2, g['dense2/kernel'], D2);
    sumRows(x.dz4, b, D2, g['dense2/bias']);
    this.gemm(b, D1, D2, x.dz4, D2, 1, this.w4t, D1, x.dz3, D1, { mask: x.h3 });
    this.gemm(F2, D1, b, x.h2, 1, F2, x.dz3, D1, g['dense1/kernel'], D1);
    sumRows(x.dz3, b, D1, g['dense1/bias']);
    this.gemm(b, F2, D1, x.dz3, D1, 1, this.w3t, F2, x.dz2, F2, { mask: x.h2 });
    this.gemm(K2, F2, b, x.h1, 1, K2, x.dz2, F2, g['conv2/kernel'], F2);
    sumRows(x.dz2, b, F2, g['conv2/bias']);
    // dZ1 [b, 1728] = [b·27, 64] = (dZ2·W2ᵀ) ⊙ [H1 > 0]; then gW1 = A1ᵀ·dZ1 over all b·27 positions.
    this.gemm(b, K2, F2, x.dz2, F2, 1, this.w2t, K2, x.dz1, K2, { mask: x.h1 });
    this.gemm(K, F1, b * P, x.a1, 1, K, x.dz1, F1, g['conv1/kernel'], F1);
    sumRows(x.dz1, b * P, F1, g['conv1/bias']);
    h[g['dense3/bias']] = db5;

    const gradients = {} as DAWeights;
    for (const s of DA_WEIGHT_SPECS) gradients[s.name] = h.subarray(g[s.name], g[s.name] + weightSize(s));
    use(sse, gradients);
  }

  /**
   * One Adam step of the resident parameters with the gradients of the last `run` (or these, flat in
   * DA_WEIGHT_SPECS order): the kernel's float64 Adam, the same bits as trainer.adamUpdate.
   */
  adam(k: AdamStepConstants, gradients?: Float32Array): void {
    if (gradients) this.heap.set(gradients, this.flat.g);
    const { w, m, v, g } = this.flat;
    this.kernel.adam(4 * w, 4 * m, 4 * v, 4 * g, this.count, k.learningRate, k.beta1, k.beta2, k.epsilon, k.c1, k.c2);
  }
}

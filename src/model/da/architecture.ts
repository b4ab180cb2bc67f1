// The paper's denoising autoencoder (Table 1), defined once: layer sizes, weight layout and checks (no tfjs; the same
// network as a tfjs LayersModel is layers-model.ts).
import { isFiniteNumber } from '../../core/math';

/** Edge of the cubic input patch (5×5×5 voxels → one denoised centre voxel). */
export const PATCH_SIZE = 5;
export const PATCH_VOXELS = PATCH_SIZE ** 3;
/** Voxels each side of the centre that one output depends on. */
export const PATCH_RADIUS = 2;
export const CONV1_FILTERS = 64;
export const CONV2_FILTERS = 256;
export const DENSE1_UNITS = 32;
export const DENSE2_UNITS = 256;
/** Taps of a 3³ kernel. */
export const TAPS = 27;
/** Rows of the layer-2 im2col matrix: 27 taps × 64 channels. */
export const CONV2_FAN_IN = TAPS * CONV1_FILTERS;

export type DAWeightName =
  | 'conv1/kernel'
  | 'conv1/bias'
  | 'conv2/kernel'
  | 'conv2/bias'
  | 'dense1/kernel'
  | 'dense1/bias'
  | 'dense2/kernel'
  | 'dense2/bias'
  | 'dense3/kernel'
  | 'dense3/bias';

export interface DAWeightSpec {
  name: DAWeightName;
  /** Keras/tfjs shape: conv kernels [kd, kh, kw, in, out] (kd = z, kh = y, kw = x), dense kernels [in, out]. */
  shape: number[];
  /** Fan-in/out for Glorot initialisation (Keras counts the receptive field for convolutions). */
  fanIn: number;
  fanOut: number;
}

/** Every weight of the network in LayersModel order. Names equal the saved tfjs weight names. */
export const DA_WEIGHT_SPECS: readonly DAWeightSpec[] = [
  { name: 'conv1/kernel', shape: [3, 3, 3, 1, CONV1_FILTERS], fanIn: TAPS, fanOut: TAPS * CONV1_FILTERS },
  { name: 'conv1/bias', shape: [CONV1_FILTERS], fanIn: 0, fanOut: 0 },
  {
    name: 'conv2/kernel',
    shape: [3, 3, 3, CONV1_FILTERS, CONV2_FILTERS],
    fanIn: CONV2_FAN_IN,
    fanOut: TAPS * CONV2_FILTERS,
  },
  { name: 'conv2/bias', shape: [CONV2_FILTERS], fanIn: 0, fanOut: 0 },
  { name: 'dense1/kernel', shape: [CONV2_FILTERS, DENSE1_UNITS], fanIn: CONV2_FILTERS, fanOut: DENSE1_UNITS },
  { name: 'dense1/bias', shape: [DENSE1_UNITS], fanIn: 0, fanOut: 0 },
  { name: 'dense2/kernel', shape: [DENSE1_UNITS, DENSE2_UNITS], fanIn: DENSE1_UNITS, fanOut: DENSE2_UNITS },
  { name: 'dense2/bias', shape: [DENSE2_UNITS], fanIn: 0, fanOut: 0 },
  { name: 'dense3/kernel', shape: [DENSE2_UNITS, 1], fanIn: DENSE2_UNITS, fanOut: 1 },
  { name: 'dense3/bias', shape: [1], fanIn: 0, fanOut: 0 },
];

/** All weights as plain arrays in Keras layout; the backend-independent form the model layer passes around. */
export type DAWeights = Record<DAWeightName, Float32Array>;

export const DA_PARAMETER_COUNT = DA_WEIGHT_SPECS.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);

/**
 * Floating-point operations (multiply + add = 2) per denoised voxel in the fully convolutional forward pass:
 * 27·64 + 1728·256 + 256·32 + 32·256 + 256·1 multiply-adds ≈ 0.92 MFLOP. Used for GFLOP/s reporting.
 */
export const DA_FLOPS_PER_VOXEL =
  2 *
  (TAPS * CONV1_FILTERS +
    CONV2_FAN_IN * CONV2_FILTERS +
    CONV2_FILTERS * DENSE1_UNITS +
    DENSE1_UNITS * DENSE2_UNITS +
    DENSE2_UNITS);

/** Layer summary written into the model card (and checked against saved topologies). */
export const DA_LAYER_SUMMARY: readonly string[] = [
  'Conv3D 64 × 3³ valid + ReLU',
  'Conv3D 256 × 3³ valid + ReLU',
  'Flatten',
  'Dense 32 + ReLU',
  'Dense 256 + ReLU',
  'Dense 1 (linear)',
];

export function weightSize(spec: DAWeightSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/** Throws a clear error unless `weights` holds every DA weight with the right length and only finite values. */
export function validateWeights(weights: Partial<Record<string, Float32Array>>): asserts weights is DAWeights {
  if (!weights || typeof weights !== 'object') throw new Error('DA weights must be an object of Float32Arrays');
  for (const s of DA_WEIGHT_SPECS) {
    const w = weights[s.name];
    if (!(w instanceof Float32Array))
      throw new Error(`DA weights lack "${s.name}" (a Float32Array of shape [${s.shape}])`);
    if (w.length !== weightSize(s)) {
      throw new Error(`DA weight "${s.name}" has ${w.length} values but shape [${s.shape}] needs ${weightSize(s)}`);
    }
    for (let i = 0; i < w.length; i++) {
      if (!isFiniteNumber(w[i])) throw new Error(`DA weight "${s.name}" holds a non-finite value at ${i}`);
    }
  }
  const extra = Object.keys(weights).filter((k) => !DA_WEIGHT_SPECS.some((s) => s.name === k));
  if (extra.length) throw new Error(`DA weights have unknown entries: ${extra.join(', ')}`);
}

export function cloneWeights(w: DAWeights): DAWeights {
  const out = {} as DAWeights;
  for (const s of DA_WEIGHT_SPECS) out[s.name] = new Float32Array(w[s.name]);
  return out;
}

/** The weights as views into one flat array, in DA_WEIGHT_SPECS order (shared or WebAssembly memory). */
export function flatWeightViews(flat: Float32Array): DAWeights {
  const out = {} as DAWeights;
  let at = 0;
  for (const s of DA_WEIGHT_SPECS) {
    out[s.name] = flat.subarray(at, at + weightSize(s));
    at += weightSize(s);
  }
  return out;
}

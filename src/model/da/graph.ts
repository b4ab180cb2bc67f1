// The DA's compute graph, written once: weights uploaded in matMul layout and the forward pass, shared by inference
// (infer.ts, tiles of a whole volume) and training (trainer.ts, batches of patches, whose backward pass reads the
// activations). Convolutions run as plain matMuls on im2col rows and the dense layers as 1×1×1 convolutions;
// `createDAModel` (layers-model.ts) is the same network as a tfjs LayersModel, kept for the saved format.
import { tf } from '../tf';
import {
  CONV1_FILTERS,
  CONV2_FAN_IN,
  CONV2_FILTERS,
  type DAWeights,
  DENSE1_UNITS,
  DENSE2_UNITS,
  TAPS,
} from './architecture';

/** The weights as tensors: kernels as matMul operands [fan-in, units], and 5-D kernels for the conv3d path. */
export interface DAGraphWeights {
  /** conv1 kernel [27, 64] (tap order (kd·3 + kh)·3 + kw). */
  w1: tf.Tensor2D;
  b1: tf.Tensor1D;
  /** conv2 kernel [1728, 256]: row = tap · 64 + input channel. */
  w2: tf.Tensor2D;
  b2: tf.Tensor1D;
  w3: tf.Tensor2D;
  b3: tf.Tensor1D;
  w4: tf.Tensor2D;
  b4: tf.Tensor1D;
  w5: tf.Tensor2D;
  b5: tf.Tensor1D;
  /** conv1 and conv2 kernels [3, 3, 3, in, out], only when uploaded with `conv3d`. */
  k1?: tf.Tensor5D;
  k2?: tf.Tensor5D;
}

/**
 * Uploads plain weights to the active backend.
 * @param conv3d - also upload the 5-D convolution kernels (for `convFeatures`)
 * @returns tensors the caller disposes (`disposeDAGraphWeights`, or a surrounding tf.tidy)
 */
export function uploadDAGraphWeights(w: DAWeights, conv3d = false): DAGraphWeights {
  return {
    w1: tf.tensor2d(w['conv1/kernel'], [TAPS, CONV1_FILTERS]),
    b1: tf.tensor1d(w['conv1/bias']),
    w2: tf.tensor2d(w['conv2/kernel'], [CONV2_FAN_IN, CONV2_FILTERS]),
    b2: tf.tensor1d(w['conv2/bias']),
    w3: tf.tensor2d(w['dense1/kernel'], [CONV2_FILTERS, DENSE1_UNITS]),
    b3: tf.tensor1d(w['dense1/bias']),
    w4: tf.tensor2d(w['dense2/kernel'], [DENSE1_UNITS, DENSE2_UNITS]),
    b4: tf.tensor1d(w['dense2/bias']),
    w5: tf.tensor2d(w['dense3/kernel'], [DENSE2_UNITS, 1]),
    b5: tf.tensor1d(w['dense3/bias']),
    ...(conv3d
      ? {
          k1: tf.tensor5d(w['conv1/kernel'], [3, 3, 3, 1, CONV1_FILTERS]),
          k2: tf.tensor5d(w['conv2/kernel'], [3, 3, 3, CONV1_FILTERS, CONV2_FILTERS]),
        }
      : {}),
  };
}

export function disposeDAGraphWeights(t: DAGraphWeights): void {
  for (const x of Object.values(t)) (x as tf.Tensor | undefined)?.dispose();
}

/** Layer 1 on im2col rows: [N, 27] → ReLU(rows · W1 + b1) [N, 64]. */
export function layer1(rows: tf.Tensor2D, t: DAGraphWeights): tf.Tensor2D {
  return tf.fused.matMul({ a: rows, b: t.w1, bias: t.b1, activation: 'relu' }) as tf.Tensor2D;
}

/** Layer 2 on im2col rows of layer-1 output: [C, 1728] → [C, 256]. */
export function layer2(rows: tf.Tensor2D, t: DAGraphWeights): tf.Tensor2D {
  return tf.fused.matMul({ a: rows, b: t.w2, bias: t.b2, activation: 'relu' }) as tf.Tensor2D;
}

/** The dense layers' activations: 256 → 32 (ReLU) → 256 (ReLU) → 1 (linear). */
export interface DenseActivations {
  h3: tf.Tensor2D;
  h4: tf.Tensor2D;
  y: tf.Tensor2D;
}

export function denseLayers(h2: tf.Tensor2D, t: DAGraphWeights): DenseActivations {
  const h3 = tf.fused.matMul({ a: h2, b: t.w3, bias: t.b3, activation: 'relu' }) as tf.Tensor2D;
  const h4 = tf.fused.matMul({ a: h3, b: t.w4, bias: t.b4, activation: 'relu' }) as tf.Tensor2D;
  const y = tf.fused.matMul({ a: h4, b: t.w5, bias: t.b5 }) as tf.Tensor2D;
  return { h3, h4, y };
}

/** Every activation of a batch of B patches, for the backward pass. */
export interface PatchActivations extends DenseActivations {
  /** Layer 1 [B·27, 64]: 27 positions per patch. */
  h1: tf.Tensor2D;
  /** h1 seen as [B, 1728]: one patch's whole layer-1 output is its layer-2 im2col row. */
  h1r: tf.Tensor2D;
  h2: tf.Tensor2D;
}

/**
 * The forward pass on B 5×5×5 patches.
 * @param a1 - layer-1 im2col rows [B·27, 27] (27 positions per patch, patch by patch)
 * @returns every activation; `y` [B, 1] is the network output
 */
export function forwardPatches(a1: tf.Tensor2D, b: number, t: DAGraphWeights): PatchActivations {
  const h1 = layer1(a1, t);
  const h1r = tf.reshape(h1, [b, CONV2_FAN_IN]) as tf.Tensor2D;
  const h2 = layer2(h1r, t);
  return { h1, h1r, h2, ...denseLayers(h2, t) };
}

/**
 * Layers 1 and 2 as native 3-D convolutions over a whole box (the conv3d formulation).
 * @param x - [1, D + 4, H + 4, W + 4, 1]: the box with a 2-voxel margin
 * @returns layer-2 features [D·H·W, 256], voxel order x fastest; needs weights uploaded with `conv3d`
 */
export function convFeatures(x: tf.Tensor5D, t: DAGraphWeights): tf.Tensor2D {
  if (!t.k1 || !t.k2) throw new Error('convFeatures: upload the weights with conv3d = true');
  const h1 = tf.relu(tf.add(tf.conv3d(x, t.k1, 1, 'valid'), t.b1)) as tf.Tensor5D;
  const h2 = tf.relu(tf.add(tf.conv3d(h1, t.k2, 1, 'valid'), t.b2));
  const [, d, h, w] = h2.shape;
  return tf.reshape(h2, [d * h * w, CONV2_FILTERS]) as tf.Tensor2D;
}

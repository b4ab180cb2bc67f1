// The DA graph as a tfjs LayersModel: the saved format (model.json) and the reference the engines are tested against.
// Kept apart from architecture.ts (the shapes and checks, no tfjs) so that loading and checking weights, splitting work
// over workers and training on the WebAssembly kernel never load TensorFlow.js.
import { tf, tfl } from '../tf';
import {
  CONV1_FILTERS,
  CONV2_FILTERS,
  DA_WEIGHT_SPECS,
  type DAWeights,
  DENSE1_UNITS,
  DENSE2_UNITS,
  PATCH_SIZE,
  validateWeights,
} from './architecture';

/**
 * The network as a tfjs LayersModel on [batch, 5, 5, 5, 1] patches (axes z, y, x, channel) → [batch, 1].
 * Inference and training do not run this graph (they use im2col + plain matMul), but share its weights and format.
 */
export function createDAModel(weights?: DAWeights): tfl.LayersModel {
  const model = tfl.sequential({
    name: 'sodium_da',
    layers: [
      tfl.layers.conv3d({
        name: 'conv1',
        inputShape: [PATCH_SIZE, PATCH_SIZE, PATCH_SIZE, 1],
        filters: CONV1_FILTERS,
        kernelSize: 3,
        padding: 'valid',
        activation: 'relu',
      }),
      tfl.layers.conv3d({ name: 'conv2', filters: CONV2_FILTERS, kernelSize: 3, padding: 'valid', activation: 'relu' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ name: 'dense1', units: DENSE1_UNITS, activation: 'relu' }),
      tfl.layers.dense({ name: 'dense2', units: DENSE2_UNITS, activation: 'relu' }),
      tfl.layers.dense({ name: 'dense3', units: 1 }),
    ],
  });
  if (weights) setModelWeights(model, weights);
  return model;
}

/** Copies plain weights into a LayersModel built by createDAModel. */
export function setModelWeights(model: tfl.LayersModel, weights: DAWeights): void {
  validateWeights(weights);
  const tensors = DA_WEIGHT_SPECS.map((s) => tf.tensor(weights[s.name], s.shape, 'float32'));
  try {
    model.setWeights(tensors);
  } finally {
    tensors.forEach((t) => t.dispose());
  }
}

/** Reads a LayersModel's weights into plain arrays, checking names and shapes against the architecture. */
export function getModelWeights(model: tfl.LayersModel): DAWeights {
  const vars = model.getWeights();
  if (vars.length !== DA_WEIGHT_SPECS.length) {
    throw new Error(`model has ${vars.length} weight tensors; the DA has ${DA_WEIGHT_SPECS.length}`);
  }
  const out = {} as DAWeights;
  DA_WEIGHT_SPECS.forEach((s, i) => {
    const t = vars[i];
    if (t.shape.join(',') !== s.shape.join(',')) {
      throw new Error(`model weight ${i} has shape [${t.shape}] but ${s.name} needs [${s.shape}]`);
    }
    out[s.name] = new Float32Array(t.dataSync());
  });
  return out;
}

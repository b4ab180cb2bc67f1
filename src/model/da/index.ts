// The DA engine's public surface: architecture, weights I/O, inference, patches, training.
export {
  DA_FLOPS_PER_VOXEL,
  DA_PARAMETER_COUNT,
  DA_WEIGHT_SPECS,
  PATCH_SIZE,
  PATCH_VOXELS,
  cloneWeights,
  validateWeights,
  type DAWeightName,
  type DAWeights,
} from './architecture';
export { createDAModel, getModelWeights, setModelWeights } from './layers-model';
export {
  architectureSection,
  MODEL_CARD_FORMAT,
  parseModelCard,
  type ModelCard,
  type ModelCardTraining,
  type TrainingRange,
} from './card';
export { DA_FORMULATIONS, DEFAULT_FORMULATION, defaultFormulation, type DAFormulation } from './formulations';
export { denoiseDA, type DenoiseDAOptions, type DenoiseDAResult } from './infer';
export { initDAWeights } from './init';
export {
  computeDAScale,
  computeVolumeScale,
  DEFAULT_NORMALISATION,
  normalisationRegion,
  sigmaNormalisation,
  type DANormalisation,
} from './normalise';
export { extractPatches, reflectIndex } from './patches';
export { defaultWeightsSource, fileIOHandler, loadDA, saveDA, toLayersModel, type LoadedDA } from './weights-io';
export { createDATrainer, type DAOptimizerState, type DATrainer, type DATrainerOptions } from './trainer';
export {
  DEFAULT_MODEL_JSON,
  defaultModelName,
  MODEL_NAMES,
  modelWeightsSource,
  parseModelName,
  resolveWeightsSource,
  weightsRoot,
  type ModelName,
} from './models';

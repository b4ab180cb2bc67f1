// Viewer-independent jobs (no OHIF, no files): what the viewer's commands and the CLI both call.
export {
  analyseInputAhead,
  denoiseVolume,
  type DenoiseDARequest,
  type DenoiseMetrics,
  type DenoiseNlmRequest,
  type DenoiseOptions,
  type DenoiseParameters,
  type DenoiseRequest,
  type DenoiseResult,
  type JobPhases,
  type ReferenceKind,
} from './denoise';
export { createInputMemo, type InputMemo } from './input-memo';
export {
  concentrationMapJob,
  residualJob,
  describeCalibration,
  parseTubePositions,
  parseConcentrations,
  DEFAULT_TUBE_CONCENTRATIONS_MM,
  type ConcentrationRequest,
  type ConcentrationResult,
} from './concentration';

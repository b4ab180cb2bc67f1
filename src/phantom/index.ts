// The synthetic sodium cohort: generate subjects in memory (browser-safe) — see cohort-writer.ts to write them to disk.
export { generateSubject, subjectId, acquisitionGrid } from './subject';
export { DEFAULT_PHANTOM_PARAMS, resolvePhantomParams, validatePhantomParams, minimumFovMm } from './params';
export { PHANTOM_GENERATOR, PHANTOM_VERSION } from './version';
export { TISSUE_LABEL, TISSUE_NAMES } from './types';
export type {
  PhantomParams,
  PhantomParamsInput,
  PhantomSubject,
  PhantomTube,
  PhantomLesion,
  PhantomPose,
  TubeSpec,
  TubeSide,
  TissueName,
  TissueLabel,
  TissueLabelName,
  ConcentrationRange,
} from './types';

// Binary masks on a Volume's grid, by concern: basics and boolean operations, boxes (crop/pad), distance,
// morphology, connected components.
export {
  type Dims,
  countMask,
  maskVolumeMl,
  dice,
  thresholdMask,
  aboveMask,
  atOrBelowMask,
  and,
  andNot,
  or,
  not,
  centroid,
} from './ops';
export * from './box';
export * from './distance';
export * from './morphology';
export {
  type Components,
  type Connectivity,
  borderVoxels,
  connectedComponents,
  flood,
  growKernelAvailable,
  largestComponent,
} from './components';

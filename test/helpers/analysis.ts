// What the job's analysis of an input holds once made ahead of a run (analyseInputAhead; the viewer's prefetch), by
// memo key, sorted: the tests of the job and of the viewer check the same list.
export const ANALYSED_AHEAD = [
  'background',
  'brainMaskSteps',
  'head',
  'metricsBasis',
  'noise',
  'noiseCorrelations',
  'regime',
] as const;

// Denoising on a PACS (browser-safe): find sodium series over DICOMweb, denoise, store DERIVED series idempotently.
export { parseShard, shardOf, inShard, WHOLE, type Shard } from './shard';
export {
  findSeries,
  lookUpSeries,
  classifySeries,
  classifyingAttributes,
  type PacsSeries,
  type SeriesSelection,
  type SeriesClass,
} from './series';
export {
  denoiseSeriesOnPacs,
  RESEARCH_USE,
  type PacsDenoiseJob,
  type SeriesOutcome,
  type SeriesStatus,
} from './denoiseSeries';
export { runBatch, countOutcome, emptyCounts, type BatchEvent, type BatchSummary } from './batch';

// Browser-safe DICOM API (no Node modules): reading Part-10 buffers into volumes and writing volumes as series.
export { parseDicomFiles, scanDicomFiles, nucleusOf } from './read';
export { imageTypeOf } from './values';
export {
  writeDicomSeries,
  MR_IMAGE_STORAGE,
  SODIUM_MHZ_PER_TESLA,
  DERIVATION_SMOOTHING,
  UNITS_MILLIMOLAR,
  type RealWorldValue,
  type DicomWriteOptions,
  type DicomDerivation,
  type DicomDerivationSource,
  type DicomCode,
} from './write';
export type { DicomSeries, DicomScan, RejectedSeries, DicomInputFile, DicomParseOptions } from './types';
export { newUid, isValidUid } from './uid';
export { chooseRescale, quantize, type Rescale } from './quantize';
export { describeTransferSyntax, isSupportedTransferSyntax } from './transfer-syntax';
export { getString, getNumber, getNumbers, getItems, formatDS, type DicomDataset } from './values';
export { describeSeries, seriesSummary, scanSummaries, type SeriesSummary } from './summary';

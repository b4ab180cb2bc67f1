// Public I/O API (Node): DICOM (browser-safe core + folder helpers), NIfTI, and the CLI's volume input/output.
export * from './dicom/index';
export {
  readDicomFolder,
  scanDicomFolder,
  writeDicomSeriesFiles,
  readDicomInputs,
  listFilesRecursive,
} from './dicom/node-files';
export * from './nifti';
export { readNifti, writeNifti, type NiftiReadOptions } from './nifti-codec';
export * from './volume-file';
export * from './cohort';

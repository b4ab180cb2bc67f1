// What the viewer keeps about each derived series it made (the service's `results`, by display set UID): what Save
// writes and what re-creates the Cornerstone volume if the cache evicted it.
import type { Volume } from '../core/volume';
import type { DisplaySet, NaturalInstance } from './ohif';
import type { LoadedSeriesVolume } from './cornerstoneVolume';
import type { MethodLabel } from './metricsText';
import type { DicomWriteOptions } from '../io/dicom/write';

/**
 * A derived series that is a quantity computed from a sodium image (a concentration map in mM, a residual), not a
 * denoising: what its DICOM records instead of the denoiser's derivation.
 */
export interface DerivedQuantity {
  kind: 'concentration' | 'residual';
  dicom: Pick<DicomWriteOptions, 'derivation' | 'realWorldValue' | 'windowCenter' | 'windowWidth'>;
  imageComments: string;
}

export interface DerivedResult {
  /** The voxels on the source grid; `data` is the buffer Cornerstone's cached slices view (one copy, not two). */
  volume: Volume;
  /** The denoiser; for a quantity, the denoiser of the image it was computed from (absent: an original). */
  method?: MethodLabel;
  quantity?: DerivedQuantity;
  parameters: Record<string, string | number | boolean>;
  seriesInstanceUID: string;
  seriesDescription: string;
  seriesNumber: number;
  source: DerivedSource;
  /** SeriesInstanceUIDs already stored from this display set. */
  saved: string[];
}

/** The series a derived one was computed from, as its DICOM references and metadata need it. */
export interface DerivedSource {
  seriesInstanceUID: string;
  sopClassUID: string;
  sopInstanceUIDs: string[];
  header: NaturalInstance;
  /** Image ids of the source slices (the derived slices answer metadata from them). */
  imageIds: string[];
}

/** The source record of a series loaded from its display set (one rule for every derived series). */
export function derivedSource(displaySet: DisplaySet, loaded: LoadedSeriesVolume): DerivedSource {
  return {
    seriesInstanceUID: displaySet.SeriesInstanceUID,
    sopClassUID: loaded.sopClassUid,
    sopInstanceUIDs: loaded.sopInstanceUids,
    header: displaySet.instance ?? displaySet.instances[0],
    imageIds: [...loaded.imageIds],
  };
}

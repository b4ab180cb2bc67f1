// Public types of the DICOM reader: one DicomSeries per readable image series, and what a folder scan found.
import type { Volume } from '../../core/volume';
import type { DicomDataset } from './values';

/** An input file: its name (used in messages) and its bytes. */
export interface DicomInputFile {
  name: string;
  bytes: ArrayBuffer;
}

/** One image series read as a volume, with the identity a derived series needs to reference it. */
export interface DicomSeries {
  seriesInstanceUID: string;
  seriesNumber?: number;
  seriesDescription?: string;
  studyInstanceUID?: string;
  frameOfReferenceUID?: string;
  modality?: string;
  /** ImagedNucleus (MR Image) or ResonantNucleus (Enhanced MR), e.g. '23Na'; undefined when not recorded. */
  imagedNucleus?: string;
  patientName?: string;
  patientId?: string;
  sopClassUID: string;
  volume: Volume;
  /** SOP Instance UID of each slice, in the volume's slice order (repeated for the frames of a multi-frame instance). */
  sopInstanceUIDs: string[];
  /** 1-based frame number of each slice within its instance; present only for multi-frame instances. */
  frameNumbers?: number[];
  /** Input file name of each slice, in slice order. */
  fileNames: string[];
  /** Naturalized dataset of the first slice's instance, without pixel data or per-frame functional groups. */
  header: DicomDataset;
}

/** A series that was found but cannot be read as one volume, and why. */
export interface RejectedSeries {
  seriesInstanceUID: string;
  seriesNumber?: number;
  seriesDescription?: string;
  imagedNucleus?: string;
  modality?: string;
  /** Number of instances (files) in the series. */
  instances: number;
  reason: string;
}

/** Everything a scan of DICOM files found: readable series, rejected series, and notes on skipped files. */
export interface DicomScan {
  series: DicomSeries[];
  rejected: RejectedSeries[];
  /** At most one line: the files skipped because they hold no DICOM image, counted by kind. */
  notes: string[];
  /** Files looked at. */
  files: number;
}

export interface DicomParseOptions {
  /** Called with one line summing up the skipped files (not DICOM, DICOMDIR, non-image instances), if any. */
  onNote?: (note: string) => void;
}

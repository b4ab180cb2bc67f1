// Test helpers: OHIF-like display sets built from real DICOM written by src/io (naturalized as OHIF does).
import { createVolume, type Volume } from '../../src/core/volume';
import { writeDicomSeries, type DicomWriteOptions } from '../../src/io/dicom';
import { instanceMetadata } from '../../src/server/manifest';
import type { DisplaySet, NaturalInstance } from '../../src/extension/ohif';

export function rampVolume(
  dims: [number, number, number] = [8, 6, 4],
  origin: [number, number, number] = [-16, -12, -8],
): Volume {
  const data = new Float32Array(dims[0] * dims[1] * dims[2]).map((_, i) => 10 + (i % 17) * 3.5);
  return createVolume({ dims, spacing: [4, 4, 4], origin, data });
}

let n = 0;

/** A display set as OHIF's stack SOP class handler would make it from these DICOM files. */
export function displaySetFromDicom(
  volume: Volume,
  opts: DicomWriteOptions,
  patch: Partial<NaturalInstance> = {},
): DisplaySet {
  const instances = writeDicomSeries(volume, opts).map((buf) => ({
    ...(instanceMetadata(buf) as NaturalInstance),
    ...patch,
  }));
  const first = instances[0];
  return {
    displaySetInstanceUID: `ds-${++n}`,
    StudyInstanceUID: first.StudyInstanceUID,
    SeriesInstanceUID: first.SeriesInstanceUID,
    SeriesDescription: first.SeriesDescription,
    SeriesNumber: first.SeriesNumber,
    Modality: first.Modality,
    SOPClassUID: first.SOPClassUID,
    FrameOfReferenceUID: first.FrameOfReferenceUID,
    numImageFrames: instances.length,
    isReconstructable: true,
    instances,
    instance: first,
  };
}

// Shared CLI plumbing for volume inputs/outputs: --in/--series options, loading with notes on stderr, volume summaries.
import type { Command } from 'commander';
import type { Volume } from '../core/volume';
import type { DicomSeries } from '../io/dicom/types';
import { readVolumeInput, type VolumeInput } from '../io/volume-file';
import { log } from './output';

export interface InputOptions {
  in: string;
  series?: string;
}

/** Adds --in (NIfTI file, DICOM folder or DICOM file) and --series to a subcommand. */
export function addInputOptions(cmd: Command, what = 'input volume'): Command {
  return cmd
    .requiredOption(
      '--in <path>',
      `${what}: a .nii/.nii.gz file, a DICOM folder (searched recursively) or one DICOM file`,
    )
    .option('--series <id>', 'series to read from a DICOM folder holding several: SeriesNumber or SeriesInstanceUID');
}

/** Reads the --in volume; skipped-file notes go to stderr. */
export function loadInput(opts: InputOptions): Promise<VolumeInput> {
  return readVolumeInput(opts.in, { series: opts.series, onNote: (note) => log(note) });
}

export interface VolumeSummary {
  dims: [number, number, number];
  spacing: [number, number, number];
  origin: [number, number, number];
  direction: number[];
  range: { min: number; max: number; mean: number };
}

export function summarizeVolume(v: Volume): VolumeSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i];
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  const r = (x: number) => Number(x.toPrecision(7));
  return {
    dims: [...v.dims],
    spacing: v.spacing.map(r) as VolumeSummary['spacing'],
    origin: v.origin.map(r) as VolumeSummary['origin'],
    direction: v.direction.map((x) => (Math.abs(x) < 1e-12 ? 0 : r(x))),
    range: { min: r(min), max: r(max), mean: r(sum / v.data.length) },
  };
}

/** Series identity for JSON output. */
export function seriesIdentity(s: DicomSeries) {
  return {
    seriesInstanceUID: s.seriesInstanceUID,
    seriesNumber: s.seriesNumber,
    seriesDescription: s.seriesDescription,
    studyInstanceUID: s.studyInstanceUID,
    frameOfReferenceUID: s.frameOfReferenceUID,
    modality: s.modality,
    imagedNucleus: s.imagedNucleus,
    sopClassUID: s.sopClassUID,
    patientId: s.patientId,
    slices: s.volume.dims[2],
  };
}

export function formatVolumeSummary(s: VolumeSummary): string {
  const vec = (v: readonly number[]) => `[${v.join(', ')}]`;
  const d = s.direction;
  return [
    `dims      ${s.dims.join(' × ')}`,
    `spacing   ${vec(s.spacing)} mm`,
    `origin    ${vec(s.origin)} mm (LPS)`,
    `direction row ${vec(d.slice(0, 3))}, column ${vec(d.slice(3, 6))}, slice ${vec(d.slice(6, 9))}`,
    `values    min ${s.range.min}, max ${s.range.max}, mean ${s.range.mean}`,
  ].join('\n');
}

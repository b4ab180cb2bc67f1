// `sodium-denoise convert`: DICOM series ↔ NIfTI (and NIfTI → a new DICOM MR series), geometry preserved.
import type { DicomSeries } from '../io/dicom/types';
import { isValidUid } from '../io/dicom/uid';
import type { DicomWriteOptions } from '../io/dicom/write';
import { assertOutputSafe, outputForm } from '../io/output-safety';
import { writeVolumeOutput } from '../io/volume-file';
import { addInputOptions, loadInput, seriesIdentity, summarizeVolume, type InputOptions } from './io-options';
import type { Register } from './output';
import { intOption, numberOption } from './parse';

interface ConvertOptions extends InputOptions {
  out: string;
  json?: boolean;
  patientName?: string;
  patientId?: string;
  studyUid?: string;
  studyDescription?: string;
  seriesNumber?: number;
  seriesDescription?: string;
  fieldStrength?: number;
}

/** DICOM attributes for the output series. DICOM input keeps its patient, study and frame of reference. */
function dicomOptions(opts: ConvertOptions, source: DicomSeries | undefined): DicomWriteOptions {
  if (opts.studyUid !== undefined && !isValidUid(opts.studyUid))
    throw new Error(`--study-uid "${opts.studyUid}" is not a valid DICOM UID`);
  const { seriesNumber, fieldStrength: b0 } = opts;
  const h = source?.header;
  const str = (k: string) => (typeof h?.[k] === 'string' ? (h[k] as string) : undefined);
  return {
    patientName: opts.patientName ?? source?.patientName,
    patientId: opts.patientId ?? source?.patientId,
    studyInstanceUID: opts.studyUid ?? source?.studyInstanceUID,
    studyDescription: opts.studyDescription ?? str('StudyDescription'),
    studyDate: str('StudyDate'),
    studyTime: str('StudyTime'),
    accessionNumber: str('AccessionNumber'),
    frameOfReferenceUID: source?.frameOfReferenceUID,
    seriesNumber,
    seriesDescription: opts.seriesDescription ?? source?.seriesDescription,
    magneticFieldStrength: b0,
  };
}

export const registerConvert: Register = (program, run) => {
  addInputOptions(
    program
      .command('convert')
      .description('Convert a DICOM series to NIfTI (.nii.gz) or a NIfTI volume to a new DICOM MR series folder')
      .requiredOption('--out <path>', 'output: *.nii.gz / *.nii file, or a new (empty) folder for a DICOM series'),
    'input volume',
  )
    .option('--patient-name <name>', "DICOM output: PatientName (default: the DICOM input's, else Anonymous^Patient)")
    .option('--patient-id <id>', 'DICOM output: PatientID')
    .option(
      '--study-uid <uid>',
      "DICOM output: add the series to this StudyInstanceUID (default: the input's study, else a new one)",
    )
    .option('--study-description <text>', 'DICOM output: StudyDescription')
    .addOption(intOption('--series-number <n>', 'DICOM output: SeriesNumber', { min: 0 }))
    .option('--series-description <text>', 'DICOM output: SeriesDescription')
    .addOption(
      numberOption(
        '--field-strength <tesla>',
        'DICOM output: MagneticFieldStrength (ImagingFrequency follows for 23Na)',
        { min: 0, exclusiveMin: true },
      ),
    )
    .option('--json', 'print one JSON object on stdout')
    .action(
      run(async (opts: ConvertOptions) => {
        const out = { flag: '--out', path: opts.out };
        const format = outputForm(out, ['nifti', 'folder']) === 'nifti' ? 'nifti' : 'dicom';
        assertOutputSafe(out, [{ flag: '--in', path: opts.in }]);
        const input = await loadInput(opts);
        const output = await writeVolumeOutput(opts.out, input.volume, {
          format,
          dicom: dicomOptions(opts, input.dicom),
        });
        const summary = summarizeVolume(input.volume);
        const json = {
          input: {
            path: opts.in,
            format: input.format,
            ...(input.dicom ? { series: seriesIdentity(input.dicom) } : {}),
          },
          output: { path: opts.out, format: output.format, files: output.paths.length },
          volume: summary,
        };
        const what =
          output.format === 'dicom' ? `DICOM series of ${output.paths.length} files in ${opts.out}` : opts.out;
        return { json, text: `Wrote ${what} (${summary.dims.join('×')} voxels, ${summary.spacing.join(' × ')} mm)` };
      }),
    );
};

// `sodium-denoise concentration`: a sodium image → its tissue sodium concentration map in mM, calibrated by the
// tubes beside the head (found automatically, or given by position), through the job the viewer runs; written as a
// DERIVED DICOM series with Real World Value Mapping (mmol/L) or as NIfTI.
import {
  concentrationMapJob,
  concentrationSeriesOptions,
  describeCalibration,
  parseConcentrations,
  parseTubePositions,
  DEFAULT_TUBE_CONCENTRATIONS_MM,
} from '../jobs/concentration';
import { assertOutputSafe, outputForm } from '../io/output-safety';
import { writeVolumeOutput } from '../io/volume-file';
import { addInputOptions, loadInput, seriesIdentity, type InputOptions } from './io-options';
import type { Register } from './output';

interface ConcentrationCliOptions extends InputOptions {
  out: string;
  tubes?: string;
  concentrations?: string;
  json?: boolean;
}

export const registerConcentration: Register = (program, run) => {
  addInputOptions(
    program
      .command('concentration')
      .description(
        'Tissue sodium concentration map (mM) calibrated by the tubes beside the head: a DERIVED DICOM series with Real World Value Mapping, or NIfTI',
      )
      .requiredOption('--out <path>', 'output: a new folder for a DICOM series, or a *.nii.gz / *.nii file'),
    'sodium image (an acquisition or a denoised series)',
  )
    .option(
      '--concentrations <mM,…>',
      `known tube concentrations, matched to the tubes found by signal (default ${DEFAULT_TUBE_CONCENTRATIONS_MM.join(',')})`,
    )
    .option('--tubes <"x,y,z:mM;…">', 'tubes by position (patient mm, LPS) and concentration, instead of finding them')
    .option('--json', 'print one JSON object on stdout')
    .action(
      run(async (opts: ConcentrationCliOptions) => {
        if (opts.tubes !== undefined && opts.concentrations !== undefined)
          throw new Error('--tubes carries the concentrations: give --tubes or --concentrations, not both');
        const out = { flag: '--out', path: opts.out };
        const format = outputForm(out, ['nifti', 'folder']) === 'nifti' ? 'nifti' : 'dicom';
        assertOutputSafe(out, [{ flag: '--in', path: opts.in }]);
        const request = opts.tubes
          ? { tubes: parseTubePositions(opts.tubes) }
          : { concentrationsMM: opts.concentrations ? parseConcentrations(opts.concentrations) : undefined };
        const input = await loadInput(opts);
        const result = concentrationMapJob(input.volume, request);
        const dicomOptions = concentrationSeriesOptions(result, input.dicom?.seriesDescription);
        const output = await writeVolumeOutput(opts.out, result.volume, {
          format,
          source: input.dicom,
          derivation: dicomOptions.derivation,
          dicom: dicomOptions,
        });
        const c = result.calibration;
        return {
          json: {
            input: {
              path: opts.in,
              format: input.format,
              ...(input.dicom ? { series: seriesIdentity(input.dicom) } : {}),
            },
            output: { path: opts.out, format: output.format, files: output.paths.length, units: 'mmol/L' },
            calibration: { slope: c.slope, intercept: c.intercept, r2: c.r2, rmsResidualMM: c.rmsResidualMM },
            tubes: result.tubes,
            tubeSource: result.tubeSource,
          },
          text: `${describeCalibration(result)}\nWrote the concentration map (mM) to ${opts.out} (${output.format}, ${output.paths.length} file${output.paths.length === 1 ? '' : 's'})`,
        };
      }),
    );
};

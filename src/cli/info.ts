// `sodium-denoise info`: the series in a DICOM folder, or one volume's grid, geometry and value range.
import { describeNonFinite, findNonFinite } from '../core/finite';
import type { Volume } from '../core/volume';
import { noImagesMessage } from '../io/dicom/read';
import { describeSeries, scanSummaries } from '../io/dicom/summary';
import type { DicomSeries } from '../io/dicom/types';
import { isNiftiPath, scanVolumeInput } from '../io/volume-file';
import {
  formatVolumeSummary,
  loadInput,
  addInputOptions,
  seriesIdentity,
  summarizeVolume,
  type InputOptions,
} from './io-options';
import { log, type Register } from './output';
import { promises as fs } from 'node:fs';

interface InfoOptions extends InputOptions {
  json?: boolean;
}

function volumeReport(path: string, format: 'nifti' | 'dicom', volume: Volume, dicom: DicomSeries | undefined) {
  const summary = summarizeVolume(volume);
  const nonFinite = findNonFinite(volume);
  const json = {
    path,
    format,
    ...(dicom ? { series: seriesIdentity(dicom) } : {}),
    volume: summary,
    ...(nonFinite ? { nonFinite } : {}),
  };
  const head = dicom
    ? `DICOM series #${dicom.seriesNumber ?? '?'} "${dicom.seriesDescription ?? ''}" (${dicom.modality ?? '?'}, nucleus ${dicom.imagedNucleus ?? 'not recorded'})\nUID       ${dicom.seriesInstanceUID}`
    : `NIfTI ${path}`;
  const warning = nonFinite ? `\nwarning   the image ${describeNonFinite(nonFinite)}` : '';
  return { json, text: `${head}\n${formatVolumeSummary(summary)}${warning}` };
}

export const registerInfo: Register = (program, run) => {
  addInputOptions(
    program.command('info').description("Show the series in a DICOM folder, or a volume's grid, geometry and values"),
  )
    .option('--json', 'print one JSON object on stdout')
    .action(
      run(async (opts: InfoOptions) => {
        const stat = await fs.stat(opts.in).catch(() => undefined);
        if (!stat) throw new Error(`Input ${opts.in} does not exist`);
        // A folder without --series: list its series, unless it holds exactly one readable series.
        if (stat.isDirectory() && opts.series === undefined) {
          const scan = await scanVolumeInput(opts.in);
          if (scan.series.length + scan.rejected.length === 0)
            throw new Error(`${opts.in}: ${noImagesMessage(scan.files, scan.notes)}`);
          scan.notes.forEach((note) => log(note));
          if (scan.series.length === 1 && scan.rejected.length === 0) {
            return volumeReport(opts.in, 'dicom', scan.series[0].volume, scan.series[0]);
          }
          const series = scanSummaries(scan);
          if (series.length === 0) throw new Error(`${opts.in} holds no DICOM image series`);
          return {
            json: { path: opts.in, format: 'dicom', series, notes: scan.notes },
            text: [
              `${opts.in}: ${series.length} series (choose one with --series)`,
              ...series.map((s) => `  ${describeSeries(s)}`),
            ].join('\n'),
          };
        }
        const input = await loadInput(opts);
        return volumeReport(opts.in, isNiftiPath(opts.in) ? 'nifti' : 'dicom', input.volume, input.dicom);
      }),
    );
};

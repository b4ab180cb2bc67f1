// `sodium-denoise phantom`: writes a synthetic sodium cohort (NIfTI volumes, masks, DICOM studies, manifest.json).
import { writeCohort } from '../phantom/cohort-writer';
import { DEFAULT_PHANTOM_PARAMS } from '../phantom/params';
import type { PhantomParamsInput } from '../phantom/types';
import { assertOutputSafe, outputForm } from '../io/output-safety';
import { log, type Register } from './output';
import { threadCount, threadsOption } from './threads';
import { intOption, numberOption, type NumberRule } from './parse';

const POSITIVE: NumberRule = { min: 0, exclusiveMin: true };

interface PhantomCliOptions {
  out: string;
  subjects: number;
  seed: number;
  snr?: number;
  matrix: number;
  voxelSize: number;
  lesions?: string;
  tubes?: string;
  noise?: string;
  dicom: boolean;
  fieldStrength: number;
  threads?: number;
  quiet?: boolean;
  json?: boolean;
}

/** "2" or "1-3": lesions per subject. */
function lesionCount(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`--lesions must be a count or a range like 1-3, got "${text}"`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo) throw new Error(`--lesions range ${text} runs backwards`);
  return [lo, hi];
}

/** "50,100": tube concentrations in mM, alternating left, right, left, … */
function tubeList(text: string): PhantomParamsInput['tubes'] {
  const values = text.split(',').map((t) => Number(t.trim()));
  if (values.length < 1 || values.some((v) => !(Number.isFinite(v) && v >= 0))) {
    throw new Error(`--tubes must be comma-separated concentrations in mM (e.g. 50,100), got "${text}"`);
  }
  if (values.length > 4) throw new Error('--tubes takes at most 4 tubes (two per side)');
  // Two per side sit 30 mm apart anterior–posterior.
  return values.map((concentrationMM, i) => ({
    concentrationMM,
    side: i % 2 === 0 ? 'left' : 'right',
    ...(values.length > 2 ? { yMm: i < 2 ? -30 : 30 } : {}),
  }));
}

export const registerPhantom: Register = (program, run) => {
  const d = DEFAULT_PHANTOM_PARAMS;
  program
    .command('phantom')
    .description(
      'Generate a synthetic sodium cohort: per subject truth, three noisy acquisitions, their mean, masks (NIfTI) and a DICOM study',
    )
    .requiredOption('--out <dir>', 'new (or empty) output folder')
    .addOption(intOption('--subjects <n>', 'number of subjects', { min: 1 }, d.subjects))
    .addOption(intOption('--seed <n>', 'cohort seed (same seed, same cohort)', { min: 0 }, d.seed))
    .addOption(
      numberOption(
        '--snr <n>',
        `brain SNR of one acquisition: mean brain signal / noise σ (default ${d.snr})`,
        POSITIVE,
      ),
    )
    .addOption(intOption('--matrix <n>', 'acquisition matrix (n³ voxels)', { min: 8 }, d.matrix))
    .addOption(
      numberOption(
        '--voxel-size <mm>',
        'isotropic voxel size in mm (matrix × voxel size ≥ 234 mm holds head and tubes)',
        POSITIVE,
        d.voxelSizeMm,
      ),
    )
    .option(
      '--lesions <n|a-b>',
      `lesions per subject, a count or a range (default ${d.lesions.count.join('-')}; 0 for none)`,
    )
    .option(
      '--tubes <mM,...>',
      `calibration tube concentrations, alternating left/right (default ${d.tubes.map((t) => t.concentrationMM).join(',')})`,
    )
    .option(
      '--noise <kind>',
      `'white' (independent per voxel) or 'apodised' (k-space windowed: correlated, as on a scanner) (default ${d.noise})`,
    )
    .option('--no-dicom', 'write NIfTI only (no DICOM studies)')
    .addOption(
      numberOption(
        '--field-strength <tesla>',
        'MagneticFieldStrength recorded in DICOM (ImagingFrequency follows)',
        POSITIVE,
        3,
      ),
    )
    .addOption(threadsOption('worker threads generating subjects in parallel'))
    .option('--quiet', 'no progress on stderr')
    .option('--json', 'print one JSON object on stdout')
    .action(
      run(async (o: PhantomCliOptions) => {
        const input: PhantomParamsInput = {
          subjects: o.subjects,
          seed: o.seed,
          matrix: o.matrix,
          voxelSizeMm: o.voxelSize,
          ...(o.snr !== undefined ? { snr: o.snr } : {}),
          ...(o.lesions !== undefined ? { lesions: { count: lesionCount(o.lesions) } } : {}),
          ...(o.tubes !== undefined ? { tubes: tubeList(o.tubes) } : {}),
        };
        if (o.noise !== undefined) {
          if (o.noise !== 'apodised' && o.noise !== 'white')
            throw new Error(`--noise must be 'apodised' or 'white', got "${o.noise}"`);
          input.noise = o.noise;
        }
        const out = { flag: '--out', path: o.out };
        outputForm(out, ['folder'], 'the cohort');
        assertOutputSafe(out, []);
        const fieldStrengthT = o.fieldStrength;
        const workers = o.threads === undefined ? undefined : threadCount(o.threads);
        const result = await writeCohort(o.out, { ...input, dicom: o.dicom, fieldStrengthT, workers }, (p) => {
          if (!o.quiet) log(`[phantom] ${p.id} written (${p.done}/${p.total}, ${(p.elapsedMs / 1000).toFixed(1)} s)`);
        });
        const m = result.manifest;
        const sigmas = m.subjects.map((s) => s.noiseSigma ?? NaN);
        const seconds = result.elapsedMs / 1000;
        const params = m.parameters as { snr: number; matrix: number; voxelSizeMm: number };
        const json = {
          out: result.outDir,
          seconds: Number(seconds.toFixed(2)),
          threads: result.workers,
          subjects: m.subjects.length,
          seed: m.seed,
          snr: params.snr,
          matrix: params.matrix,
          voxelSizeMm: params.voxelSizeMm,
          noiseSigma: {
            min: Math.min(...sigmas),
            max: Math.max(...sigmas),
            mean: sigmas.reduce((a, b) => a + b, 0) / sigmas.length,
          },
          lesions: m.subjects.reduce((a, s) => a + (s.lesions?.length ?? 0), 0),
          dicom: o.dicom,
          manifest: `${result.outDir}/manifest.json`,
        };
        const text = [
          `Wrote ${json.subjects} subjects (${params.matrix}³ × ${params.voxelSizeMm} mm${o.dicom ? ', NIfTI + DICOM' : ', NIfTI'}) to ${result.outDir} in ${seconds.toFixed(1)} s (${result.workers} thread${result.workers > 1 ? 's' : ''})`,
          `seed ${json.seed}, brain SNR ${json.snr}, noise σ ${json.noiseSigma.min.toFixed(2)}–${json.noiseSigma.max.toFixed(2)} (mean ${json.noiseSigma.mean.toFixed(2)}), ${json.lesions} lesions`,
        ].join('\n');
        return { json, text };
      }),
    );
};

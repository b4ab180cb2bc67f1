// `sodium-denoise robustness`: where the DA holds — held-out phantom subjects across noise models, SNR, voxel size and
// anatomy, DA vs NLM (automatic σ), as Markdown, JSON and a heat map.
import * as os from 'node:os';
import { parseBlend } from '../jobs/denoise';
import { log, type Register } from './output';
import { intOption } from './parse';

interface RobustnessCliOptions {
  out: string;
  quick?: boolean;
  models?: string;
  blends?: string;
  subjects: number;
  fresh?: boolean;
  threads?: number;
  reportOnly?: boolean;
  json?: boolean;
}

export const registerRobustness: Register = (program, run) => {
  program
    .command('robustness')
    .description(
      'Robustness matrix: DA vs NLM on held-out phantom subjects, one axis at a time (noise model, brain SNR, voxel size, anatomy) plus corners',
    )
    .option('--out <dir>', 'output folder (cells/ holds one checkpoint per finished cell)', 'reports/robustness')
    .option('--quick', 'three cells only (default, Hamming-filtered noise, SNR 5), for CI')
    .option('--models <dirs>', "comma-separated DA weights directories (default: the repository's weights/)")
    .option(
      '--blends <list>',
      'comma-separated DA blends with NLM, one column each per model: off (the network alone), sure (the default)',
      'off,sure',
    )
    .addOption(intOption('--subjects <n>', 'held-out subjects scored per cell', { min: 1, max: 10 }, 1))
    .option('--fresh', 'recompute cells that already have a checkpoint')
    .addOption(intOption('--threads <n>', 'NLM worker threads (default: one per core)', { min: 1 }))
    .option('--report-only', 'write the report from the finished cells in --out, computing nothing')
    .option('--json', 'print one JSON object on stdout')
    .action(
      run(async (o: RobustnessCliOptions) => {
        const models = o.models
          ?.split(',')
          .map((m) => m.trim())
          .filter(Boolean);
        if (models && models.length === 0) throw new Error('--models needs at least one weights directory');
        // Loaded when used: tfjs and the research code stay out of every other command's start-up.
        const { runRobustness } = await import('../research/robustness');
        const r = await runRobustness({
          out: o.out,
          quick: o.quick,
          models,
          blends: (o.blends ?? 'off,sure').split(',').map((b) => parseBlend(b.trim(), '--blends')),
          subjects: o.subjects,
          fresh: o.fresh,
          threads: o.threads ?? os.availableParallelism(),
          reportOnly: o.reportOnly,
          log,
        });
        const { report } = r;
        const wins = report.cells.filter((c) =>
          report.models.every((m) => c.da[m] && c.da[m].psnrTruth >= c.nlm.psnrTruth),
        );
        const json = {
          out: o.out,
          cells: report.cells.length,
          resumed: r.resumed,
          models: report.models,
          files: r.files,
        };
        const text = [
          `Wrote ${r.files.join(', ')}`,
          `${report.cells.length} cells (${r.resumed} resumed); the DA beats NLM in pSNR vs truth in ${wins.length}: ${wins.map((c) => c.id).join(', ') || 'none'}`,
        ].join('\n');
        return { json, text };
      }),
    );
};

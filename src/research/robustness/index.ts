// `sodium-denoise robustness`: the matrix of cells (cells.ts), each evaluated by runCell, checkpointed one JSON per
// finished cell so an interrupted run resumes, then written as Markdown, JSON and a heat map.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DABlend, parseBlend } from '../../jobs/denoise';
import type { ModelCard } from '../../model/da/card';
import { loadDA } from '../../model/da/weights-io';
import { createNodeNlmPool } from '../../model/nlm/node-pool';
import { activateBackend } from '../../model/backend';
import { QUICK_CELL_IDS, ROBUSTNESS_CELLS, type RobustnessCell } from './cells';
import { DEFINITIONS, renderHeatmap, robustnessMarkdown, type RobustnessReport } from './report';
import { cellRegime, runCell, type CellResult } from './runCell';

export { ROBUSTNESS_CELLS, QUICK_CELL_IDS, HELD_OUT_SEED, type RobustnessCell } from './cells';
export type { CellResult, Scores } from './runCell';
export type { RobustnessReport } from './report';

export interface RobustnessOptions {
  out: string;
  /** Weights directories (default: the shipped weights). */
  models?: string[];
  /**
   * How each model's DA output is blended with NLM (jobs/denoise DABlend), one column per model and blend; default
   * ['off', 'sure']: the network alone (the paper's method) and the product's default beside it.
   */
  blends?: DABlend[];
  quick?: boolean;
  /** Held-out subjects scored per cell (default 1). */
  subjects?: number;
  /** Only these cells (ids); default all, or the quick ones. */
  cells?: readonly RobustnessCell[];
  /** Parameters applied under every cell (tests use a small grid). */
  base?: RobustnessCell['params'];
  /** Ignore finished cells in out/cells and recompute them. */
  fresh?: boolean;
  threads?: number;
  /** Write the report from the finished cells in out/cells without computing anything (a model a cell lacks shows
   * as '–'; cells without a checkpoint are left out): for a run stopped before its end. */
  reportOnly?: boolean;
  log?: (line: string) => void;
}

/** A column's name: the card's name and version, and the SURE blend when on (the network alone keeps the plain name). */
export function modelLabel(card: Pick<ModelCard, 'name' | 'version'>, blend: DABlend): string {
  return `DA ${card.name} ${card.version}${blend === 'sure' ? ' + SURE blend with NLM' : ''}`;
}

export interface RobustnessRun {
  report: RobustnessReport;
  files: string[];
  resumed: number;
}

/**
 * Runs the matrix and writes robustness.md, robustness.json and robustness-heatmap.{svg,png} to `out`.
 *
 * @example await runRobustness({ out: 'reports/robustness', quick: true });
 */
export async function runRobustness(opts: RobustnessOptions): Promise<RobustnessRun> {
  const subjects = opts.subjects ?? 1;
  if (!(Number.isInteger(subjects) && subjects >= 1 && subjects <= 10))
    throw new Error(`subjects must be an integer in 1..10, got ${subjects}`);
  const cells =
    opts.cells ?? (opts.quick ? ROBUSTNESS_CELLS.filter((c) => QUICK_CELL_IDS.includes(c.id)) : ROBUSTNESS_CELLS);
  const log = opts.log ?? (() => undefined);
  const reason = await activateBackend('wasm');
  if (reason) throw new Error(`robustness: the wasm backend is unavailable: ${reason}`);
  const models = [];
  const blends = (opts.blends ?? ['off', 'sure']).map((b) => parseBlend(b, 'robustness: a blend'));
  if (blends.length === 0) throw new Error('robustness: blends must name at least one blend');
  for (const dir of opts.models ?? [undefined]) {
    const model = await loadDA(dir);
    for (const blend of blends) models.push({ label: modelLabel(model.card, blend), model, blend });
  }
  const labels = models.map((m) => m.label);
  if (new Set(labels).size !== labels.length)
    throw new Error(`robustness: two models share a name and version: ${labels.join(', ')}`);
  const cellDir = path.join(opts.out, 'cells');
  fs.mkdirSync(cellDir, { recursive: true });
  const pool = createNodeNlmPool(opts.threads ?? 2);
  const results: CellResult[] = [];
  let resumed = 0;
  try {
    for (const [i, cell] of cells.entries()) {
      const file = path.join(cellDir, `${cell.id}.json`);
      const done =
        !opts.fresh && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as CellResult) : null;
      if (opts.reportOnly) {
        if (done) results.push(done);
        continue;
      }
      // A checkpoint counts only if it was made with the same models and subject count.
      if (done && done.subjects === subjects && labels.every((l) => done.da[l])) {
        // Checkpoints from before the regime check get it now (a subject and an estimate: no denoising).
        if (!done.warnings || labels.some((l) => !done.warnings![l])) {
          Object.assign(done, cellRegime(cell, { models, subjects, base: opts.base }));
          fs.writeFileSync(file, JSON.stringify(done, null, 2) + '\n');
        }
        results.push(done);
        resumed++;
        log(`[${i + 1}/${cells.length}] ${cell.id}: resumed from ${file}`);
        continue;
      }
      // A checkpoint with the same subjects but fewer models keeps its scores; only the missing models run.
      const previous = done && done.subjects === subjects ? done : undefined;
      if (previous)
        log(`[${i + 1}/${cells.length}] ${cell.id}: adding ${labels.filter((l) => !previous.da[l]).join(', ')}`);
      const result = await runCell(cell, { models, subjects, base: opts.base, pool, log, previous });
      fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
      results.push(result);
      const first = result.da[labels[0]];
      log(
        `[${i + 1}/${cells.length}] ${cell.id}: DA − NLM ${(first.psnrTruth - result.nlm.psnrTruth).toFixed(2)} dB vs truth (${result.seconds.toFixed(0)} s)`,
      );
    }
  } finally {
    await pool.dispose();
  }
  const report: RobustnessReport = {
    format: 'sodium-denoise/robustness@1',
    created: new Date().toISOString(),
    definitions: DEFINITIONS,
    models: labels,
    seconds: results.reduce((s, r) => s + r.seconds, 0),
    cells: results,
  };
  const files = ['robustness.md', 'robustness.json', 'robustness-heatmap.svg', 'robustness-heatmap.png'].map((f) =>
    path.join(opts.out, f),
  );
  const figure = await renderHeatmap(report);
  fs.writeFileSync(files[0], robustnessMarkdown(report));
  fs.writeFileSync(files[1], JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(files[2], figure.svg);
  fs.writeFileSync(files[3], figure.png);
  return { report, files, resumed };
}

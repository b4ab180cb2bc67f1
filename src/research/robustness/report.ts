// The robustness matrix as Markdown, JSON and a heat map of DA − NLM per cell (vega-lite → SVG → PNG).
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite, type RenderedFigure } from '../plot/learningCurve';
import type { CellResult, Scores } from './runCell';

export interface RobustnessReport {
  format: 'sodium-denoise/robustness@1';
  created: string;
  definitions: Record<string, string>;
  models: string[];
  seconds: number;
  cells: CellResult[];
}

export const DEFINITIONS: Record<string, string> = {
  brainSnr:
    'mean of the noise-free image over the brain mask ÷ σ of the complex noise per channel (one acquisition, per voxel)',
  metrics:
    'pSNR (dB) and mean 3D SSIM over the phantom brain mask, of acquisition 1 denoised, against the noise-free truth and against the mean of the three repeats (the paper’s reference)',
  nlm: 'DIPY-style nlmeans (patch radius 1, block radius 5, Rician), σ estimated from the image background (never the generator’s σ)',
  linear:
    'best linear 5×5×5 filter of the cell’s regime: least squares from one acquisition’s 5³ patches (+ bias) to the noise-free centre voxel, fitted on another held-out subject of the same cell (its three acquisitions), shown where a DA loses to NLM in pSNR vs truth',
  subjects:
    'held-out phantom subjects (seed 20261201; training and cross-validation used seed 1), the same subjects (pose, shape) in every cell; one axis varied at a time from the default',
  regime:
    'the regime check every product run does (core/regime from the input alone, against the model card’s trainingRange), on the cell’s first input: the flagged quantities, or “in range”. Its brain SNR is the mean magnitude / σ, so it reads high at very low SNR (Rician bias: 4.1 for a true 3)',
  blend:
    '“+ SURE blend with NLM” is the product’s default DA (jobs/sure-blend): the network’s output blended with NLM’s by the weight in [0, 1] that minimises Stein’s unbiased risk estimate of the error over the input’s automatic brain mask (σ̂ and the noise’s correlations from the background, one Monte-Carlo probe per method, no truth and no repeats); a column without it is the network alone (--blend off, the paper’s method)',
  time: 'seconds per cell and the total are the cells’ own compute time on 2 cores shared with other jobs (load average 20–26 when the networks alone and NLM ran, 1 Dec 2026; 3–5 for the SURE columns, 2 Dec 2026)',
};

const f2 = (x: number) => x.toFixed(2);
const f4 = (x: number) => x.toFixed(4);
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

function row(name: string, s: Scores): string {
  return `${name} ${f2(s.psnrTruth)} / ${f4(s.ssimTruth)} · ${f2(s.psnrMean3)} / ${f4(s.ssimMean3)}`;
}

/** The regime check's verdict for a cell, short: 'in range' or the flagged quantities. */
function regimeText(c: CellResult, model: string): string {
  const w = c.warnings?.[model];
  if (!w) return '';
  if (w.length === 0) return 'in range';
  // "noise is spatially correlated (0.63); this model …" → "noise is spatially correlated (0.63)"
  return w.map((x) => x.split(/[;:]| lower than| higher than/)[0].replace(/,$/, '')).join('; ');
}

/** A cell of white noise at brain SNR ≤ 13 (default anatomy and voxels), where issue 12 asks for ≥ 1 dB over NLM. */
function lowSnrWhite(c: CellResult): boolean {
  const p = c.params;
  return (p.noise ?? 'white') === 'white' && !p.zeroFill && !p.anatomy && !p.voxelSizeMm && (p.snr ?? 13) <= 13;
}

/**
 * Each model's DA − NLM (pSNR vs truth) side by side, and the issue's targets per model: never more than 0.2 dB
 * below NLM; in white-noise cells at brain SNR ≤ 13 at least 1 dB above it and not below it in SSIM.
 */
export function targetsSection(report: RobustnessReport): string[] {
  const models = report.models;
  const lines = [
    '## Models side by side: DA − NLM, pSNR vs truth (dB) / SSIM vs truth',
    '',
    `| cell | ${models.join(' | ')} |`,
    `|---|${models.map(() => '---|').join('')}`,
  ];
  for (const c of report.cells) {
    const cells = models.map((m) => {
      const d = c.da[m];
      return d ? `${signed(d.psnrTruth - c.nlm.psnrTruth, 2)} / ${signed(d.ssimTruth - c.nlm.ssimTruth, 4)}` : '–';
    });
    lines.push(`| ${c.label} | ${cells.join(' | ')} |`);
  }
  lines.push('', '| target | ' + models.join(' | ') + ' |', `|---|${models.map(() => '---|').join('')}`);
  const never = models.map((m) => {
    const scored = report.cells.filter((c) => c.da[m]);
    const missed = scored.filter((c) => c.da[m].psnrTruth - c.nlm.psnrTruth < -0.2);
    const worst = Math.min(...scored.map((c) => c.da[m].psnrTruth - c.nlm.psnrTruth));
    return `${missed.length === 0 ? 'met' : `missed in ${missed.length} of ${scored.length}`} (worst ${signed(worst, 2)} dB)`;
  });
  const white = models.map((m) => {
    const cells = report.cells.filter((c) => c.da[m] && lowSnrWhite(c));
    const missed = cells.filter((c) => c.da[m].psnrTruth - c.nlm.psnrTruth < 1 || c.da[m].ssimTruth < c.nlm.ssimTruth);
    return `${missed.length === 0 ? 'met' : `missed in ${missed.map((c) => c.id).join(', ')}`} (${cells.length} cells)`;
  });
  const mean = models.map(
    (m) =>
      `${signed(
        report.cells.filter((c) => c.da[m]).reduce((s, c) => s + c.da[m].psnrTruth - c.nlm.psnrTruth, 0) /
          Math.max(1, report.cells.filter((c) => c.da[m]).length),
        2,
      )} dB`,
  );
  lines.push(
    `| never more than 0.2 dB below NLM (pSNR vs truth) | ${never.join(' | ')} |`,
    `| white noise, SNR ≤ 13: ≥ 1 dB above NLM and SSIM not below | ${white.join(' | ')} |`,
    `| mean DA − NLM over the cells | ${mean.join(' | ')} |`,
    '',
  );
  return lines;
}

/** Markdown: one summary table (DA − NLM per cell) and one detailed table per model. */
export function robustnessMarkdown(report: RobustnessReport): string {
  const lines: string[] = [
    '# Robustness matrix: where the DA holds',
    '',
    `Created ${report.created} by \`sodium-denoise robustness\`: ${report.cells.length} cells in ${(report.seconds / 60).toFixed(1)} min (sum of the cells' wall times, 2 shared cores, other jobs running).`,
    '',
    ...Object.entries(report.definitions).map(([k, v]) => `- **${k}**: ${v}`),
    '',
    ...targetsSection(report),
  ];
  for (const model of report.models) {
    lines.push(
      `## ${model} vs NLM`,
      '',
      '| cell | σ true / NLM’s | noisy pSNR / SSIM vs truth | NLM | DA | **DA − NLM** pSNR vs truth (dB) | DA − NLM SSIM vs truth | DA − NLM pSNR vs mean of 3 (dB) | DA − NLM SSIM vs mean of 3 | best linear 5³ (where DA loses) | regime check (warnings) |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const c of report.cells) {
      const d = c.da[model];
      if (!d) continue;
      lines.push(
        `| ${c.label} | ${c.noiseSigma.toFixed(1)} / ${c.nlmSigma.toFixed(1)} | ${f2(c.noisy.psnrTruth)} / ${f4(c.noisy.ssimTruth)} | ${f2(c.nlm.psnrTruth)} / ${f4(c.nlm.ssimTruth)} | ${f2(d.psnrTruth)} / ${f4(d.ssimTruth)} | **${signed(d.psnrTruth - c.nlm.psnrTruth, 2)}** | ${signed(d.ssimTruth - c.nlm.ssimTruth, 4)} | ${signed(d.psnrMean3 - c.nlm.psnrMean3, 2)} | ${signed(d.ssimMean3 - c.nlm.ssimMean3, 4)} | ${c.linear ? `${f2(c.linear.psnrTruth)} / ${f4(c.linear.ssimTruth)}` : ''} | ${regimeText(c, model)} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## All values (pSNR dB / SSIM, vs truth · vs mean of three)',
    '',
    '| cell | subjects | grid | values | seconds |',
    '|---|---|---|---|---|',
  );
  for (const c of report.cells) {
    const parts = [row('noisy', c.noisy), row('NLM', c.nlm), ...Object.entries(c.da).map(([m, s]) => row(m, s))];
    if (c.linear) parts.push(row('linear 5³', c.linear));
    lines.push(
      `| ${c.label} | ${c.subjects} | ${c.matrix}³ × ${c.voxelSizeMm} mm | ${parts.join('<br>')} | ${c.seconds.toFixed(0)} |`,
    );
  }
  lines.push(
    '',
    'Heat map: `robustness-heatmap.svg` / `.png` (DA − NLM per cell; blue: the DA wins, red: NLM wins).',
    '',
  );
  return lines.join('\n');
}

/** The heat map's vega-lite spec: cells down, comparisons across, colour = DA − NLM (pSNR and SSIM panels). */
export function heatmapSpec(report: RobustnessReport): TopLevelSpec {
  const order = report.cells.map((c) => c.label);
  const values = report.cells.flatMap((c) =>
    Object.entries(c.da).flatMap(([model, d]) => [
      { cell: c.label, model, kind: 'pSNR', vs: 'vs truth', diff: d.psnrTruth - c.nlm.psnrTruth },
      { cell: c.label, model, kind: 'pSNR', vs: 'vs mean of 3', diff: d.psnrMean3 - c.nlm.psnrMean3 },
      { cell: c.label, model, kind: 'SSIM', vs: 'vs truth', diff: d.ssimTruth - c.nlm.ssimTruth },
      { cell: c.label, model, kind: 'SSIM', vs: 'vs mean of 3', diff: d.ssimMean3 - c.nlm.ssimMean3 },
    ]),
  );
  const panel = (kind: 'pSNR' | 'SSIM', unit: string, format: string) => ({
    title: `DA − NLM ${kind} (${unit})`,
    transform: [{ filter: `datum.kind === '${kind}'` }],
    encoding: {
      y: { field: 'cell', type: 'nominal', sort: order, title: null, axis: { labelLimit: 400 } },
      x: { field: 'vs', type: 'nominal', title: null, sort: ['vs truth', 'vs mean of 3'] },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'diff',
            type: 'quantitative',
            title: unit,
            scale: { scheme: 'redblue', domainMid: 0 },
          },
        },
      },
      { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'diff', type: 'quantitative', format } } },
    ],
    width: 150,
    height: { step: 20 },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Robustness: ${report.models.join(', ')} − NLM, held-out phantom subjects`,
    data: { values },
    hconcat: [panel('pSNR', 'dB', '+.2f'), panel('SSIM', 'Δ SSIM', '+.4f')],
    resolve: { scale: { color: 'independent' } },
    config: { font: 'DejaVu Sans', background: 'white' },
  } as TopLevelSpec;
}

export function renderHeatmap(report: RobustnessReport): Promise<RenderedFigure> {
  return renderVegaLite(heatmapSpec(report));
}

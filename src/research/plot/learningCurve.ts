// Learning-curve figure (training and validation loss per epoch, one panel per fold): a vega-lite spec compiled and
// rendered to SVG by vega in Node (no canvas), then rasterised to PNG by resvg.
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface EpochLoss {
  /** Panel label, e.g. "fold 1" or "final". */
  run: string;
  epoch: number;
  trainLoss: number;
  valLoss: number;
}

export interface RenderedFigure {
  svg: string;
  png: Buffer;
}

/** The vega-lite spec: one line per loss kind, log-scaled y, faceted by run. */
export function learningCurveSpec(rows: readonly EpochLoss[], title: string): TopLevelSpec {
  if (rows.length === 0) throw new Error('learning curve needs at least one epoch');
  const values = rows
    .flatMap((r) => [
      { run: r.run, epoch: r.epoch, loss: r.trainLoss, kind: 'training' },
      { run: r.run, epoch: r.epoch, loss: r.valLoss, kind: 'validation' },
    ])
    .filter((v) => Number.isFinite(v.loss) && v.loss > 0);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    facet: { field: 'run', type: 'nominal', title: null },
    columns: 3,
    // Each fold on its own loss scale: the first epoch's loss would otherwise flatten every later one.
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 240,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'epoch',
          type: 'quantitative',
          title: 'epoch',
          axis: { tickMinStep: 1, format: 'd' },
          scale: { nice: false },
        },
        y: { field: 'loss', type: 'quantitative', title: 'MSE (normalised)', scale: { type: 'log', nice: false } },
        color: { field: 'kind', type: 'nominal', title: null, scale: { range: ['#1f77b4', '#d62728'] } },
      },
    },
    config: { font: 'DejaVu Sans', background: 'white' },
  } as TopLevelSpec;
}

/** Renders the learning curves to SVG (vega, headless) and PNG (resvg, system fonts). */
export async function renderLearningCurve(rows: readonly EpochLoss[], title: string): Promise<RenderedFigure> {
  return renderVegaLite(learningCurveSpec(rows, title));
}

export async function renderVegaLite(spec: TopLevelSpec): Promise<RenderedFigure> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      background: 'white',
      fitTo: { mode: 'zoom', value: 2 },
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    })
      .render()
      .asPng();
    return { svg, png };
  } finally {
    view.finalize();
  }
}

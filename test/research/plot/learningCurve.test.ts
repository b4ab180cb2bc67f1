// The learning-curve figure renders headlessly: vega-lite → vega SVG (one line per loss and fold) → resvg PNG.
import { PNG } from 'pngjs';
import { learningCurveSpec, renderLearningCurve } from '../../../src/research/plot/learningCurve';

describe('learning curve', () => {
  it('renders SVG and a decodable PNG with a panel per run', async () => {
    const rows = ['fold 1', 'fold 2'].flatMap((run) =>
      [1, 2, 3, 4].map((epoch) => ({ run, epoch, trainLoss: 0.1 / epoch, valLoss: 0.12 / epoch })),
    );
    const fig = await renderLearningCurve(rows, 'losses');
    expect(fig.svg.startsWith('<svg')).toBe(true);
    expect(fig.svg).toContain('fold 1');
    expect(fig.svg).toContain('fold 2');
    expect(fig.svg).toContain('validation');
    const png = PNG.sync.read(fig.png);
    expect(png.width).toBeGreaterThan(600);
    expect(png.height).toBeGreaterThan(200);
    // Something other than the white background was drawn.
    let dark = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] < 128) dark++;
    expect(dark).toBeGreaterThan(500);
  });

  it('drops non-positive losses (log scale) and refuses an empty history', () => {
    const spec = learningCurveSpec([{ run: 'final', epoch: 1, trainLoss: 0, valLoss: 0.5 }], 't') as unknown as {
      data: { values: unknown[] };
    };
    expect(spec.data.values).toHaveLength(1);
    expect(() => learningCurveSpec([], 't')).toThrow(/at least one epoch/);
  });
});

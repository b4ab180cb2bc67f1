// The Fig.-2-like comparison: panels side by side on one grey window, on the axial slice with the most brain.
import { PNG } from 'pngjs';
import { renderComparisonFigure } from '../../../src/research/evaluate/comparisonFigure';
import { createVolume } from '../../../src/core/volume';

describe('comparison figure', () => {
  const dims: [number, number, number] = [16, 12, 6];
  const ramp = createVolume({ dims, data: Float32Array.from({ length: 16 * 12 * 6 }, (_, i) => i % 16) });
  const flat = createVolume({ dims, data: new Float32Array(16 * 12 * 6).fill(7.5) });

  it('lays the panels out in a row with the same window', () => {
    const mask = new Uint8Array(16 * 12 * 6);
    mask.fill(1, 16 * 12 * 4, 16 * 12 * 5); // slice 4 has the most mask voxels
    const out = renderComparisonFigure(
      [
        { label: 'flat', volume: flat },
        { label: 'ramp', volume: ramp },
      ],
      { zoom: 2, window: [0, 15], mask },
    );
    expect(out.slice).toBe(4);
    const png = PNG.sync.read(out.png);
    expect(png.width).toBe(2 * 32 + 4);
    expect(png.height).toBe(24 + 14);
    const grey = (x: number, y: number) => png.data[(y * png.width + x) * 4];
    // Flat panel: 7.5 of [0, 15] → mid grey; ramp panel: black on the left, white on the right.
    expect(grey(10, 14 + 5)).toBe(128);
    expect(grey(36 + 0, 14 + 5)).toBe(0);
    expect(grey(36 + 31, 14 + 5)).toBe(255);
  });

  it('refuses mismatched panels, slices out of range and empty windows', () => {
    const other = createVolume({ dims: [8, 8, 8] });
    expect(() =>
      renderComparisonFigure([
        { label: 'a', volume: flat },
        { label: 'b', volume: other },
      ]),
    ).toThrow(/dims/);
    expect(() => renderComparisonFigure([{ label: 'a', volume: flat }], { slice: 9 })).toThrow(/outside 0\.\.5/);
    expect(() => renderComparisonFigure([{ label: 'a', volume: flat }], { window: [3, 3] })).toThrow(/empty/);
  });
});

// A figure like the paper's Fig. 2: the same axial slice of noisy, NLM, DA and reference images side by side, in one
// grey-level window, as a PNG written with pngjs.
import { PNG } from 'pngjs';
import { quantile } from '../../core/stats';
import type { Volume } from '../../core/volume';

export interface FigurePanel {
  label: string;
  volume: Volume;
}

export interface ComparisonFigureOptions {
  /** Axial slice index (k); default: the slice with most window-relevant signal (the middle of the brain mask if given). */
  slice?: number;
  /** Grey window [low, high]; default: 0 to the 99.5th percentile of the last panel (the reference) on that slice. */
  window?: [number, number];
  /** Integer upscaling of each voxel (nearest neighbour) so 4 mm voxels are visible. */
  zoom?: number;
  /** Mask used to pick the default slice. */
  mask?: Uint8Array;
}

const GAP = 4;
const LABEL_ROWS = 12;

/** Renders the panels in one row, each labelled by a small bitmap caption. Returns PNG bytes. */
export function renderComparisonFigure(
  panels: readonly FigurePanel[],
  opts: ComparisonFigureOptions = {},
): { png: Buffer; slice: number; window: [number, number] } {
  if (panels.length === 0) throw new Error('comparison figure needs at least one panel');
  const [nx, ny, nz] = panels[0].volume.dims;
  for (const p of panels) {
    if (p.volume.dims.some((d, i) => d !== panels[0].volume.dims[i]))
      throw new Error(`panel "${p.label}" has dims [${p.volume.dims}] unlike [${panels[0].volume.dims}]`);
  }
  const slice = opts.slice ?? defaultSlice(panels[0].volume.dims, opts.mask);
  if (!Number.isInteger(slice) || slice < 0 || slice >= nz) throw new Error(`slice ${slice} is outside 0..${nz - 1}`);
  const reference = panels[panels.length - 1].volume;
  const window = opts.window ?? [0, quantile(reference.data.subarray(slice * nx * ny, (slice + 1) * nx * ny), 0.995)];
  if (!(window[1] > window[0])) throw new Error(`grey window [${window}] is empty`);
  const zoom = opts.zoom ?? Math.max(1, Math.floor(256 / Math.max(nx, ny)));
  const pw = nx * zoom;
  const ph = ny * zoom;
  const width = panels.length * pw + (panels.length - 1) * GAP;
  const height = ph + LABEL_ROWS + 2;
  const png = new PNG({ width, height, colorType: 2 });
  png.data.fill(255);
  panels.forEach((panel, p) => {
    const x0 = p * (pw + GAP);
    drawText(png, panel.label, x0 + 2, 2);
    const data = panel.volume.data;
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const v = data[i + nx * (j + ny * slice)];
        const g = Math.round(255 * Math.min(1, Math.max(0, (v - window[0]) / (window[1] - window[0]))));
        for (let dy = 0; dy < zoom; dy++)
          for (let dx = 0; dx < zoom; dx++) {
            // Row j grows towards the patient's posterior (LPS), drawn downwards as radiological viewers do.
            const o = ((LABEL_ROWS + 2 + j * zoom + dy) * width + x0 + i * zoom + dx) * 4;
            png.data[o] = png.data[o + 1] = png.data[o + 2] = g;
            png.data[o + 3] = 255;
          }
      }
  });
  return { png: PNG.sync.write(png), slice, window };
}

function defaultSlice(dims: readonly number[], mask?: Uint8Array): number {
  const [nx, ny, nz] = dims;
  if (!mask) return Math.floor(nz / 2);
  // The slice with the largest mask area: the widest axial cut through the brain.
  let best = Math.floor(nz / 2);
  let bestCount = -1;
  for (let k = 0; k < nz; k++) {
    let c = 0;
    for (let i = k * nx * ny; i < (k + 1) * nx * ny; i++) if (mask[i]) c++;
    if (c > bestCount) {
      bestCount = c;
      best = k;
    }
  }
  return best;
}

// A 3×5 bitmap font for captions (upper-case letters, digits and a few signs): enough for "NOISY", "NLM", "DA", "MEAN3".
const GLYPHS: Record<string, string> = {
  A: '010101111101101',
  B: '110101110101110',
  C: '011100100100011',
  D: '110101101101110',
  E: '111100110100111',
  F: '111100110100100',
  G: '011100101101011',
  H: '101101111101101',
  I: '111010010010111',
  J: '001001001101010',
  K: '101101110101101',
  L: '100100100100111',
  M: '101111111101101',
  N: '110101101101101',
  O: '010101101101010',
  P: '110101110100100',
  Q: '010101101110011',
  R: '110101110101101',
  S: '011100010001110',
  T: '111010010010010',
  U: '101101101101111',
  V: '101101101101010',
  W: '101101111111101',
  X: '101101010101101',
  Y: '101101010010010',
  Z: '111001010100111',
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '110001010100111',
  '3': '110001010001110',
  '4': '101101111001001',
  '5': '111100110001110',
  '6': '011100111101111',
  '7': '111001010010010',
  '8': '111101111101111',
  '9': '111101111001110',
  '-': '000000111000000',
  '(': '010100100100010',
  ')': '010001001001010',
  ' ': '000000000000000',
  '.': '000000000000010',
  '=': '000111000111000',
  '+': '000010111010000',
};

function drawText(png: PNG, text: string, x: number, y: number): void {
  const scale = 2;
  let cx = x;
  for (const ch of text.toUpperCase()) {
    const glyph = GLYPHS[ch] ?? GLYPHS[' '];
    for (let r = 0; r < 5; r++)
      for (let c = 0; c < 3; c++) {
        if (glyph[r * 3 + c] !== '1') continue;
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) {
            const px = cx + c * scale + dx,
              py = y + r * scale + dy;
            if (px >= png.width || py >= png.height) continue;
            const o = (py * png.width + px) * 4;
            png.data[o] = png.data[o + 1] = png.data[o + 2] = 0;
          }
      }
    cx += 4 * scale;
  }
}

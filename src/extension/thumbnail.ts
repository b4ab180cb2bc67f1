// Study-browser thumbnail of an in-memory volume: the middle axial slice, windowed to the 1st–99th percentile.

/** RGBA pixels of slice k, intensities mapped linearly from [lo, hi] to [0, 255] (pure, testable). */
export function sliceToRgba(
  data: Float32Array,
  dims: readonly [number, number, number],
  k: number,
  lo: number,
  hi: number,
): Uint8ClampedArray {
  const [nx, ny] = dims;
  const out = new Uint8ClampedArray(nx * ny * 4);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const off = k * nx * ny;
  for (let i = 0; i < nx * ny; i++) {
    const v = (data[off + i] - lo) * scale;
    out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Robust display range of a volume from a strided sample. */
export function displayRange(data: Float32Array): [number, number] {
  const step = Math.max(1, Math.floor(data.length / 20000));
  const sample: number[] = [];
  for (let i = 0; i < data.length; i += step) sample.push(data[i]);
  sample.sort((a, b) => a - b);
  const at = (p: number) => sample[Math.min(sample.length - 1, Math.floor(p * (sample.length - 1)))];
  return [at(0.01), at(0.99)];
}

/** The window a series is shown with: its first WindowCenter/Width when stored, else its robust display range. */
export function windowOf(data: Float32Array, source: { instance?: Record<string, unknown> }): [number, number] {
  const first = (v: unknown) => Number(Array.isArray(v) ? v[0] : v);
  const c = first(source.instance?.WindowCenter);
  const w = first(source.instance?.WindowWidth);
  return Number.isFinite(c) && Number.isFinite(w) && w > 0 ? [c - w / 2, c + w / 2] : displayRange(data);
}

/** A PNG data URL of the middle slice in `window` (default: its own range); '' without a canvas (outside browsers). */
export function thumbnailDataUrl(
  data: Float32Array,
  dims: readonly [number, number, number],
  window: [number, number] = displayRange(data),
): string {
  if (typeof document === 'undefined') return '';
  const [nx, ny, nz] = dims;
  const [lo, hi] = window;
  const canvas = document.createElement('canvas');
  canvas.width = nx;
  canvas.height = ny;
  const ctx = canvas.getContext('2d');
  if (!ctx) return '';
  const image = ctx.createImageData(nx, ny);
  image.data.set(sliceToRgba(data, dims, Math.floor(nz / 2), lo, hi));
  ctx.putImageData(image, 0, 0);
  return canvas.toDataURL('image/png');
}

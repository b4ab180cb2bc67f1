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

/** A PNG data URL of the middle slice (browser only; '' when no canvas is available). */
export function thumbnailDataUrl(data: Float32Array, dims: readonly [number, number, number]): string {
  if (typeof document === 'undefined') return '';
  const [nx, ny, nz] = dims;
  const [lo, hi] = displayRange(data);
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

// Decoding native (uncompressed, little-endian) pixel data of one frame into real-world Float32 values.
import { getNumber, getString, type DicomDataset } from './values';

/** How an instance's pixel bytes are laid out (Image Pixel module). */
export interface PixelLayout {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  /** 'int' for PixelData, 'float32'/'float64' for Float / Double Float Pixel Data. */
  kind: 'int' | 'float32' | 'float64';
  /** All frames' bytes, concatenated. */
  bytes: ArrayBuffer;
}

/** Reads the Image Pixel module; throws `${where}: ...` for layouts this reader does not decode. */
export function pixelLayout(ds: DicomDataset, where: string): PixelLayout {
  const rows = getNumber(ds, 'Rows');
  const columns = getNumber(ds, 'Columns');
  if (!rows || !columns) throw new Error(`${where}: missing Rows/Columns`);
  const samples = getNumber(ds, 'SamplesPerPixel') ?? 1;
  if (samples !== 1) {
    throw new Error(
      `${where}: SamplesPerPixel is ${samples} (${getString(ds, 'PhotometricInterpretation') ?? 'colour'}); only single-sample (grayscale) images are supported`,
    );
  }
  const float = pixelBytes(ds.FloatPixelData);
  const double = pixelBytes(ds.DoubleFloatPixelData);
  const native = pixelBytes(ds.PixelData);
  if (float) return { rows, columns, bitsAllocated: 32, bitsStored: 32, signed: true, kind: 'float32', bytes: float };
  if (double) return { rows, columns, bitsAllocated: 64, bitsStored: 64, signed: true, kind: 'float64', bytes: double };
  if (!native) throw new Error(`${where}: has no pixel data`);
  const bitsAllocated = getNumber(ds, 'BitsAllocated') ?? 16;
  if (![8, 16, 32].includes(bitsAllocated)) {
    throw new Error(`${where}: BitsAllocated ${bitsAllocated} is not supported (8, 16 or 32 are)`);
  }
  const bitsStored = getNumber(ds, 'BitsStored') ?? bitsAllocated;
  const signed = getNumber(ds, 'PixelRepresentation') === 1;
  return {
    rows,
    columns,
    bitsAllocated,
    bitsStored: Math.min(bitsStored, bitsAllocated),
    signed,
    kind: 'int',
    bytes: native,
  };
}

/** dcmjs gives native pixel data as [ArrayBuffer] (or, for some writers, several fragments to concatenate). */
function pixelBytes(value: unknown): ArrayBuffer | undefined {
  if (value instanceof ArrayBuffer) return value;
  if (ArrayBuffer.isView(value))
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer;
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const parts = value.map((p) => pixelBytes(p)).filter((p): p is ArrayBuffer => p !== undefined);
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out.buffer;
}

export function frameCount(layout: PixelLayout): number {
  return Math.floor(layout.bytes.byteLength / frameBytes(layout));
}

function frameBytes(layout: PixelLayout): number {
  return (layout.rows * layout.columns * layout.bitsAllocated) / 8;
}

/**
 * Frame `frame` (0-based) as real-world values: stored value (sign-extended from BitsStored) × slope + intercept.
 * Row-major with columns fastest, which is the Volume's x-fastest order for one slice.
 */
export function decodeFrame(
  layout: PixelLayout,
  frame: number,
  slope: number,
  intercept: number,
  where: string,
): Float32Array {
  const n = layout.rows * layout.columns;
  const size = frameBytes(layout);
  const start = frame * size;
  if (start + size > layout.bytes.byteLength) {
    throw new Error(
      `${where}: pixel data holds ${layout.bytes.byteLength} bytes, too few for frame ${frame + 1} of ${layout.rows}×${layout.columns}×${layout.bitsAllocated}-bit pixels`,
    );
  }
  // A copy keeps typed-array alignment independent of where the frame starts.
  const buf = layout.bytes.slice(start, start + size);
  const out = new Float32Array(n);
  if (layout.kind !== 'int') {
    const src = layout.kind === 'float32' ? new Float32Array(buf) : new Float64Array(buf);
    for (let i = 0; i < n; i++) out[i] = src[i] * slope + intercept;
    return out;
  }
  const { bitsAllocated, bitsStored, signed } = layout;
  const src =
    bitsAllocated === 8
      ? signed
        ? new Int8Array(buf)
        : new Uint8Array(buf)
      : bitsAllocated === 16
        ? signed
          ? new Int16Array(buf)
          : new Uint16Array(buf)
        : signed
          ? new Int32Array(buf)
          : new Uint32Array(buf);
  if (bitsStored === bitsAllocated) {
    for (let i = 0; i < n; i++) out[i] = src[i] * slope + intercept;
    return out;
  }
  // Fewer stored bits: mask the unused high bits, then sign-extend from bit BitsStored-1 when signed.
  const shift = 32 - bitsStored;
  const mask = bitsStored >= 32 ? 0xffffffff : 2 ** bitsStored - 1;
  for (let i = 0; i < n; i++) {
    const raw = (src[i] & mask) >>> 0;
    const v = signed ? (raw << shift) >> shift : raw;
    out[i] = v * slope + intercept;
  }
  return out;
}

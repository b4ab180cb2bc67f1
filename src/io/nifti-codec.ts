// NIfTI (.nii / .nii.gz) bytes ⇄ Volume with fflate's gzip, without Node APIs so the browser build can use it too.
// The format itself is nifti-format.ts; Node's file helpers (nifti.ts) inflate with zlib and load this only to
// fall back on the streaming inflater.
import { Gunzip, gzipSync } from 'fflate';
import type { Volume } from '../core/volume';
import { NIFTI2_HEADER_SIZE } from './nifti-header';
import {
  DEFAULT_MAX_NIFTI_BYTES,
  declaredSize,
  decodeNifti,
  encodeNifti,
  formatBytes,
  isGzip,
  type NiftiWriteOptions,
} from './nifti-format';

export * from './nifti-format';

export interface NiftiReadOptions {
  /**
   * Largest decompressed image accepted, in bytes (default DEFAULT_MAX_NIFTI_BYTES). Checked from the header before
   * the voxels are inflated, so a small .nii.gz that would inflate to gigabytes is refused at once.
   */
  maxBytes?: number;
  /** A faster whole-stream inflater where the platform has one (Node's zlib: 64³ float32 about 5× fflate's time). */
  inflate?: GzipInflater;
}

/**
 * Inflates a whole gzip stream to at most `maxOutputBytes` and throws when it would give more: e.g.
 * `(gz, max) => zlib.gunzipSync(gz, { maxOutputLength: max })`.
 */
export type GzipInflater = (gz: Uint8Array, maxOutputBytes: number) => Uint8Array;

/**
 * Inflates a .nii.gz only as far as its header says the image goes, refusing images over `maxBytes` as soon as the
 * header is read (a gzip bomb costs one header's worth of work, not gigabytes of memory).
 */
function inflateNifti(gz: Uint8Array, maxBytes: number, fast?: GzipInflater): Uint8Array {
  const chunks: Uint8Array[] = [];
  let have = 0;
  let need = Infinity;
  const gunzip = new Gunzip((chunk) => {
    chunks.push(chunk);
    have += chunk.length;
  });
  // The first step only needs the header: with a fast inflater everything after it is inflated again from the start.
  for (let at = 0, step = 1 << 12; at < gz.length && have < need; at += step, step = 1 << 16) {
    gunzip.push(gz.subarray(at, at + step), at + step >= gz.length);
    if (need === Infinity && have >= NIFTI2_HEADER_SIZE) {
      const declared = declaredSize(concat(chunks, have), maxBytes);
      need = declared ?? have;
      const whole = declared !== undefined && fast ? inflateAtMost(fast, gz, need) : undefined;
      if (whole) return whole;
    }
    if (need === Infinity && have > maxBytes)
      throw new Error(`NIfTI .gz decompresses to more than the ${formatBytes(maxBytes)} limit`);
  }
  return concat(chunks, have);
}

/** The fast inflater's output when the stream holds at least `need` bytes and no more; otherwise undefined, and the
 * streaming inflater (which stops at `need` and reports errors its own way) takes over. */
function inflateAtMost(fast: GzipInflater, gz: Uint8Array, need: number): Uint8Array | undefined {
  try {
    const out = fast(gz, need);
    return out.length === need ? out : undefined;
  } catch {
    return undefined; // trailing bytes past the image, or a corrupt stream
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  chunks.splice(0, chunks.length, out);
  return out;
}

/** Reads a 3D NIfTI-1/2 image (.nii or gzipped .nii.gz) into a Float32 Volume in DICOM LPS geometry. */
export function readNifti(input: ArrayBuffer | Uint8Array, opts: NiftiReadOptions = {}): Volume {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_NIFTI_BYTES;
  let bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (isGzip(bytes)) {
    try {
      bytes = inflateNifti(bytes, maxBytes, opts.inflate);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(/limit/.test(message) ? message : `NIfTI .gz could not be decompressed: ${message}`);
    }
  }
  return decodeNifti(bytes, maxBytes);
}

/** Writes a Volume as gzipped NIfTI-1 (.nii.gz) bytes with matching sform and qform (both code 1, scanner). */
export function writeNifti(volume: Volume, opts: NiftiWriteOptions = {}): Uint8Array {
  return gzipSync(encodeNifti(volume, opts), { level: opts.compressionLevel ?? 6 });
}

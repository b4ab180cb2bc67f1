// NIfTI I/O for Node: the byte codec (browser-safe, in nifti-codec.ts) plus file helpers.
import { promises as fs } from 'node:fs';
import { gunzipSync, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Volume } from '../core/volume';
import { writeFileAtomic } from './atomic-write';
import { DEFAULT_MAX_NIFTI_BYTES, encodeNifti, formatBytes, readNifti, type NiftiWriteOptions } from './nifti-codec';

const gzipAsync = promisify(gzip);

export {
  readNifti,
  writeNifti,
  encodeNifti,
  DEFAULT_MAX_NIFTI_BYTES,
  type NiftiReadOptions,
  niftiGeometry,
  type NiftiWriteOptions,
  type NiftiWriteDatatype,
} from './nifti-codec';

/** The environment variable that sets the decompressed NIfTI size limit, e.g. 4G, 512M or a byte count. */
export const MAX_NIFTI_ENV = 'SODIUM_DENOISE_MAX_NIFTI_BYTES';

/** The decompressed NIfTI size limit: $SODIUM_DENOISE_MAX_NIFTI_BYTES, else 1 GiB. */
export function niftiSizeLimit(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[MAX_NIFTI_ENV];
  if (text === undefined || text.trim() === '') return DEFAULT_MAX_NIFTI_BYTES;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) throw new Error(`${MAX_NIFTI_ENV}="${text}" is not a size (e.g. 4G, 512M or a number of bytes)`);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[
    m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'
  ];
  return Math.floor(Number(m[1]) * scale);
}

/** Reads a .nii or .nii.gz file; errors name the file. Images over niftiSizeLimit() are refused from their header. */
export async function readNiftiFile(path: string): Promise<Volume> {
  const maxBytes = niftiSizeLimit();
  const { size } = await fs.stat(path);
  if (size > maxBytes)
    throw new Error(
      `${path}: the file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit (raise it with ${MAX_NIFTI_ENV}, e.g. ${MAX_NIFTI_ENV}=4G)`,
    );
  const bytes = await fs.readFile(path);
  try {
    return readNifti(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      maxBytes,
      inflate: zlibInflate,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = / limit$/.test(message) ? ` (raise it with ${MAX_NIFTI_ENV}, e.g. ${MAX_NIFTI_ENV}=4G)` : '';
    throw new Error(`${path}: ${message}${hint}`);
  }
}

/** Node's native inflate, bounded: zlib refuses to produce more than `maxOutputBytes`. */
function zlibInflate(gz: Uint8Array, maxOutputBytes: number): Uint8Array {
  const out = gunzipSync(gz, { maxOutputLength: Math.max(1, maxOutputBytes) });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Writes a Volume as gzipped NIfTI-1, atomically (temporary file, then rename); the path must end in .nii.gz. */
export async function writeNiftiFile(path: string, volume: Volume, opts: NiftiWriteOptions = {}): Promise<void> {
  if (!path.endsWith('.nii.gz'))
    throw new Error(`writeNiftiFile writes gzipped NIfTI: name the file *.nii.gz, not ${path}`);
  await writeFileAtomic(path, await gzipNifti(volume, opts));
}

/** Gzipped NIfTI-1 bytes through Node's native zlib, several times faster than fflate (64³ float32: 0.75 → 0.15 s). */
export async function gzipNifti(volume: Volume, opts: NiftiWriteOptions = {}): Promise<Uint8Array> {
  return gzipAsync(encodeNifti(volume, opts), { level: opts.compressionLevel ?? 6 });
}

// NIfTI I/O for Node: the byte codec (browser-safe, in nifti-codec.ts) plus file helpers.
import { promises as fs } from 'node:fs';
import { gunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Volume } from '../core/volume';
import { encodeNifti, readNifti, type NiftiWriteOptions } from './nifti-codec';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export {
  readNifti,
  writeNifti,
  encodeNifti,
  niftiGeometry,
  type NiftiWriteOptions,
  type NiftiWriteDatatype,
} from './nifti-codec';

/** Reads a .nii or .nii.gz file; errors name the file. */
export async function readNiftiFile(path: string): Promise<Volume> {
  const file = await fs.readFile(path);
  try {
    // Node's zlib inflates several times faster than fflate (readNifti's browser-safe path): 64³ float32 0.4 → 0.1 s.
    const bytes = file[0] === 0x1f && file[1] === 0x8b ? await gunzipAsync(file) : file;
    return readNifti(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Writes a Volume as gzipped NIfTI-1; the path should end in .nii.gz (the bytes are always gzipped). */
export async function writeNiftiFile(path: string, volume: Volume, opts: NiftiWriteOptions = {}): Promise<void> {
  if (!path.endsWith('.nii.gz'))
    throw new Error(`writeNiftiFile writes gzipped NIfTI: name the file *.nii.gz, not ${path}`);
  await fs.writeFile(path, await gzipNifti(volume, opts));
}

/** Gzipped NIfTI-1 bytes through Node's native zlib, several times faster than fflate (64³ float32: 0.75 → 0.15 s). */
export async function gzipNifti(volume: Volume, opts: NiftiWriteOptions = {}): Promise<Uint8Array> {
  return gzipAsync(encodeNifti(volume, opts), { level: opts.compressionLevel ?? 6 });
}

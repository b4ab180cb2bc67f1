// NIfTI I/O for Node: the byte codec (browser-safe, in nifti-codec.ts) plus file helpers.
import { promises as fs } from 'node:fs';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Volume } from '../core/volume';
import { encodeNifti, readNifti, type NiftiWriteOptions } from './nifti-codec';

const gzipAsync = promisify(gzip);

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
  const bytes = await fs.readFile(path);
  try {
    return readNifti(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Writes a Volume as gzipped NIfTI-1; the path should end in .nii.gz (the bytes are always gzipped). */
export async function writeNiftiFile(path: string, volume: Volume, opts: NiftiWriteOptions = {}): Promise<void> {
  if (!path.endsWith('.nii.gz'))
    throw new Error(`writeNiftiFile writes gzipped NIfTI: name the file *.nii.gz, not ${path}`);
  // Node's native zlib is several times faster than fflate for the same gzip bytes format.
  const bytes = await gzipAsync(encodeNifti(volume, opts), { level: opts.compressionLevel ?? 6 });
  await fs.writeFile(path, bytes);
}

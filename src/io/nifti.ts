// NIfTI I/O for Node: the byte codec (browser-safe, in nifti-codec.ts) plus file helpers.
import { promises as fs } from 'node:fs';
import type { Volume } from '../core/volume';
import { readNifti, writeNifti, type NiftiWriteOptions } from './nifti-codec';

export { readNifti, writeNifti, niftiGeometry, type NiftiWriteOptions, type NiftiWriteDatatype } from './nifti-codec';

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
  if (!path.endsWith('.nii.gz')) throw new Error(`writeNiftiFile writes gzipped NIfTI: name the file *.nii.gz, not ${path}`);
  await fs.writeFile(path, writeNifti(volume, opts));
}

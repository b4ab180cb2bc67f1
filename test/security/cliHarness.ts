// Shared by the CLI test/security suites: run the real `sodium-denoise` binary (test/helpers/cliProcess), digest
// files and folders to prove inputs stayed byte-identical, and a tiny phantom subject on disk.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeVolumeOutput } from '../../src/io/volume-file';
import { BIN, startCli, type CliResult } from '../helpers/cliProcess';
import { writeNiftiFile } from '../../src/io/nifti';
import { createVolume } from '../../src/core/volume';
import { generateSubject, resolvePhantomParams } from '../../src/phantom';

export const ROOT = path.join(__dirname, '..', '..');
export { BIN };

/** Runs the CLI through its bin/ wrapper as its own process group (test/helpers/cliProcess); resolves at exit. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return startCli(args, { ...process.env, ...opts.env }).done;
}

/** SHA-256 of a file, or of every file under a folder (names and bytes), to show an input is unchanged. */
export function digest(p: string): string {
  const h = crypto.createHash('sha256');
  const walk = (q: string, rel: string) => {
    const st = fs.lstatSync(q);
    if (st.isDirectory()) for (const n of fs.readdirSync(q).sort()) walk(path.join(q, n), `${rel}/${n}`);
    else h.update(rel).update(fs.readFileSync(q));
  };
  walk(p, '');
  return h.digest('hex');
}

/** A 24³ phantom subject as NIfTI (noisy input, truth, brain mask) and one DICOM series folder. */
export async function writeSmallSubject(dir: string): Promise<{
  input: string;
  truth: string;
  mask: string;
  dicom: string;
}> {
  const subject = generateSubject(resolvePhantomParams({ matrix: 24, voxelSizeMm: 10, subjects: 1, seed: 5 }), 0);
  const files = {
    input: path.join(dir, 'noisy.nii.gz'),
    truth: path.join(dir, 'truth.nii.gz'),
    mask: path.join(dir, 'mask.nii.gz'),
    dicom: path.join(dir, 'dicom'),
  };
  await writeNiftiFile(files.input, subject.acquisitions[0]);
  await writeNiftiFile(files.truth, subject.truth);
  await writeNiftiFile(files.mask, createVolume({ ...subject.truth, data: Float32Array.from(subject.brainMask) }));
  await writeVolumeOutput(files.dicom, subject.acquisitions[1], { dicom: { seriesDescription: 'Na input' } });
  return files;
}

/** Names in a folder, hidden ones included (to show no partial output or temporary is left). */
export function listAll(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

// Node: an output path may never name, contain, sit inside, or alias (symlink, hard link, bind mount) any input of the
// same command, and its form (NIfTI file or folder) must be one the command writes. One home for every command's
// --out / --publish checks; each refusal is one line naming both flags.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A path given on the command line and the flag it came from, for messages. */
export interface FlagPath {
  flag: string;
  path: string;
}

/** What an output path will be written as. */
export type OutputForm = 'nifti' | 'folder';

const NIFTI_NAME = /\.nii(\.gz)?$/i;
/** A file-name extension: a dot and 1–6 letters/digits starting with a letter (x.nrrd, x.mha, x.dcm, x.zip). */
const EXTENSION = /\.([A-Za-z][A-Za-z0-9]{0,5})$/;

function endsWithSeparator(p: string): boolean {
  return p.endsWith('/') || p.endsWith(path.sep);
}

/**
 * Decides what `out` names, from the forms a command writes: *.nii / *.nii.gz is a NIfTI file; a name without an
 * extension (or with a trailing /) is a folder. Anything else is refused with the accepted forms, so a typo such as
 * `x.nrrd` or `out.nii.gz/` never becomes a silent DICOM folder.
 * @example outputForm({ flag: '--out', path: 'den.nii.gz' }, ['nifti', 'folder']) // 'nifti'
 */
export function outputForm(out: FlagPath, accepted: readonly OutputForm[], folderWhat = 'a DICOM series'): OutputForm {
  const p = out.path;
  const forms = [
    ...(accepted.includes('nifti') ? ['a *.nii.gz or *.nii file'] : []),
    ...(accepted.includes('folder')
      ? [`a folder for ${folderWhat} (a name without an extension, or ending in /)`]
      : []),
  ].join(', or ');
  const refuse = (why: string): never => {
    throw new Error(`${out.flag} ${p}: ${why}; give ${forms}`);
  };
  if (p.trim() === '') refuse('empty path');
  const trimmed = p.replace(/[\\/]+$/, '');
  if (endsWithSeparator(p)) {
    if (NIFTI_NAME.test(trimmed)) refuse('a NIfTI file name with a trailing /');
    if (!accepted.includes('folder')) refuse('names a folder');
    return 'folder';
  }
  if (NIFTI_NAME.test(p)) {
    if (!accepted.includes('nifti')) refuse('names a NIfTI file');
    return 'nifti';
  }
  const existing = fs.statSync(p, { throwIfNoEntry: false });
  if (existing?.isDirectory() && accepted.includes('folder')) return 'folder';
  if (existing && !existing.isDirectory()) refuse('is an existing file of an unknown type');
  const ext = EXTENSION.exec(path.basename(p));
  if (ext && accepted.includes('nifti')) refuse(`unknown output type .${ext[1]}`);
  if (!accepted.includes('folder')) refuse('has no NIfTI extension');
  return 'folder';
}

/** The real path of `p`, resolving symlinks as far as the path exists (the rest is appended as given). */
function realPathAsFarAsExists(p: string): string {
  let abs = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(abs), ...rest.reverse());
    } catch {
      const parent = path.dirname(abs);
      if (parent === abs) return path.join(abs, ...rest.reverse());
      rest.push(path.basename(abs));
      abs = parent;
    }
  }
}

interface Identity {
  dev: number;
  ino: number;
}

function identityOf(p: string): (Identity & { dir: boolean }) | undefined {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  return st ? { dev: st.dev, ino: st.ino, dir: st.isDirectory() } : undefined;
}

const same = (a: Identity, b: Identity) => a.dev === b.dev && a.ino === b.ino;

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Identities of the regular files of a folder, recursively (bounded, so a huge tree cannot stall the check). */
function fileIdentities(dir: string, out: Map<string, string>, budget = { left: 100_000 }): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (budget.left-- <= 0) return;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) fileIdentities(full, out, budget);
    else if (e.isFile()) {
      const st = fs.statSync(full, { throwIfNoEntry: false });
      if (st) out.set(`${st.dev}:${st.ino}`, full);
    }
  }
}

/**
 * Throws one line when writing `out` could touch an input: the same path, a symlink or hard link to one (real paths
 * and (device, inode) are compared), a folder holding an input, or a path inside an input folder. An input that is
 * a single DICOM file stands for its whole folder (the folder is what gets read).
 * @example await assertOutputSafe({ flag: '--out', path: 'x.nii.gz' }, [{ flag: '--in', path: 'x.nii.gz' }]) // throws
 */
export function assertOutputSafe(out: FlagPath, inputs: readonly (FlagPath | undefined)[]): void {
  const outReal = realPathAsFarAsExists(out.path);
  const outId = identityOf(out.path);
  const refuse = (input: FlagPath, how: string): never => {
    throw new Error(
      `${out.flag} ${out.path} ${how} ${input.flag} ${input.path}; inputs are never overwritten, choose another ${out.flag}`,
    );
  };
  for (const input of inputs) {
    if (!input || input.path === '' || /^[a-z]+:/i.test(input.path)) continue; // e.g. --cohort phantom:13:1
    const inId = identityOf(input.path);
    if (!inId) continue; // a missing input is the reader's error to report
    const inReal = realPathAsFarAsExists(input.path);
    // A lone DICOM file is read with its whole folder; a NIfTI file is just itself.
    const inFootprint = !inId.dir && !NIFTI_NAME.test(input.path) ? path.dirname(inReal) : inReal;
    if (outReal === inReal || (outId && same(outId, inId))) refuse(input, 'is the same file or folder as');
    if (isInside(inFootprint, outReal) || isInside(inReal, outReal)) refuse(input, 'is a folder that holds');
    if (isInside(outReal, inFootprint) && (inId.dir || inFootprint !== inReal))
      refuse(input, 'is inside the input folder of');
    if (outId && !outId.dir && inId.dir) {
      const ids = new Map<string, string>();
      fileIdentities(inReal, ids);
      const hit = ids.get(`${outId.dev}:${outId.ino}`);
      if (hit) refuse(input, `is a hard link to ${hit} in`);
    }
  }
}

// The CLI never modifies an input: --out equal to, linked to, holding or inside any input is refused with one line
// for every command; outputs appear whole or not at all (kill -9 and Ctrl-C mid-write); unknown output forms, NaN
// voxels, NIfTI bombs, absurd σ, junk files in DICOM folders and oversized --threads get clear answers.
// Runtime: ~60 s on a loaded 2-core machine (about 40 CLI runs, four at a time).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createVolume } from '../../src/core/volume';
import { encodeNifti, readNifti } from '../../src/io/nifti-codec';
import { readVolumeInput } from '../../src/io/volume-file';
import { writeNiftiFile } from '../../src/io/nifti';
import { BIN, digest, listAll, ROOT, runCli, writeSmallSubject } from './cliHarness';

jest.setTimeout(300_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sec-cli-'));
let f: Awaited<ReturnType<typeof writeSmallSubject>>;
const weights = path.join(dir, 'weights');
const cohort = path.join(dir, 'cohort');
let inputs: string[];
let before: Map<string, string>;

beforeAll(async () => {
  f = await writeSmallSubject(dir);
  fs.cpSync(path.join(ROOT, 'weights', 'da'), weights, { recursive: true });
  fs.mkdirSync(path.join(cohort, 'sub-01'), { recursive: true });
  fs.copyFileSync(f.input, path.join(cohort, 'sub-01', 'acq1.nii.gz'));
  fs.symlinkSync(f.input, path.join(dir, 'link-to-input.nii.gz'));
  fs.linkSync(f.input, path.join(dir, 'hard-to-input.nii.gz'));
  fs.symlinkSync(f.dicom, path.join(dir, 'link-to-dicom'));
  fs.linkSync(path.join(f.dicom, 'IM00001.dcm'), path.join(dir, 'hard-to-slice.nii.gz'));
  inputs = [f.input, f.truth, f.mask, f.dicom, weights, cohort];
  before = new Map(inputs.map((p) => [p, digest(p)]));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const p = (name: string) => path.join(dir, name);

describe('--out can never touch an input, for every command', () => {
  // [label, argv, the flag pair the one-line refusal names, how]
  const cases: [string, () => string[], RegExp][] = [
    [
      'convert: --out = --in',
      () => ['convert', '--in', f.input, '--out', f.input],
      /--out .* is the same file or folder as --in/,
    ],
    [
      'mask: --out = --in',
      () => ['mask', '--in', f.input, '--out', f.input],
      /--out .* is the same file or folder as --in/,
    ],
    ['denoise: --out = --in', () => ['denoise', '--method', 'nlm', '--in', f.input, '--out', f.input], /as --in/],
    [
      'denoise: --out = --mask',
      () => ['denoise', '--method', 'nlm', '--in', f.input, '--mask', f.mask, '--out', f.mask],
      /as --mask/,
    ],
    [
      'denoise: --out = --reference',
      () => ['denoise', '--method', 'nlm', '--in', f.input, '--reference', f.truth, '--out', f.truth],
      /as --reference/,
    ],
    [
      'denoise: --out = --weights',
      () => ['denoise', '--method', 'da', '--in', f.input, '--weights', weights, '--out', weights],
      /as --weights/,
    ],
    ['convert: --out = the DICOM --in folder', () => ['convert', '--in', f.dicom, '--out', f.dicom], /as --in/],
    ['train: --out = --cohort', () => ['train', '--cohort', cohort, '--out', cohort], /as --cohort/],
    [
      'train: --publish = --cohort',
      () => ['train', '--cohort', cohort, '--out', p('runs'), '--final', '--publish', cohort],
      /--publish .* as --cohort/,
    ],
    ['evaluate: --out = --cohort', () => ['evaluate', '--cohort', cohort, '--out', cohort], /as --cohort/],
    [
      'evaluate: --out = --weights',
      () => ['evaluate', '--cohort', cohort, '--weights', weights, '--out', weights],
      /as --weights/,
    ],
    [
      'phantom: --out a non-empty folder',
      () => ['phantom', '--out', cohort, '--subjects', '1', '--matrix', '16', '--voxel-size', '16'],
      /is not empty/,
    ],
    [
      'symlink to --in',
      () => ['mask', '--in', f.input, '--out', p('link-to-input.nii.gz')],
      /same file or folder as --in/,
    ],
    [
      'hard link to --in',
      () => ['convert', '--in', f.input, '--out', p('hard-to-input.nii.gz')],
      /same file or folder as --in/,
    ],
    [
      'symlink to the DICOM --in folder',
      () => ['denoise', '--method', 'nlm', '--in', f.dicom, '--out', p('link-to-dicom')],
      /same file or folder as --in/,
    ],
    [
      'hard link to a file inside the --in folder',
      () => ['convert', '--in', f.dicom, '--out', p('hard-to-slice.nii.gz')],
      /is a hard link to .*IM00001\.dcm in --in/,
    ],
    ['a folder holding --in', () => ['convert', '--in', f.input, '--out', dir], /is a folder that holds --in/],
    [
      'inside the --in folder',
      () => ['convert', '--in', f.dicom, '--out', path.join(f.dicom, 'derived')],
      /is inside the input folder of --in/,
    ],
    [
      'inside the folder of a single DICOM file --in',
      () => ['convert', '--in', path.join(f.dicom, 'IM00002.dcm'), '--out', path.join(f.dicom, 'x.nii.gz')],
      /inside the input folder of --in/,
    ],
    [
      'inside the --in folder through a symlink',
      () => ['convert', '--in', f.dicom, '--out', path.join(p('link-to-dicom'), 'x.nii.gz')],
      /link-to-dicom\/x\.nii\.gz is inside the input folder of --in/,
    ],
    [
      'unknown extension',
      () => ['convert', '--in', f.input, '--out', p('x.nrrd')],
      /--out .*x\.nrrd: unknown output type \.nrrd; give a \*\.nii\.gz or \*\.nii file, or a folder/,
    ],
    [
      'NIfTI name with a trailing /',
      () => ['convert', '--in', f.input, '--out', p('o.nii.gz') + '/'],
      /a NIfTI file name with a trailing \//,
    ],
    [
      'mask into a folder',
      () => ['mask', '--in', f.input, '--out', p('maskdir')],
      /has no NIfTI extension; give a \*\.nii\.gz or \*\.nii file$/,
    ],
    [
      'phantom into a NIfTI name',
      () => ['phantom', '--out', p('c.nii.gz')],
      /names a NIfTI file; give a folder for the cohort/,
    ],
  ];

  it.concurrent.each(cases)('%s: refused with one line, exit 1', async (_label, argv, message) => {
    const r = await runCli(argv());
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sodium-denoise: /);
    expect(lines[0]).toMatch(message);
  });

  afterAll(() => {
    // Every input is byte-identical, and nothing was created beside them.
    for (const [file, sha] of before) expect(digest(file)).toBe(sha);
    for (const gone of ['x.nrrd', 'o.nii.gz', 'maskdir', 'c.nii.gz', 'runs'])
      expect(fs.existsSync(p(gone))).toBe(false);
    expect(fs.existsSync(path.join(f.dicom, 'derived'))).toBe(false);
  });
});

describe('outputs appear whole or not at all', () => {
  /** Spawns `phantom` (3 subjects, one thread) and kills it with `signal` once the first subject is written. */
  function interruptPhantom(
    out: string,
    signal: NodeJS.Signals,
  ): Promise<{ code: number | null; signal: string | null }> {
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [BIN, 'phantom', '--out', out, '--subjects', '3', '--matrix', '24', '--voxel-size', '10', '--threads', '1'],
        { cwd: ROOT, detached: true },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // kill -9 goes to the whole group (wrapper and command), as a crash of both would; SIGINT likewise (Ctrl-C).
        if (/sub-01 written/.test(stderr) && child.exitCode === null) process.kill(-child.pid!, signal);
      });
      child.on('exit', (code, sig) => resolve({ code, signal: sig }));
    });
  }

  it('kill -9 mid-cohort leaves no cohort folder; the next run sweeps the dead temporary and writes it whole', async () => {
    const parent = p('crash');
    fs.mkdirSync(parent);
    const out = path.join(parent, 'cohort');
    const r = await interruptPhantom(out, 'SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    expect(fs.existsSync(out)).toBe(false);
    const left = listAll(parent);
    expect(left).toEqual([expect.stringMatching(/^\.cohort\.partial-\d+-\d+$/)]); // hidden, never the name asked for
    const again = await runCli([
      'phantom',
      '--out',
      out,
      '--subjects',
      '1',
      '--matrix',
      '16',
      '--voxel-size',
      '16',
      '--quiet',
    ]);
    expect(again.code).toBe(0);
    expect(listAll(parent)).toEqual(['cohort']);
    expect(fs.existsSync(path.join(out, 'manifest.json'))).toBe(true);
  });

  it('Ctrl-C mid-cohort leaves neither the cohort nor a temporary', async () => {
    const parent = p('ctrl-c');
    fs.mkdirSync(parent);
    const r = await interruptPhantom(path.join(parent, 'cohort'), 'SIGINT');
    expect(r.code === 130 || r.signal === 'SIGINT').toBe(true);
    expect(listAll(parent)).toEqual([]);
  });
});

describe('no silent wrong output', () => {
  const nanFile = p('nan.nii.gz');
  let nanIndex: number;
  beforeAll(async () => {
    const v = (await readVolumeInput(f.input)).volume;
    const data = Float32Array.from(v.data);
    // Two NaN voxels in the middle of the brain and one infinite one.
    nanIndex = 12 + 24 * (12 + 24 * 12);
    data[nanIndex] = NaN;
    data[nanIndex + 1] = NaN;
    data[nanIndex + 24] = Infinity;
    await writeNiftiFile(nanFile, createVolume({ ...v, data }));
  });

  it('mask says how many NaN/Inf voxels and where, and never labels them brain', async () => {
    const out = p('nan-mask.nii.gz');
    const r = await runCli(['mask', '--in', nanFile, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /holds 2 NaN and 1 infinite voxels \(first at voxel \[12, 12, 12\]\); they are never labelled brain/,
    );
    const mask = (await readVolumeInput(out)).volume.data;
    expect([mask[nanIndex], mask[nanIndex + 1], mask[nanIndex + 24]]).toEqual([0, 0, 0]);
    expect(mask[nanIndex - 1]).toBe(1); // its neighbour in the brain still is
  });

  it.each([
    [
      'denoise',
      /the volume holds 2 NaN and 1 infinite voxels \(first at voxel \[12, 12, 12\]\); denoising needs finite/,
    ],
    ['metrics', /--in .*nan\.nii\.gz holds 2 NaN and 1 infinite voxels \(first at voxel \[12, 12, 12\]\)/],
  ])('%s on NaN input names the count and position, not "constant"', async (command, message) => {
    const args =
      command === 'metrics'
        ? ['metrics', '--ref', f.truth, '--in', nanFile]
        : ['denoise', '--method', 'nlm', '--in', nanFile, '--out', p('never.nii.gz')];
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/constant/);
    expect(fs.existsSync(p('never.nii.gz'))).toBe(false);
  });

  it('NLM refuses an absurd --sigma, and a volume without background unless σ is given', async () => {
    const absurd = await runCli([
      'denoise',
      '--method',
      'nlm',
      '--in',
      f.input,
      '--sigma',
      '1e6',
      '--out',
      p('z.nii.gz'),
    ]);
    expect(absurd.code).toBe(1);
    expect(absurd.stderr).toMatch(
      /NLM noise sigma 1\.000e\+6 is not below the image's signal level .*NLM would return zeros/,
    );
    // A field of view filled by the object: bright everywhere, no background to read the noise from.
    const full = createVolume({ dims: [20, 20, 20], spacing: [4, 4, 4] });
    let seed = 7;
    for (let i = 0; i < full.data.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      full.data[i] = 200 + 50 * Math.sin(i / 37) + (seed / 2 ** 32 - 0.5) * 20;
    }
    await writeNiftiFile(p('full.nii.gz'), full);
    const auto = await runCli([
      'denoise',
      '--method',
      'nlm',
      '--block-radius',
      '2',
      '--in',
      p('full.nii.gz'),
      '--out',
      p('full-nlm.nii.gz'),
    ]);
    expect(auto.code).toBe(1);
    expect(auto.stderr).toMatch(/too little background .* give it explicitly \(--sigma/);
    const given = await runCli([
      'denoise',
      '--method',
      'nlm',
      '--block-radius',
      '2',
      '--sigma',
      '6',
      '--in',
      p('full.nii.gz'),
      '--out',
      p('full-nlm.nii.gz'),
    ]);
    expect(given.stderr).not.toMatch(/sodium-denoise:/);
    expect(given.code).toBe(0);
    const out = (await readVolumeInput(p('full-nlm.nii.gz'))).volume.data;
    expect(out.every((v) => v > 100)).toBe(true); // not the all-zero image of an unchecked σ
  });

  it('--threads is capped at the core count with a note', async () => {
    const cores = os.availableParallelism();
    const r = await runCli([
      'denoise',
      '--method',
      'nlm',
      '--block-radius',
      '2',
      '--threads',
      String(cores + 7),
      '--in',
      f.input,
      '--out',
      p('t.nii.gz'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`note: --threads ${cores + 7} capped at the ${cores} cores? here`));
    expect(JSON.parse(r.stdout).parameters.threads).toBe(cores);
  });
});

describe('resource limits: a NIfTI bomb is refused from its header', () => {
  /** A 3.1 MB .nii.gz that inflates to 3 GiB: a 1024×1024×768 float32 header, then 48 gzip members of 64 MiB of zeros. */
  function bomb(): Buffer {
    const volume = createVolume({ dims: [1, 1, 1] });
    const header = Buffer.from(encodeNifti(volume).subarray(0, 352));
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    [3, 1024, 1024, 768].forEach((d, i) => view.setInt16(40 + 2 * i, d, true));
    const zeros = zlib.gzipSync(Buffer.alloc(64 * 2 ** 20), { level: 9 });
    return Buffer.concat([zlib.gzipSync(header), ...Array.from({ length: 48 }, () => zeros)]);
  }

  it('in the reader, before inflating the voxels, and through the CLI with the limit named and configurable', async () => {
    const bytes = bomb();
    expect(bytes.length).toBeLessThan(4 * 2 ** 20);
    const file = p('bomb.nii.gz');
    fs.writeFileSync(file, bytes);
    const rssBefore = process.memoryUsage().rss;
    expect(() => readNifti(bytes)).toThrow(
      /1024×1024×768 voxels of float32 needs 3\.0 GiB once decompressed, over the 1\.0 GiB limit/,
    );
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 2 ** 20);
    const r = await runCli(['info', '--in', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /over the 1\.0 GiB limit \(raise it with SODIUM_DENOISE_MAX_NIFTI_BYTES, e\.g\. SODIUM_DENOISE_MAX_NIFTI_BYTES=4G\)$/,
    );
    // The limit is configurable: lowered, an ordinary 24³ float32 image (55 KiB) is refused too; raised, it reads.
    const low = await runCli(['info', '--in', f.input], { env: { SODIUM_DENOISE_MAX_NIFTI_BYTES: '10K' } });
    expect(low.stderr).toMatch(/over the 10\.0 KiB limit/);
    const high = await runCli(['info', '--in', f.input], { env: { SODIUM_DENOISE_MAX_NIFTI_BYTES: '1M' } });
    expect(high.code).toBe(0);
  });
});

describe('DICOM folders as they come off a CD', () => {
  it('skips README, DICOMDIR, .DS_Store and programs with one line; fails only when no image is left', async () => {
    const cd = p('cd');
    fs.cpSync(f.dicom, path.join(cd, 'IMAGES'), { recursive: true });
    fs.writeFileSync(path.join(cd, 'README.TXT'), 'Patient CD. Insert into a computer and run VIEWER.EXE.\n');
    fs.writeFileSync(path.join(cd, 'DICOMDIR'), Buffer.alloc(600, 1));
    fs.writeFileSync(path.join(cd, '.DS_Store'), Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]));
    fs.writeFileSync(path.join(cd, 'VIEWER.EXE'), Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300_000, 0x90)]));
    const slices = fs.readdirSync(path.join(cd, 'IMAGES')).length;
    const r = await runCli(['convert', '--in', cd, '--out', p('cd.nii.gz')]);
    expect(r.stderr).not.toMatch(/sodium-denoise:/);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      `skipped 4 of ${slices + 4} files that are not DICOM images: 3 not DICOM (.DS_Store, README.TXT, VIEWER.EXE), 1 DICOMDIR (DICOMDIR)`,
    ]);
    const junk = p('junk');
    fs.mkdirSync(junk);
    fs.copyFileSync(path.join(cd, 'README.TXT'), path.join(junk, 'README.TXT'));
    fs.copyFileSync(path.join(cd, 'VIEWER.EXE'), path.join(junk, 'VIEWER.EXE'));
    const none = await runCli(['info', '--in', junk]);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe(
      `sodium-denoise: ${junk}: No DICOM image series found in 2 files (skipped 2 of 2 files that are not DICOM images: 2 not DICOM (README.TXT, VIEWER.EXE))`,
    );
  });
});

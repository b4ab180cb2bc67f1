// CLI start-up: --version, and tfjs (hundreds of ms to load) stays unloaded on the paths that do not use it — NLM on
// the CPU, info, convert, mask. Run through bin/sodium-denoise.js as a user would (compiled build/ when current).
// ~30 s (ten CLI runs).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNiftiFile } from '../../src/io/nifti';

import { ROOT, spawnCli } from '../helpers/cli';
import { phantomSubject } from '../helpers/phantom';

const PROBE = path.join(ROOT, 'test', 'helpers', 'loaded-modules-probe.js');

let dir: string;
let input: string;

/** Runs the CLI with the probe; returns the exit code, stdout and the tfjs modules every process of the run loaded. */
function runProbed(...args: string[]) {
  const out = path.join(dir, `probe-${Math.random().toString(36).slice(2)}.jsonl`);
  const r = spawnCli(args, { env: { ...process.env, NODE_OPTIONS: `--require ${PROBE}`, LOADED_MODULES_OUT: out } });
  const lines = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n') : [];
  const reports = lines.map(
    (l) => JSON.parse(l) as { modules: number; tensorflow: string[]; dcmjs: string[]; fflate: string[] },
  );
  return { ...r, reports };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-startup-'));
  input = path.join(dir, 'acq1.nii.gz');
  const subject = phantomSubject({ matrix: 24, voxelSizeMm: 10, subjects: 1, seed: 3 });
  await writeNiftiFile(input, subject.acquisitions[0]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sodium-denoise start-up', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const r = runProbed('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
    expect(r.reports.length).toBeGreaterThan(0);
    expect(r.reports.flatMap((x) => x.tensorflow)).toEqual([]);
  });

  it.each([
    [
      'denoise --method nlm',
      ['denoise', '--method', 'nlm', '--block-radius', '2', '--threads', '1', '--out', 'nlm.nii'],
    ],
    ['info', ['info']],
    ['convert', ['convert', '--out', 'copy.nii']],
    ['mask', ['mask', '--out', 'mask.nii']],
  ])('%s runs without loading tfjs', (_name, args) => {
    const withPaths = args.map((a) => (a.endsWith('.nii') ? path.join(dir, a) : a));
    const r = runProbed(...withPaths, '--in', input);
    expect(r.stderr).not.toMatch(/sodium-denoise:/);
    expect(r.code).toBe(0);
    expect(r.reports.length).toBeGreaterThan(0);
    expect(r.reports.flatMap((x) => x.tensorflow)).toEqual([]);
  });

  it('NLM on a .nii.gz loads no DICOM code and no fflate (zlib inflates), and --version loads no subcommand', () => {
    const nlm = runProbed(
      'denoise',
      '--method',
      'nlm',
      '--threads',
      '1',
      '--in',
      input,
      '--out',
      path.join(dir, 'n.nii.gz'),
    );
    expect(nlm.code).toBe(0);
    expect(nlm.reports.flatMap((x) => x.dcmjs)).toEqual([]);
    expect(nlm.reports.flatMap((x) => x.fflate)).toEqual([]);
    const version = runProbed('--version');
    expect(version.reports.flatMap((x) => x.dcmjs)).toEqual([]);
    // Help still lists every subcommand although only the named one is loaded for a run.
    const help = spawnCli(['--help']);
    for (const name of ['phantom', 'convert', 'denoise', 'train', 'adapt', 'batch', 'robustness', 'concentration'])
      expect(help.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });

  it('the DA on worker threads loads tfjs in the workers only, not in the main thread', async () => {
    // 64³ at 4 mm: a head of ~60,000 voxels, over the size the job splits across workers.
    const big = path.join(dir, 'head64.nii.gz');
    await writeNiftiFile(big, phantomSubject({ matrix: 64, voxelSizeMm: 4, subjects: 1, seed: 5 }).acquisitions[0]);
    const r = runProbed(
      'denoise',
      '--method',
      'da',
      // The network alone: the default blend's SURE probe runs the DA once more on the brain only (~26,000 voxels),
      // under the size worth worker threads (node-parallel), so it loads tfjs on this thread by design.
      '--blend',
      'off',
      '--threads',
      '2',
      '--json',
      '--in',
      big,
      '--out',
      path.join(dir, 'da2.nii'),
    );
    expect(r.stderr).not.toMatch(/sodium-denoise:/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).backend).toBe('wasm×2');
    // The probe's exit hook runs in the main thread only (worker threads end without a process 'exit').
    expect(r.reports).toHaveLength(1);
    expect(r.reports[0].tensorflow).toEqual([]);
  });

  it('the probe sees tfjs where it is used: the DA', () => {
    const r = runProbed(
      'denoise',
      '--method',
      'da',
      '--threads',
      '1',
      '--in',
      input,
      '--out',
      path.join(dir, 'da.nii'),
    );
    expect(r.code).toBe(0);
    expect(r.reports.flatMap((x) => x.tensorflow).length).toBeGreaterThan(0);
  });
});

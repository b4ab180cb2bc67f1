// `sodium-denoise phantom` end to end: JSON summary on stdout, progress on stderr, clear one-line errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnCli } from '../helpers/cli';

const run = (...args: string[]) => spawnCli(args);

describe('sodium-denoise phantom', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'phantom-cli-'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes a cohort and prints one JSON summary', () => {
    const out = path.join(root, 'c');
    const res = run(
      'phantom',
      '--out',
      out,
      '--subjects',
      '2',
      '--matrix',
      '32',
      '--voxel-size',
      '8',
      '--snr',
      '9',
      '--lesions',
      '2',
      '--tubes',
      '40,80',
      '--no-dicom',
      '--json',
    );
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary).toMatchObject({
      subjects: 2,
      seed: 1,
      snr: 9,
      matrix: 32,
      voxelSizeMm: 8,
      lesions: 4,
      dicom: false,
    });
    expect(summary.noiseSigma.min).toBeGreaterThan(0);
    // Subjects finish in whichever order the workers do: the last line counts 2/2, each subject appears once.
    expect(res.stderr).toMatch(/\[phantom\] sub-0[12] written \(2\/2/);
    expect(res.stderr).toMatch(/sub-01 written/);
    expect(res.stderr).toMatch(/sub-02 written/);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.subjects[0].tubes.map((t: { concentrationMM: number }) => t.concentrationMM)).toEqual([40, 80]);
    expect(fs.existsSync(path.join(out, 'sub-01', 'dicom'))).toBe(false);
  });

  it('fails with one clear line', () => {
    const res = run('phantom', '--out', path.join(root, 'd'), '--matrix', '16');
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(
      'sodium-denoise: phantom parameter matrix × voxelSizeMm = 64 mm is too small a field of view for the head and tubes (need ≥ 234 mm)',
    );
    expect(run('phantom', '--out', path.join(root, 'e'), '--lesions', '3-1').stderr).toMatch(
      /--lesions range 3-1 runs backwards/,
    );
    expect(run('phantom', '--out', path.join(root, 'f'), '--subjects', 'many').stderr).toMatch(
      /--subjects must be an integer ≥ 1/,
    );
  });
});

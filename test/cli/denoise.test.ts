// `sodium-denoise denoise` end to end, as a user runs it: NIfTI → NIfTI with metrics as JSON, DICOM → DERIVED DICOM
// series, and one-line errors with exit code 1.
import { modelWeightsSource } from '../../src/model/da/models';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readVolumeInput, writeVolumeOutput } from '../../src/io/volume-file';
import { writeNiftiFile } from '../../src/io/nifti';

import { createVolume } from '../../src/core/volume';
import { spawnCli } from '../helpers/cli';
import { phantomSubject } from '../helpers/phantom';

const cli = (...args: string[]) => spawnCli(['denoise', ...args]);

describe('sodium-denoise denoise', () => {
  const subject = phantomSubject({ matrix: 28, voxelSizeMm: 9, subjects: 1, seed: 2 });
  let dir: string;
  /** --in the noisy acquisition, --out `out`. */
  const noisyTo = (out: string) => ['--in', path.join(dir, 'noisy.nii.gz'), '--out', out];
  const withMask = () => ['--mask', path.join(dir, 'mask.nii.gz')];
  /** Runs `denoise … --json`: it must exit 0 with no error line; returns the parsed report. */
  const cliJson = (...args: string[]) => {
    const r = cli(...args, '--json');
    expect(r.stderr).not.toMatch(/sodium-denoise:/);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-denoise-'));
    await writeNiftiFile(path.join(dir, 'noisy.nii.gz'), subject.acquisitions[0]);
    await writeNiftiFile(path.join(dir, 'truth.nii.gz'), subject.truth);
    await writeNiftiFile(
      path.join(dir, 'mask.nii.gz'),
      createVolume({ ...subject.truth, data: Float32Array.from(subject.brainMask) }),
    );
    await writeNiftiFile(
      path.join(dir, 'small.nii.gz'),
      createVolume({ dims: [10, 10, 10], data: new Float32Array(1000).fill(1) }),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('NLM: NIfTI in, NIfTI out, JSON with σ, parameters and metrics against the reference', async () => {
    const out = path.join(dir, 'nlm.nii.gz');
    const before = fs.readFileSync(path.join(dir, 'noisy.nii.gz'));
    const json = cliJson(
      '--method',
      'nlm',
      ...noisyTo(out),
      '--block-radius',
      '3',
      '--threads',
      '2',
      '--reference',
      path.join(dir, 'truth.nii.gz'),
      '--reference-kind',
      'noise-free',
      ...withMask(),
    );
    expect(json.method).toBe('nlm');
    expect(json.backend).toBe('wasm-simd');
    expect(json.parameters).toMatchObject({ blockRadius: 3, patchRadius: 1, rician: true, threads: 2, masked: true });
    expect(json.parameters.sigma).toBeGreaterThan(0);
    expect(json.output).toEqual({ path: out, format: 'nifti', files: 1 });
    expect(json.metrics.maskSource).toBe('user');
    expect(json.metrics.referenceKind).toBe('noise-free');
    expect(json.metrics.psnr).toBeGreaterThan(json.metrics.input.psnr);
    const written = (await readVolumeInput(out)).volume;
    expect(written.dims).toEqual(subject.truth.dims);
    expect(fs.readFileSync(path.join(dir, 'noisy.nii.gz'))).toEqual(before);
  });

  it('NLM: DICOM in, a DERIVED DICOM series out, in the same study and frame of reference', async () => {
    const src = path.join(dir, 'dicom-in');
    await writeVolumeOutput(src, subject.acquisitions[1], {
      dicom: { patientName: 'Phantom^Two', seriesDescription: 'Na 3D' },
    });
    const out = path.join(dir, 'dicom-out');
    const r = cli(
      '--method',
      'nlm',
      '--in',
      src,
      '--out',
      out,
      '--sigma',
      String(subject.noiseSigma),
      '--block-radius',
      '2',
      '--no-rician',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/NLM σ=.*no Rician correction/);
    expect(r.stdout).toMatch(/wrote a DICOM series of 28 files/);
    const input = await readVolumeInput(src);
    const output = await readVolumeInput(out);
    expect(output.dicom!.studyInstanceUID).toBe(input.dicom!.studyInstanceUID);
    expect(output.dicom!.frameOfReferenceUID).toBe(input.dicom!.frameOfReferenceUID);
    expect(output.dicom!.seriesInstanceUID).not.toBe(input.dicom!.seriesInstanceUID);
    expect(JSON.stringify(output.dicom!.header.ImageType)).toMatch(/DERIVED/);
    expect(output.volume.dims).toEqual(input.volume.dims);
  });

  it('DA to DICOM: DerivationDescription names the model, version and checksum, never a local weights path', async () => {
    const out = path.join(dir, 'da-dicom');
    cliJson('--method', 'da', ...noisyTo(out), '--backend', 'wasm', ...withMask());
    const header = (await readVolumeInput(out)).dicom!.header as Record<string, unknown>;
    const derivation = String(header.DerivationDescription);
    const card = JSON.parse(fs.readFileSync(path.join(modelWeightsSource('da'), 'model-card.json'), 'utf8'));
    expect(derivation).toContain(card.version);
    expect(derivation).toContain(card.sha256);
    expect(derivation).not.toMatch(/weights[/\\]|\/work\/|file:|http/);
  });

  it("DA: --model da (the repository's weights/da/) on wasm, JSON with the model card's identity", async () => {
    const out = path.join(dir, 'da.nii.gz');
    const json = cliJson('--method', 'da', '--model', 'da', ...noisyTo(out), '--backend', 'wasm', ...withMask());
    expect(json.method).toBe('da');
    expect(json.backend).toBe('wasm');
    expect(json.parameters.weights).toMatch(/weights[/\\]da$/);
    expect(typeof json.parameters.modelVersion).toBe('string');
    // The regime check: estimated from the input alone; 9 mm voxels and a 28³ matrix lie outside the shipped range.
    expect(json.regime.voxelSizeMm).toEqual([9, 9, 9]);
    expect(json.regime.matrix).toEqual([28, 28, 28]);
    expect(json.regime.sigma / subject.noiseSigma).toBeGreaterThan(0.8);
    expect(json.regime.sigma / subject.noiseSigma).toBeLessThan(1.2);
    expect(json.regime.noiseCorrelation).toHaveLength(3);
    expect(json.warnings).toEqual(
      expect.arrayContaining([
        'voxels are 9 mm; this model was trained on 3.5–4.5 mm: compare with NLM',
        'the matrix is 28×28×28; this model was trained on 64³: compare with NLM',
      ]),
    );
    const written = (await readVolumeInput(out)).volume;
    const input = subject.acquisitions[0];
    let changed = 0;
    for (let i = 0; i < written.data.length; i++) {
      if (subject.brainMask[i]) changed += written.data[i] !== input.data[i] ? 1 : 0;
      else expect(written.data[i]).toBeCloseTo(input.data[i], 3);
    }
    expect(changed).toBeGreaterThan(0);
  });

  it('DA outside its training range: one warning line before the summary', () => {
    const r = cli('--method', 'da', ...noisyTo(path.join(dir, 'da-text.nii.gz')), '--backend', 'wasm', ...withMask());
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('warning: '))).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: .*voxels are 9 mm; .*; the matrix is 28×28×28; .*: compare with NLM$/);
  });

  it.each([
    [['--method', 'bm3d'], /--method must be da or nlm, got "bm3d"/],
    [['--method', 'nlm', '--sigma', '-1'], /NLM noise sigma must be a positive finite number, got -1/],
    [['--method', 'nlm', '--sigma', 'x'], /--sigma must be a number, got "x"/],
    [['--method', 'da', '--sigma', '3'], /--sigma applies to --method nlm, not da/],
    [['--method', 'da', '--model', 'unet'], /--model: unknown model 'unet' \(known: da, da-wide\)/],
    [['--method', 'da', '--model', 'da', '--weights', 'x'], /--model and --weights are alternatives/],
    [['--method', 'nlm', '--model', 'da'], /--model applies to --method da, not nlm/],
    [['--method', 'da', '--blend', 'half'], /--blend must be sure or off, got "half"/],
    [['--method', 'nlm', '--blend', 'off'], /--blend applies to --method da, not nlm/],
  ])('rejects %j with one clear line and exit 1', (args, message) => {
    const r = cli(...args, ...noisyTo(path.join(dir, 'never.nii.gz')));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(dir, 'never.nii.gz'))).toBe(false);
  });

  it('rejects a mask on another grid', () => {
    const r = cli(
      '--method',
      'nlm',
      ...noisyTo(path.join(dir, 'never.nii.gz')),
      '--mask',
      path.join(dir, 'small.nii.gz'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--mask .*small\.nii\.gz has dims \[10, 10, 10\] but the volume has \[28, 28, 28\]/);
  });
});

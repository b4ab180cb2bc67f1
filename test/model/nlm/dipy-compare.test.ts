// Our NLM against DIPY's own nlmeans (Debian python3-dipy) on a phantom head: same output to float precision, and a
// pSNR against the noise-free truth at least DIPY's. DIPY must be importable: npm test installs python3-dipy.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { psnr } from '../../../src/core/metrics';
import { readNiftiFile, writeNiftiFile } from '../../../src/io/nifti';
import { nlmeans } from '../../../src/model/nlm/nlm-cpu';
import { phantomSubject } from '../../helpers/phantom';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', '..', '..', 'scripts', 'dipy_nlm.py');

function requireDipy(): void {
  const r = spawnSync(PYTHON, ['-c', 'import dipy.denoise.nlmeans'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `DIPY is not importable by ${PYTHON} (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); install Debian python3-dipy (npm test does)`,
    );
  }
}

describe('nlmeans vs DIPY nlmeans on a phantom head', () => {
  const subject = phantomSubject({ matrix: 36, voxelSizeMm: 7, subjects: 1, seed: 3 });
  const noisy = subject.acquisitions[0];
  const sigma = subject.noiseSigma;
  let dir: string;
  beforeAll(() => {
    requireDipy();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nlm-dipy-'));
  });
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    [1, 3, true],
    [1, 4, false],
  ])(
    'patch_radius %i, block_radius %i, rician %s: same output, pSNR ≥ DIPY’s',
    async (patchRadius, blockRadius, rician) => {
      const input = path.join(dir, 'noisy.nii.gz');
      const output = path.join(dir, `dipy-${patchRadius}-${blockRadius}-${rician}.nii.gz`);
      await writeNiftiFile(input, noisy);
      const args = [
        SCRIPT,
        '--in',
        input,
        '--out',
        output,
        '--sigma',
        String(sigma),
        '--patch-radius',
        String(patchRadius),
        '--block-radius',
        String(blockRadius),
      ];
      const info = JSON.parse(execFileSync(PYTHON, rician ? args : [...args, '--no-rician'], { encoding: 'utf8' })) as {
        seconds: number;
        dipy: string;
      };
      const dipy = await readNiftiFile(output);
      const ours = await nlmeans(noisy, { sigma, patchRadius, blockRadius, rician });

      let maxDiff = 0,
        sumDiff = 0,
        peak = 0;
      for (let i = 0; i < dipy.data.length; i++) {
        const d = Math.abs(dipy.data[i] - ours.data[i]);
        maxDiff = Math.max(maxDiff, d);
        sumDiff += d;
        peak = Math.max(peak, Math.abs(dipy.data[i]));
      }
      const truthPsnr = {
        noisy: psnr(subject.truth, noisy, subject.brainMask),
        ours: psnr(subject.truth, ours, subject.brainMask),
        dipy: psnr(subject.truth, dipy, subject.brainMask),
      };
      process.stderr.write(
        `DIPY ${info.dipy} nlmeans P${patchRadius} B${blockRadius} rician=${rician}: max |ours − DIPY| ${maxDiff.toExponential(2)} ` +
          `(mean ${(sumDiff / dipy.data.length).toExponential(2)}, peak ${peak.toFixed(0)}); pSNR vs truth noisy ${truthPsnr.noisy.toFixed(3)}, ` +
          `ours ${truthPsnr.ours.toFixed(4)}, DIPY ${truthPsnr.dipy.toFixed(4)} dB\n`,
      );
      // Same definition: equal up to float32 rounding of the output.
      expect(maxDiff).toBeLessThan(1e-5 * peak);
      expect(truthPsnr.ours).toBeGreaterThanOrEqual(truthPsnr.dipy - 1e-4);
      expect(truthPsnr.ours).toBeGreaterThan(truthPsnr.noisy + 0.5);
    },
  );
});

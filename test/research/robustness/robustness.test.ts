// The robustness matrix end to end on a small grid (32³ × 8 mm, two cells), its checkpoints and outputs, and the best
// linear 5³ filter it shows where the DA loses. Runtime ≈ 60 s alone on 2 cores, 150 s at load 20 (two cells, NLM + DA each, twice the
// report: the second run resumes every cell).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVolume } from '../../../src/core/volume';
import { Random } from '../../../src/phantom/random';
import { ROBUSTNESS_CELLS, QUICK_CELL_IDS, runRobustness } from '../../../src/research/robustness';
import { applyLinearFilter, fitLinearFilter } from '../../../src/research/robustness/linearFilter';

describe('the robustness matrix', () => {
  it('has the issue’s axes: noise models, brain SNR 3–30, 3/4/6 mm voxels, three anatomies, corners', () => {
    const ids = ROBUSTNESS_CELLS.map((c) => c.id);
    for (const id of ['default', 'noise-hamming', 'noise-fermi', 'noise-zerofill', 'snr-3', 'snr-30', 'voxel-3'])
      expect(ids).toContain(id);
    expect(new Set(ROBUSTNESS_CELLS.map((c) => c.axis))).toEqual(
      new Set(['default', 'noise', 'snr', 'voxel size', 'anatomy', 'corner']),
    );
    for (const id of QUICK_CELL_IDS) expect(ids).toContain(id);
  });

  it('writes Markdown, JSON and the heat map, and resumes finished cells', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'robustness-'));
    try {
      const cells = ROBUSTNESS_CELLS.filter((c) => c.id === 'default' || c.id === 'snr-5');
      const base = { matrix: 32, voxelSizeMm: 8 };
      const first = await runRobustness({ out, cells, base, threads: 2 });
      expect(first.resumed).toBe(0);
      const json = JSON.parse(fs.readFileSync(path.join(out, 'robustness.json'), 'utf8'));
      expect(json.cells.map((c: { id: string }) => c.id)).toEqual(['default', 'snr-5']);
      // One column for the network alone (the paper's method) and one for the product's default blend with NLM.
      expect(json.models).toEqual([
        'DA sodium-da 1.0.0-2026-11-25',
        'DA sodium-da 1.0.0-2026-11-25 + SURE blend with NLM',
      ]);
      for (const c of json.cells) {
        expect(c.nlm.psnrTruth).toBeGreaterThan(c.noisy.psnrTruth);
        for (const s of Object.values(c.da) as { psnrTruth: number }[]) expect(Number.isFinite(s.psnrTruth)).toBe(true);
        // NLM's σ is its own estimate, close to the generator's.
        expect(Math.abs(c.nlmSigma / c.noiseSigma - 1)).toBeLessThan(0.1);
        // The regime check flags this small grid (8 mm voxels, 32³), as a product run would.
        const [warnings] = Object.values(c.warnings) as string[][];
        expect(warnings.join(' ')).toMatch(/voxels are 8 mm.*the matrix is 32×32×32/);
      }
      const md = fs.readFileSync(path.join(out, 'robustness.md'), 'utf8');
      expect(md).toMatch(/brain SNR 5/);
      expect(md).toMatch(/\*\*brainSnr\*\*: mean of the noise-free image over the brain mask ÷ σ/);
      expect(fs.readFileSync(path.join(out, 'robustness-heatmap.svg'), 'utf8')).toMatch(/^<svg/);
      expect(fs.readFileSync(path.join(out, 'robustness-heatmap.png')).subarray(1, 4).toString()).toBe('PNG');
      const again = await runRobustness({ out, cells, base, threads: 2 });
      expect(again.resumed).toBe(2);
      expect(again.report.cells).toEqual(first.report.cells);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('the best linear 5³ filter', () => {
  it('recovers a known linear map: the mean of the six face neighbours plus an offset', () => {
    const dims: [number, number, number] = [16, 16, 16];
    const noise = new Float64Array(16 ** 3);
    new Random(3).fillNormal(noise);
    const input = createVolume({ dims, data: Float32Array.from(noise, (v) => 50 * v) });
    const target = new Float32Array(input.data.length);
    const mask = new Uint8Array(input.data.length);
    const at = (i: number, j: number, k: number) => input.data[i + 16 * (j + 16 * k)];
    for (let k = 2; k < 14; k++)
      for (let j = 2; j < 14; j++)
        for (let i = 2; i < 14; i++) {
          const idx = i + 16 * (j + 16 * k);
          const sum = at(i - 1, j, k) + at(i + 1, j, k) + at(i, j - 1, k) + at(i, j + 1, k) + at(i, j, k - 1);
          target[idx] = (sum + at(i, j, k + 1)) / 6 + 7;
          mask[idx] = 1;
        }
    const filter = fitLinearFilter([input], createVolume({ dims, data: target }), mask);
    // Patch layout (dz*5 + dy)*5 + dx: the centre is 62; its x neighbours 61 and 63.
    expect(filter.weights[61]).toBeCloseTo(1 / 6, 4);
    expect(filter.weights[62]).toBeCloseTo(0, 4);
    expect(filter.weights[125]).toBeCloseTo(7, 3);
    const out = applyLinearFilter(input, filter, mask);
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) expect(out.data[i]).toBeCloseTo(target[i], 2);
      else expect(out.data[i]).toBe(input.data[i]);
    }
  });
});

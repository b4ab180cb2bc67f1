// Training across regimes: per-subject regime draws (deterministic, inside the mixture's ranges, the matrix covering
// the phantom's field of view), patch centres in the stated pools (tubes, background), and the σ normalisation the
// card can name. Small phantoms (32³ of 8 mm): about 10 s.
import { estimateNoiseSigma } from '../../../src/core/noise';
import { PATCH_VOXELS } from '../../../src/model/da/architecture';
import { parseModelCard } from '../../../src/model/da/card';
import { computeDAScale, computeVolumeScale, sigmaNormalisation } from '../../../src/model/da/normalise';
import { modelWeightsSource } from '../../../src/model/da/models';
import { minimumFovMm, resolvePhantomParams } from '../../../src/phantom/params';
import { generateSubject } from '../../../src/phantom/subject';
import { PatchSampler } from '../../../src/research/train/patchSampler';
import {
  DEFAULT_MIXTURE,
  drawRegime,
  MATRIX_MIXTURE,
  mixtureCohort,
  mixtureSummary,
  mixtureTrainingRange,
  stratifiedRegimes,
  validateMixture,
} from '../../../src/research/train/regimeMixture';
import { SeededRng } from '../../../src/research/train/rng';
import { prepareTrainingSubject } from '../../../src/research/train/trainingSubject';
import { trainingCohortSpec } from '../../../src/cli/train';
import * as fs from 'node:fs';
import * as path from 'node:path';

describe('regime mixture', () => {
  it('draws each subject a regime inside the mixture, the same for the same (seed, index)', () => {
    const draws = Array.from({ length: 40 }, (_, i) => drawRegime(DEFAULT_MIXTURE, 3, i));
    expect(drawRegime(DEFAULT_MIXTURE, 3, 7)).toEqual(draws[7]);
    expect(drawRegime(DEFAULT_MIXTURE, 4, 7)).not.toEqual(draws[7]);
    expect(new Set(draws.map((d) => d.noise))).toEqual(new Set(DEFAULT_MIXTURE.noise));
    expect(new Set(draws.map((d) => d.voxelSizeMm))).toEqual(new Set(DEFAULT_MIXTURE.voxelSizeMm));
    const fov = minimumFovMm(resolvePhantomParams({}));
    for (const d of draws) {
      expect(d.snr).toBeGreaterThanOrEqual(3);
      expect(d.snr).toBeLessThanOrEqual(30);
      expect(d.matrix * d.voxelSizeMm).toBeGreaterThanOrEqual(fov);
    }
    expect(Math.min(...draws.map((d) => d.snr))).toBeLessThan(6);
    expect(Math.max(...draws.map((d) => d.snr))).toBeGreaterThan(15);
    expect(mixtureSummary()).toMatch(/brain 0\.7, rest of head 0\.15, tubes 0\.05, background 0\.1/);
    // The card's range covers every draw (the input SNR with k = 1 added noise down to 3 / √2).
    const range = mixtureTrainingRange(1);
    expect(range.brainSnr).toEqual([2.1, 30]);
    expect(range.noiseCorrelation[1]).toBeGreaterThanOrEqual(0.63);
    for (const d of draws) {
      expect(d.voxelSizeMm).toBeGreaterThanOrEqual(range.voxelSizeMm[0]);
      expect(d.voxelSizeMm).toBeLessThanOrEqual(range.voxelSizeMm[1]);
      expect(d.matrix).toBeGreaterThanOrEqual(range.matrix[0]);
      expect(d.matrix).toBeLessThanOrEqual(range.matrix[1]);
    }
  });

  it('the matrix mixture draws every matrix axis and keeps the plain mixture’s subjects for the same (seed, index)', () => {
    const draws = Array.from({ length: 60 }, (_, i) => drawRegime(MATRIX_MIXTURE, 3, i));
    expect(new Set(draws.map((d) => d.window))).toEqual(new Set(['hamming', 'kaiser', 'fermi']));
    expect(new Set(draws.map((d) => d.anatomy))).toEqual(new Set(['default', 'uniform-compartments', 'fine-texture']));
    const zeroFilled = draws.filter((d) => d.zeroFill === 2).length;
    expect(zeroFilled).toBeGreaterThan(3);
    expect(zeroFilled).toBeLessThan(20);
    draws.forEach((d, i) => {
      const plain = drawRegime(DEFAULT_MIXTURE, 3, i);
      expect({ noise: d.noise, snr: d.snr, voxelSizeMm: d.voxelSizeMm, matrix: d.matrix }).toEqual(plain);
    });
    expect(mixtureSummary(MATRIX_MIXTURE)).toMatch(/window hamming \| kaiser \| fermi, 2× zero-filling for 17 %/);
    // Kaiser-apodised noise correlates most (0.74 measured by the regime check): the range reaches it.
    expect(mixtureTrainingRange(0, MATRIX_MIXTURE).noiseCorrelation[1]).toBeGreaterThanOrEqual(0.74);
    expect(() => validateMixture({ ...MATRIX_MIXTURE, zeroFillShare: 2 })).toThrow(/zero-fill share must be in/);
  });

  it('stratified regimes spread each noise model over every log-stratum of SNR and hold out their own validation set', () => {
    const [lo, hi] = DEFAULT_MIXTURE.snr;
    const stratum = (snr: number, n: number) => Math.floor((n * Math.log(snr / lo)) / Math.log(hi / lo));
    for (const [count, set] of [
      [18, 'train'],
      [6, 'validation'],
    ] as const) {
      const draws = stratifiedRegimes(DEFAULT_MIXTURE, 7, count, set);
      expect(stratifiedRegimes(DEFAULT_MIXTURE, 7, count, set)).toEqual(draws);
      for (const noise of DEFAULT_MIXTURE.noise) {
        const group = draws.filter((d) => d.noise === noise);
        expect(group).toHaveLength(count / 2);
        // One SNR in each of the group's equal log-strata of 3–30.
        expect(group.map((d) => stratum(d.snr, group.length)).sort((a, b) => a - b)).toEqual(group.map((_, j) => j));
        const perSize = DEFAULT_MIXTURE.voxelSizeMm.map((v) => group.filter((d) => d.voxelSizeMm === v).length);
        expect(Math.max(...perSize) - Math.min(...perSize)).toBeLessThanOrEqual(1);
      }
    }
    expect(stratifiedRegimes(DEFAULT_MIXTURE, 7, 6, 'validation')).not.toEqual(
      stratifiedRegimes(DEFAULT_MIXTURE, 7, 6, 'train'),
    );
    const matrix = stratifiedRegimes(MATRIX_MIXTURE, 7, 12, 'train');
    for (const w of MATRIX_MIXTURE.window!) expect(matrix.filter((d) => d.window === w)).toHaveLength(4);
    for (const a of MATRIX_MIXTURE.anatomy!) expect(matrix.filter((d) => d.anatomy === a)).toHaveLength(4);
    expect(matrix.filter((d) => d.zeroFill === 2)).toHaveLength(2);
    const cohort = mixtureCohort(24, 7, DEFAULT_MIXTURE, { stratified: true, validation: 6 });
    expect(cohort.validationIds).toEqual(cohort.ids.slice(-6));
    expect(cohort.description).toMatch(/regimes stratified .* the 6 validation subjects \(sub-19 on\)/);
    expect(mixtureCohort(24, 7).validationIds).toBeUndefined();
    expect(() => mixtureCohort(6, 7, DEFAULT_MIXTURE, { stratified: true, validation: 6 })).toThrow(
      'a stratified mixture cohort holds out 1 to 5 validation subjects, got 6',
    );
    expect(
      trainingCohortSpec({ cohort: 'phantom:24:7', regimes: 'mixture', stratified: true, final: true, valSubjects: 6 }),
    ).toEqual({ mixture: [24, 7, DEFAULT_MIXTURE, { stratified: true, validation: 6 }] });
    expect(() => trainingCohortSpec({ cohort: 'phantom:24:7', regimes: 'mixture', stratified: true })).toThrow(
      '--stratified needs --final (it designs the early-stopping subjects)',
    );
  });

  it('train --regimes mixture turns phantom:<n>:<seed> into the mixture cohort and refuses anything else', () => {
    expect(trainingCohortSpec({ cohort: 'phantom:12:7', regimes: 'mixture' })).toEqual({
      mixture: [12, 7, DEFAULT_MIXTURE],
    });
    expect(trainingCohortSpec({ cohort: 'phantom:12:7', regimes: 'matrix' })).toEqual({
      mixture: [12, 7, MATRIX_MIXTURE],
    });
    expect(trainingCohortSpec({ cohort: 'data/cohort' })).toEqual({});
    expect(() => trainingCohortSpec({ cohort: 'data/cohort', regimes: 'mixture' })).toThrow(
      '--regimes mixture generates its subjects: give --cohort phantom:<subjects>:<seed>',
    );
    expect(() => trainingCohortSpec({ cohort: 'phantom:12:7', regimes: 'all' })).toThrow(
      '--regimes must be mixture or matrix, got "all"',
    );
  });

  it('refuses a mixture that cannot be sampled, in one line', () => {
    const bad = (over: Partial<typeof DEFAULT_MIXTURE>) => () => validateMixture({ ...DEFAULT_MIXTURE, ...over });
    expect(bad({ noise: [] })).toThrow('the regime mixture needs at least one noise model');
    expect(bad({ snr: [10, 3] })).toThrow('mixture SNR range must be 0 < lo ≤ hi, got 10–3');
    expect(bad({ share: { brain: 0.5, head: 0.1, tube: 0.1, background: 0.1 } })).toThrow(/sum to 1/);
  });

  it('centres patches on tubes or background when the share says so', async () => {
    const params = resolvePhantomParams({ seed: 5, subjects: 1, matrix: 32, voxelSizeMm: 8, oversampling: 1 });
    const s = prepareTrainingSubject(generateSubject(params, 0));
    const load = async () => s;
    const labelsOf = (pool: Int32Array) => new Set(Array.from(pool, (v) => s.mean3.data[v]));
    expect(s.pools!.tube.length).toBeGreaterThan(0);
    for (const [share, pool] of [
      [{ brain: 0, head: 0, tube: 1, background: 0 }, s.pools!.tube],
      [{ brain: 0, head: 0, tube: 0, background: 1 }, s.pools!.background],
      [{ brain: 0, head: 1, tube: 0, background: 0 }, s.pools!.head],
    ] as const) {
      const sampler = new PatchSampler([s.id], load, { noiseLevel: 0, share });
      const patches = new Float32Array(64 * PATCH_VOXELS);
      const targets = new Float32Array(64);
      await sampler.fill(new SeededRng(9), patches, targets, 64);
      const allowed = labelsOf(pool);
      const scales = s.acquisitions.map((a) => a.scale);
      for (const t of targets)
        expect(scales.some((sc) => [...allowed].some((l) => Math.abs(l / sc - t) < 1e-6))).toBe(true);
    }
  });

  it('σ normalisation: scale = multiple × σ̂, refused by the percentile-only path, carried by a valid card', () => {
    const params = resolvePhantomParams({ seed: 6, subjects: 1, matrix: 32, voxelSizeMm: 8, oversampling: 1, snr: 5 });
    const volume = generateSubject(params, 0).acquisitions[0];
    const norm = sigmaNormalisation(20);
    expect(computeVolumeScale(volume, norm)).toBeCloseTo(20 * estimateNoiseSigma(volume).sigma, 4);
    expect(() => computeDAScale(volume.data, norm)).toThrow(/needs the whole volume/);
    const shipped = JSON.parse(fs.readFileSync(path.join(modelWeightsSource('da'), 'model-card.json'), 'utf8'));
    expect(parseModelCard({ ...shipped, normalisation: norm }).normalisation.by).toBe('sigma');
    expect(parseModelCard({ ...shipped, trainingRange: mixtureTrainingRange(1) }).trainingRange!.brainSnr).toEqual([
      2.1, 30,
    ]);
    expect(() => parseModelCard({ ...shipped, normalisation: { ...norm, sigmaMultiple: -1 } })).toThrow(
      /sigmaMultiple must be a positive number/,
    );
  });
});

// The regime estimate from the image alone, on phantom acquisitions whose σ, SNR and noise correlation are known:
// white vs Hamming-filtered noise, σ and brain SNR. Runtime ≈ 20 s alone on 2 cores (two 64³ subjects).
import {
  complexCorrelationFromEnvelope,
  estimateRegime,
  noiseCorrelationsFromBackground,
  rayleighEnvelopeCorrelation,
} from '../../src/core/regime';
import { noiseAxisCorrelations } from '../../src/core/whitening';
import { createVolume } from '../../src/core/volume';
import { apodisedNoiseCorrelation } from '../../src/phantom/acquisition';
import { generateSubject, resolvePhantomParams } from '../../src/phantom';

describe('Rayleigh envelope correlation', () => {
  it('is 0 and 1 at the ends, ≈ 0.92 ρ² for small ρ, and inverts', () => {
    expect(rayleighEnvelopeCorrelation(0)).toBeCloseTo(0, 10);
    expect(rayleighEnvelopeCorrelation(0.999999)).toBeGreaterThan(0.99);
    expect(rayleighEnvelopeCorrelation(0.1) / 0.01).toBeCloseTo(0.92, 1);
    for (const rho of [0.05, 0.3, 0.625, 0.9]) {
      expect(complexCorrelationFromEnvelope(rayleighEnvelopeCorrelation(rho))).toBeCloseTo(rho, 6);
    }
    expect(complexCorrelationFromEnvelope(-0.01)).toBe(0);
  });
});

describe('estimateRegime on 64³ × 4 mm phantom acquisitions', () => {
  const white = generateSubject(resolvePhantomParams({ seed: 31, subjects: 1 }), 0);
  const filtered = generateSubject(resolvePhantomParams({ seed: 31, subjects: 1, noise: 'apodised' }), 0);

  it('tells white noise from noise filtered by the Hamming k-space window', () => {
    const w = estimateRegime(white.acquisitions[0]);
    const f = estimateRegime(filtered.acquisitions[0]);
    const expected = apodisedNoiseCorrelation(64); // 0.625 per axis
    for (const rho of w.noiseCorrelation!) expect(rho).toBeLessThan(0.15);
    for (const rho of f.noiseCorrelation!) expect(Math.abs(rho - expected)).toBeLessThan(0.05);
  });

  it('estimates σ within 5 % and the brain SNR within 10 %, and reports the grid', () => {
    const r = estimateRegime(white.acquisitions[0]);
    expect(Math.abs(r.sigma / white.noiseSigma - 1)).toBeLessThan(0.05);
    expect(Math.abs(r.brainSnr! / white.snr - 1)).toBeLessThan(0.1);
    expect(r.voxelSizeMm).toEqual([4, 4, 4]);
    expect(r.matrix).toEqual([64, 64, 64]);
  });
});

describe('noiseCorrelationsFromBackground: the noise correlation per lag from one magnitude image', () => {
  const white = generateSubject(resolvePhantomParams({ seed: 33, subjects: 1 }), 0);
  const hamming = generateSubject(resolvePhantomParams({ seed: 33, subjects: 1, noise: 'apodised' }), 0);
  const zeroFilled = generateSubject(resolvePhantomParams({ seed: 33, subjects: 1, zeroFill: 2 }), 0);

  it('finds white noise white, and a k-space filter’s correlations with their signs, as the repeats measure them', () => {
    const w = noiseCorrelationsFromBackground(white.acquisitions[0], {}, 8)!;
    for (const axis of w) for (let k = 1; k <= 8; k++) expect(Math.abs(axis[k])).toBeLessThan(0.1);
    for (const subject of [hamming, zeroFilled]) {
      const r = noiseCorrelationsFromBackground(subject.acquisitions[0], {}, 8)!;
      // The repeats' residuals (signed) are the reference: the single image must agree at the lags that matter.
      const fromRepeats = noiseAxisCorrelations(subject.acquisitions, subject.brainMask, 8);
      for (let axis = 0; axis < 3; axis++) {
        expect(r[axis][0]).toBe(1);
        expect(r[axis][1]).toBeGreaterThan(0.5);
        for (const k of [1, 2, 3]) expect(Math.abs(r[axis][k] - fromRepeats[axis][k])).toBeLessThan(0.1);
      }
    }
  });

  it('is null without a background, and refuses a bad lag count', () => {
    const flat = createVolume({ dims: [24, 24, 24], spacing: [4, 4, 4], data: new Float32Array(24 ** 3).fill(100) });
    expect(noiseCorrelationsFromBackground(flat, {}, 4)).toBeNull();
    expect(() => noiseCorrelationsFromBackground(white.acquisitions[0], {}, 0)).toThrow(/maxLag must be an integer/);
  });
});

// The phantom's regime axes beyond the default: reconstruction windows (Hamming, Kaiser, Fermi), zero-filling, and
// anatomy variants — each changes what it says and nothing else. Runtime ≈ 10 s alone (32³ subjects).
import { apodisedNoiseCorrelation, complexNoise, noiseSpectrum } from '../../src/phantom/acquisition';
import { Random } from '../../src/phantom/random';
import { generateSubject, resolvePhantomParams } from '../../src/phantom';
import { TISSUE_LABEL } from '../../src/phantom/types';
import { noiseLineStats } from '../helpers/phantom';

describe('reconstruction windows and zero-filling', () => {
  it('order the noise correlation Fermi < Hamming < Kaiser; zero-filling correlates even white noise', () => {
    const rho = (window: 'hamming' | 'kaiser' | 'fermi') => apodisedNoiseCorrelation(64, { window, zeroFill: 1 });
    expect(rho('fermi')).toBeGreaterThan(0.1);
    expect(rho('fermi')).toBeLessThan(rho('hamming'));
    expect(rho('hamming')).toBeLessThan(rho('kaiser'));
    expect(apodisedNoiseCorrelation(128, { window: 'hamming', zeroFill: 2 }, false)).toBeGreaterThan(0.5);
    expect(noiseSpectrum(64, false)).toBeNull();
  });

  it('draws noise with unit variance and the predicted correlation for each spectrum', () => {
    const n = 32;
    for (const recon of [
      { window: 'kaiser', zeroFill: 1 },
      { window: 'fermi', zeroFill: 1 },
      { window: 'hamming', zeroFill: 2 },
    ] as const) {
      const apodised = recon.zeroFill === 1;
      const { re } = complexNoise(n, new Random(7), noiseSpectrum(n, apodised, recon));
      const s = noiseLineStats(re, n);
      expect(s.variance).toBeCloseTo(1, 1);
      expect(s.lag1).toBeCloseTo(apodisedNoiseCorrelation(n, recon, apodised), 1);
    }
  });

  it('rejects windows, zero-fill factors and anatomy variants it does not know', () => {
    expect(() => resolvePhantomParams({ window: 'gauss' as never })).toThrow(
      /window must be one of hamming, kaiser, fermi/,
    );
    expect(() => resolvePhantomParams({ zeroFill: 3 })).toThrow(
      /zeroFill must be an integer in 1\.\.4 dividing the matrix/,
    );
    expect(() => resolvePhantomParams({ anatomy: { variant: 'smooth' as never } })).toThrow(
      /anatomy\.variant must be one of default, uniform-compartments, fine-texture/,
    );
  });
});

describe('anatomy variants', () => {
  const params = (variant: 'default' | 'uniform-compartments' | 'fine-texture') =>
    resolvePhantomParams({ seed: 12, subjects: 1, matrix: 32, voxelSizeMm: 8, anatomy: { variant } });
  const base = generateSubject(params('default'), 0);

  it('uniform compartments: the same head and brain without sulci and nuclei (less CSF and grey matter inside)', () => {
    const u = generateSubject(params('uniform-compartments'), 0);
    const count = (labels: Uint8Array, label: number) => labels.reduce((s, v) => s + (v === label ? 1 : 0), 0);
    expect(u.pose).toEqual(base.pose);
    expect(count(u.labels, TISSUE_LABEL.wm)).toBeGreaterThan(count(base.labels, TISSUE_LABEL.wm));
    expect(count(u.labels, TISSUE_LABEL.gm)).toBeLessThan(count(base.labels, TISSUE_LABEL.gm));
  });

  it('fine texture: the same labels, only brain tissue concentrations vary', () => {
    const t = generateSubject(params('fine-texture'), 0);
    expect(Array.from(t.labels)).toEqual(Array.from(base.labels));
    let changedBrain = 0,
      wm = 0,
      changedAir = 0;
    for (let i = 0; i < t.truth.data.length; i++) {
      const d = Math.abs(t.truth.data[i] - base.truth.data[i]);
      if (t.labels[i] === TISSUE_LABEL.wm) wm++;
      if (t.labels[i] === TISSUE_LABEL.wm && d > 0.01) changedBrain++;
      if (t.labels[i] === TISSUE_LABEL.background && t.tubeMask[i] === 0 && d > 5) changedAir++;
    }
    expect(changedBrain).toBeGreaterThan(0.5 * wm);
    expect(changedAir).toBe(0);
  });
});

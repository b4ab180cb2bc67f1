// Noise estimation on synthetic magnitude images with known Rician σ, and DIPY's estimate_sigma as the reference.
import {
  estimateNoiseSigma,
  estimateSigmaLocal,
  estimateSnr,
  findBackground,
  rayleighSigma,
} from '../../src/core/noise';
import { countMask } from '../../src/core/mask';
import { volumeLike, type Volume } from '../../src/core/volume';
import { addRician, fieldVolume, pythonHas, runPython } from '../helpers/images';

/** A 'head' (ellipsoid at 40, bright 'CSF' core 120) plus a bright tube beside it, 4 mm voxels, Rician noise σ. */
function headLike(sigma: number, seed: number): { volume: Volume; signal: Volume } {
  const signal = fieldVolume([48, 48, 40], [4, 4, 4], (x, y, z) => {
    if ((x / 70) ** 2 + (y / 85) ** 2 + (z / 60) ** 2 <= 1)
      return (x / 15) ** 2 + (y / 20) ** 2 + (z / 15) ** 2 <= 1 ? 120 : 40;
    if ((x - 82) ** 2 + y ** 2 <= 36 && Math.abs(z) < 30) return 100; // calibration tube
    return 0;
  });
  return { volume: volumeLike(signal, addRician(signal.data, sigma, seed)), signal };
}

describe('rayleighSigma', () => {
  it.each(['median', 'mean', 'mode'] as const)('recovers σ from pure Rayleigh noise (%s)', (est) => {
    const zero = new Float32Array(200_000);
    const values = addRician(zero, 3.5, 11);
    expect(rayleighSigma(values, est)).toBeCloseTo(3.5, 1);
  });
});

describe('estimateNoiseSigma', () => {
  it.each([2, 5, 10])('finds σ = %d from the background of a head-like image within 3%%', (sigma) => {
    const { volume } = headLike(sigma, sigma);
    const est = estimateNoiseSigma(volume);
    expect(est.method).toBe('background-rayleigh-median');
    expect(est.backgroundVoxels).toBeGreaterThan(10_000);
    expect(Math.abs(est.sigma - sigma) / sigma).toBeLessThan(0.03);
    for (const estimator of ['mean', 'mode'] as const) {
      const e = estimateNoiseSigma(volume, { estimator });
      expect(Math.abs(e.sigma - sigma) / sigma).toBeLessThan(0.06);
    }
  });

  it('keeps the object, tube and their margin out of the background', () => {
    const { volume, signal } = headLike(4, 3);
    const bg = findBackground(volume);
    let overlap = 0;
    for (let i = 0; i < bg.length; i++) if (bg[i] && signal.data[i] > 0) overlap++;
    expect(overlap).toBe(0);
    expect(countMask(bg)).toBeGreaterThan(0.3 * bg.length);
  });

  it('ignores exact zeros (scanner-masked background)', () => {
    const { volume } = headLike(5, 4);
    for (let i = 0; i < volume.data.length; i += 3) if (volume.data[i] < 8) volume.data[i] = 0;
    const est = estimateNoiseSigma(volume);
    // Zeroing the lowest voxels biases any estimator; ignoring zeros keeps it within 30 % instead of collapsing.
    expect(est.sigma).toBeGreaterThan(4);
    expect(est.sigma).toBeLessThan(6.5);
  });

  it('falls back to the local estimator when the object fills the field of view', () => {
    const signal = fieldVolume([24, 24, 24], [4, 4, 4], () => 50);
    const volume = volumeLike(signal, addRician(signal.data, 5, 9));
    const est = estimateNoiseSigma(volume);
    expect(est.method).toMatch(/^local-dipy/);
    expect(Math.abs(est.sigma - 5) / 5).toBeLessThan(0.1);
  });

  it('rejects a background mask of the wrong size', () => {
    const { volume } = headLike(5, 4);
    expect(() => estimateNoiseSigma(volume, { background: new Uint8Array(10) })).toThrow(
      /background mask has 10 voxels/,
    );
  });
});

describe('estimateSnr', () => {
  it('is the mean signal in the mask over σ', () => {
    const { volume, signal } = headLike(4, 5);
    const core = new Uint8Array(signal.data.length);
    for (let i = 0; i < core.length; i++) core[i] = signal.data[i] === 120 ? 1 : 0;
    const r = estimateSnr(volume, core);
    expect(r.snr).toBeCloseTo(r.signalMean / r.sigma, 10);
    expect(r.signalMean).toBeGreaterThan(118);
    expect(r.signalMean).toBeLessThan(122);
    expect(r.snr).toBeGreaterThan(28);
    expect(r.snr).toBeLessThan(32);
  });
});

describe('estimateSigmaLocal', () => {
  it('agrees with DIPY estimate_sigma (N = 0 and N = 4)', () => {
    if (!pythonHas('dipy'))
      throw new Error('/usr/bin/python3 cannot import dipy: install python3-dipy (npm test does)');
    const { volume } = headLike(6, 7);
    const [nx, ny, nz] = volume.dims;
    const ref = runPython(
      `import sys, json, numpy as np
from dipy.denoise.noise_estimate import estimate_sigma
a = np.fromfile(sys.argv[1], dtype='<f4').reshape((${nz}, ${ny}, ${nx})).transpose(2, 1, 0)
print(json.dumps([float(estimate_sigma(a, N=0)[0]), float(estimate_sigma(a, N=4)[0])]))`,
      [volume.data],
    ) as [number, number];
    expect(estimateSigmaLocal(volume)).toBeCloseTo(ref[0], 4);
    expect(estimateSigmaLocal(volume, { coils: 4 })).toBeCloseTo(ref[1], 4);
  });

  it('measures white Gaussian noise σ on a flat image', () => {
    const signal = fieldVolume([32, 32, 32], [1, 1, 1], () => 100);
    const noisy = addRician(signal.data, 2, 1);
    // Mirrored edges correlate border voxels with themselves, so DIPY's estimate runs a few % low on small grids.
    expect(Math.abs(estimateSigmaLocal(volumeLike(signal, noisy)) - 2) / 2).toBeLessThan(0.04);
  });

  it('rejects an unsupported coil count', () => {
    const { volume } = headLike(6, 7);
    expect(() => estimateSigmaLocal(volume, { coils: 3 })).toThrow(/coils = 3 is not supported/);
  });
});

// The acquisition model: FFT low-pass equals its dense definition, keeps DC, and the noise has the stated statistics.
import {
  applySeparable,
  apodisedNoiseCorrelation,
  complexNoise,
  denseLowPass,
  lowPassResampler,
  magnitudeAcquisition,
} from '../../src/phantom/acquisition';
import { Fft } from '../../src/phantom/fft';
import { Random } from '../../src/phantom/random';
import { noiseLineStats } from '../helpers/phantom';

describe('k-space low-pass resampling', () => {
  it('the FFT path equals the dense operator and keeps a uniform object uniform', () => {
    const rng = new Random(1);
    const n = 32;
    const object = new Float64Array(n ** 3);
    for (let i = 0; i < object.length; i++) object[i] = rng.next() < 0.3 ? 0 : 100 * rng.next();
    const fast = applySeparable(object, [n, n, n], lowPassResampler(16, 2));
    const dense = applySeparable(object, [n, n, n], denseLowPass(16, 2));
    let worst = 0;
    for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i] - dense[i]));
    expect(worst).toBeLessThan(1e-9);
    for (const coarse of [16, 15]) {
      const flat = applySeparable(
        new Float64Array((2 * coarse) ** 3).fill(7),
        [2 * coarse, 2 * coarse, 2 * coarse],
        lowPassResampler(coarse, 2),
      );
      expect(flat.length).toBe(coarse ** 3);
      expect(flat.every((v) => Math.abs(v - 7) < 1e-9)).toBe(true);
    }
  });

  it('samples the coarse voxel centres: a ramp stays a ramp, shifted by half a fine voxel', () => {
    const op = denseLowPass(8, 2);
    // A smooth periodic signal (lowest frequency) is reproduced at the coarse centres 2·o + 0.5.
    const input = Float64Array.from({ length: 16 }, (_, m) => Math.cos((2 * Math.PI * m) / 16));
    const out = new Float64Array(8);
    op.apply(input, new Float64Array(16), out, new Float64Array(8));
    const w1 = 0.54 + 0.46 * Math.cos(Math.PI / 4); // Hamming weight of frequency 1 of 8
    out.forEach((v, o) => expect(v).toBeCloseTo(w1 * Math.cos((2 * Math.PI * (2 * o + 0.5)) / 16), 9));
  });

  it('the FFT agrees with a direct DFT', () => {
    const n = 16;
    const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + i);
    const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
    const [r0, i0] = [Float64Array.from(re), Float64Array.from(im)];
    new Fft(n).transform(re, im);
    for (let f = 0; f < n; f++) {
      let sr = 0,
        si = 0;
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * f * t) / n;
        sr += r0[t] * Math.cos(a) - i0[t] * Math.sin(a);
        si += r0[t] * Math.sin(a) + i0[t] * Math.cos(a);
      }
      expect(re[f]).toBeCloseTo(sr, 9);
      expect(im[f]).toBeCloseTo(si, 9);
    }
  });
});

describe('noise', () => {
  it('has unit variance per channel; apodised noise correlates neighbours as the window predicts', () => {
    const n = 32;
    for (const apodised of [false, true]) {
      const { re, im } = complexNoise(n, new Random(apodised ? 2 : 3), apodised);
      for (const channel of [re, im]) {
        const s = noiseLineStats(channel, n);
        expect(s.variance).toBeCloseTo(1, 1);
        expect(s.lag1).toBeCloseTo(apodised ? apodisedNoiseCorrelation(n) : 0, 1);
      }
    }
    expect(apodisedNoiseCorrelation(64)).toBeGreaterThan(0.3);
  });

  it('gives Rayleigh magnitudes in air and Rician ones around a signal', () => {
    const n = 32;
    const sigma = 10;
    const air = magnitudeAcquisition(new Float32Array(n ** 3), n, sigma, new Random(4), true);
    const meanAir = air.reduce((a, v) => a + v, 0) / air.length;
    expect(meanAir / (sigma * Math.sqrt(Math.PI / 2))).toBeCloseTo(1, 1);
    const signal = magnitudeAcquisition(new Float32Array(n ** 3).fill(200), n, sigma, new Random(5), false);
    const m = signal.reduce((a, v) => a + v, 0) / signal.length;
    // E|A + noise| ≈ √(A² + σ²) for A ≫ σ.
    expect(m).toBeCloseTo(Math.sqrt(200 ** 2 + sigma ** 2), 0);
  });
});

// Prewhitening: the noise spectrum measured from repeats recovers a known separable k-space window, whitening white
// noise changes nothing, whitening apodised noise decorrelates it, and re-colouring undoes whitening on smooth signal.
import { filterSeparable, noiseAxisCorrelations, whiteningFilters, windowMagnitude } from '../../src/core/whitening';
import { createVolume, type Volume } from '../../src/core/volume';
import { apodisedNoiseCorrelation, complexNoise, noiseSpectrum, windowWeight } from '../../src/phantom/acquisition';
import { Random } from '../../src/phantom/random';
import { noiseLineStats } from '../helpers/phantom';

const N = 32;

/** Three repeats of a smooth blob plus independent noise (the real channel of the phantom's complex noise). */
function repeats(apodised: boolean, seed: number, sigma = 1): { acquisitions: Volume[]; signal: Float32Array } {
  const signal = new Float32Array(N ** 3);
  for (let z = 0, v = 0; z < N; z++)
    for (let y = 0; y < N; y++)
      for (let x = 0; x < N; x++, v++) signal[v] = 50 * Math.exp(-((x - 16) ** 2 + (y - 15) ** 2 + (z - 17) ** 2) / 60);
  const rng = new Random(seed);
  const acquisitions = [0, 1, 2].map(() => {
    const { re } = complexNoise(N, rng, apodised ? noiseSpectrum(N, true) : null);
    const data = Float32Array.from(signal, (s, i) => s + sigma * re[i]);
    return createVolume({ dims: [N, N, N], spacing: [4, 4, 4], data });
  });
  return { acquisitions, signal };
}

const everywhere = new Uint8Array(N ** 3).fill(1);

describe('noiseAxisCorrelations and windowMagnitude', () => {
  it('recover the Hamming window of apodised noise along every axis', () => {
    const r = noiseAxisCorrelations(repeats(true, 5).acquisitions, everywhere, 6);
    for (const axis of r) {
      expect(axis[0]).toBe(1);
      expect(axis[1]).toBeCloseTo(apodisedNoiseCorrelation(N), 1);
      // Frequencies k/N of the acquired band (the unpaired Nyquist sample is not acquired).
      const freqs = Array.from({ length: N / 2 - 1 }, (_, k) => k / N);
      const h = windowMagnitude(axis, freqs);
      freqs.forEach((f, k) => expect(Math.abs(h[k] - windowWeight('hamming', k, N))).toBeLessThan(0.05));
    }
  });

  it('find white noise flat: the whitening kernels are the identity and leave the volume as it was', () => {
    const { acquisitions } = repeats(false, 6);
    const r = noiseAxisCorrelations(acquisitions, everywhere, 6);
    for (const axis of r) for (let k = 1; k < axis.length; k++) expect(Math.abs(axis[k])).toBeLessThan(0.03);
    const f = whiteningFilters(r, { floor: 0.15 });
    for (const kernels of [f.whiten, f.recolour])
      for (const taps of kernels) taps.forEach((t, i) => expect(Math.abs(t - (i === 8 ? 1 : 0))).toBeLessThan(0.03));
    const a = acquisitions[0];
    const w = filterSeparable(a, f.whiten);
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff += (w.data[i] - a.data[i]) ** 2;
    expect(Math.sqrt(diff / a.data.length)).toBeLessThan(0.05); // σ = 1
  });

  it('refuse a single acquisition, a lag of 0 and a mask on another grid', () => {
    const { acquisitions } = repeats(false, 7);
    expect(() => noiseAxisCorrelations(acquisitions.slice(0, 1), everywhere, 4)).toThrow(/at least 2/);
    expect(() => noiseAxisCorrelations(acquisitions, everywhere, 0)).toThrow(/lag/);
    expect(() => noiseAxisCorrelations(acquisitions, new Uint8Array(10), 4)).toThrow(/mask/);
    expect(() => noiseAxisCorrelations([acquisitions[0], acquisitions[0]], everywhere, 4)).toThrow(/no noise/);
  });
});

describe('whiteningFilters and filterSeparable', () => {
  it('decorrelate apodised noise, and re-colouring returns smooth signal unchanged', () => {
    const { acquisitions, signal } = repeats(true, 8, 0.5);
    const f = whiteningFilters(noiseAxisCorrelations(acquisitions, everywhere, 6), { floor: 0.15 });
    const noiseOnly = complexNoise(N, new Random(9), noiseSpectrum(N, true)).re;
    const before = noiseLineStats(noiseOnly, N).lag1;
    const white = filterSeparable(
      createVolume({ dims: [N, N, N], spacing: [4, 4, 4], data: Float32Array.from(noiseOnly) }),
      f.whiten,
    );
    const after = noiseLineStats(Float64Array.from(white.data), N).lag1;
    expect(before).toBeGreaterThan(0.5);
    expect(Math.abs(after)).toBeLessThan(0.1);
    const clean = createVolume({ dims: [N, N, N], spacing: [4, 4, 4], data: signal.slice() });
    const back = filterSeparable(filterSeparable(clean, f.whiten), f.recolour);
    let err = 0;
    for (let i = 0; i < signal.length; i++) err = Math.max(err, Math.abs(back.data[i] - signal[i]));
    expect(err).toBeLessThan(0.01 * 50);
    expect(clean.data).toEqual(signal); // the input is never modified
  });

  it('refuse a floor, strength or radius out of range', () => {
    const r = noiseAxisCorrelations(repeats(true, 10).acquisitions, everywhere, 4);
    expect(() => whiteningFilters(r, { floor: 0 })).toThrow(/floor/);
    expect(() => whiteningFilters(r, { strength: 1.5 })).toThrow(/strength/);
    expect(() => whiteningFilters(r, { radius: 0 })).toThrow(/radius/);
  });
});

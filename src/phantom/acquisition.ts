// Acquisition physics: Hamming-apodised k-space truncation from the fine object onto the acquisition grid, and
// complex Gaussian noise (optionally passed through the same k-space window) whose magnitude is Rician.
import { Fft, isPowerOfTwo, transformAxis } from './fft';
import { Random } from './random';
import { cos, pow, sin, sqrt } from '../core/math';

/**
 * A 1D linear operator applied line by line: out = A · in for a complex line (A is real, so real and imaginary parts
 * pass independently, which lets two real lines share one complex pass).
 */
export interface LineOperator {
  nIn: number;
  nOut: number;
  apply(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void;
}

/** The reconstruction's k-space windows (per axis, separable). */
export type KspaceWindow = 'hamming' | 'kaiser' | 'fermi';
export const KSPACE_WINDOWS: readonly KspaceWindow[] = ['hamming', 'kaiser', 'fermi'];

/** Kaiser–Bessel shape parameter: β = 8 apodises a little more strongly than Hamming (β ≈ 5.4 is Hamming-like). */
const KAISER_BETA = 8;
/** Fermi filter: flat to 85 % of k_max, rolling off over 5 % of k_max (a common scanner filter, nearly rectangular). */
const FERMI_RADIUS = 0.85;
const FERMI_WIDTH = 0.05;

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the β used here). */
function besselI0(x: number): number {
  let sum = 1,
    term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-16 * sum) break;
  }
  return sum;
}

/** Weight of k-space sample f of an n-sample acquisition (n/2 is k_max); 1 at f = 0. Hamming falls to 0.08 at ±n/2. */
export function windowWeight(window: KspaceWindow, f: number, n: number): number {
  const r = Math.min(1, Math.abs((2 * f) / n));
  if (window === 'hamming') return 0.54 + 0.46 * cos((2 * Math.PI * f) / n);
  if (window === 'kaiser') return besselI0(KAISER_BETA * sqrt(1 - r * r)) / besselI0(KAISER_BETA);
  return (1 + Math.exp(-FERMI_RADIUS / FERMI_WIDTH)) / (1 + Math.exp((r - FERMI_RADIUS) / FERMI_WIDTH));
}

/** How k-space becomes the image: the window, and zero-filling (matrix / zeroFill samples acquired per axis). */
export interface Reconstruction {
  window: KspaceWindow;
  zeroFill: number;
}

export const DEFAULT_RECONSTRUCTION: Readonly<Reconstruction> = Object.freeze({ window: 'hamming', zeroFill: 1 });

/** Kept frequencies (|f| ≤ fMax) and their weights for an image of n voxels per axis reconstructed as `recon` says. */
function acquiredBand(n: number, recon: Reconstruction): { fMax: number; weight: (f: number) => number } {
  if (!(Number.isInteger(recon.zeroFill) && recon.zeroFill >= 1 && n % recon.zeroFill === 0))
    throw new Error(`zero-fill factor ${recon.zeroFill} must be a positive integer dividing ${n}`);
  const acquired = n / recon.zeroFill;
  return { fMax: maxFrequency(acquired), weight: (f) => windowWeight(recon.window, f, acquired) };
}

/**
 * The highest |frequency| an n-sample acquisition keeps: all of −(n−1)/2..(n−1)/2 for odd n; for even n the unpaired
 * Nyquist sample is dropped so every kept frequency has its mirror and the kernels stay real.
 */
function maxFrequency(n: number): number {
  return Math.ceil(n / 2) - 1;
}

/**
 * The scanner's view of a finer periodic object, along one axis: take the centred nOut k-space samples of nIn
 * (= oversampling · nOut) points, weight them by a Hamming window (the Nyquist sample dropped, so the kernel is real),
 * and reconstruct at the coarse voxel centres, input positions oversampling·o + (oversampling − 1)/2. DC gain 1.
 * Power-of-two sizes run through the FFT; other sizes through the same operator as a dense matrix.
 */
export function lowPassResampler(
  nOut: number,
  oversampling: number,
  recon: Reconstruction = DEFAULT_RECONSTRUCTION,
): LineOperator {
  const nIn = nOut * oversampling;
  return isPowerOfTwo(nIn) && isPowerOfTwo(nOut)
    ? fftLowPass(nOut, oversampling, 1, recon)
    : denseLowPass(nOut, oversampling, 1, recon);
}

/** The low-pass resampler as an explicit matrix (any size; the reference the FFT version is tested against). */
export function denseLowPass(
  nOut: number,
  oversampling: number,
  gain = 1,
  recon: Reconstruction = DEFAULT_RECONSTRUCTION,
): LineOperator {
  const nIn = nOut * oversampling;
  const { fMax, weight } = acquiredBand(nOut, recon);
  const rows = Array.from({ length: nOut }, (_, o) => {
    const centre = oversampling * o + (oversampling - 1) / 2;
    const row = new Float64Array(nIn);
    for (let m = 0; m < nIn; m++) {
      let s = 1;
      for (let f = 1; f <= fMax; f++) s += 2 * weight(f) * cos((2 * Math.PI * f * (centre - m)) / nIn);
      row[m] = (gain * s) / nIn;
    }
    return row;
  });
  return {
    nIn,
    nOut,
    apply(inRe, inIm, outRe, outIm) {
      for (let o = 0; o < nOut; o++) {
        const row = rows[o];
        let sr = 0,
          si = 0;
        for (let m = 0; m < nIn; m++) {
          sr += row[m] * inRe[m];
          si += row[m] * inIm[m];
        }
        outRe[o] = sr;
        outIm[o] = si;
      }
    },
  };
}

function fftLowPass(nOut: number, oversampling: number, gain: number, recon: Reconstruction): LineOperator {
  const nIn = nOut * oversampling;
  const { fMax, weight } = acquiredBand(nOut, recon);
  const fftIn = new Fft(nIn);
  const fftOut = nOut === nIn ? fftIn : new Fft(nOut);
  const shift = (oversampling - 1) / 2;
  // Per kept frequency f (|f| ≤ fMax): where it sits in the input and output spectra, and window × the phase that
  // moves the sample points onto the coarse voxel centres.
  const kept = 2 * fMax + 1;
  const src = new Int32Array(kept);
  const dst = new Int32Array(kept);
  const wr = new Float64Array(kept);
  const wi = new Float64Array(kept);
  for (let t = 0, f = -fMax; f <= fMax; f++, t++) {
    const w = (gain * weight(f)) / nIn;
    const phase = (2 * Math.PI * f * shift) / nIn;
    src[t] = (f + nIn) % nIn;
    dst[t] = (f + nOut) % nOut;
    wr[t] = w * cos(phase);
    wi[t] = w * sin(phase);
  }
  const re = new Float64Array(nIn);
  const im = new Float64Array(nIn);
  return {
    nIn,
    nOut,
    apply(inRe, inIm, outRe, outIm) {
      re.set(inRe);
      im.set(inIm);
      fftIn.transform(re, im);
      outRe.fill(0);
      outIm.fill(0);
      for (let t = 0; t < kept; t++) {
        const r = re[src[t]],
          i = im[src[t]];
        outRe[dst[t]] = r * wr[t] - i * wi[t];
        outIm[dst[t]] = r * wi[t] + i * wr[t];
      }
      fftOut.transform(outRe, outIm, true);
    },
  };
}

/**
 * Lag-1 correlation of k-space-shaped noise along an axis: Σ w(f)² cos(2πf/n) / Σ w(f)² over the acquired band (for
 * tests and docs). `apodised` false: a flat band (white when not zero-filled).
 */
export function apodisedNoiseCorrelation(
  n: number,
  recon: Reconstruction = DEFAULT_RECONSTRUCTION,
  apodised = true,
): number {
  const { fMax, weight } = acquiredBand(n, recon);
  let num = 0,
    den = 0;
  for (let f = -fMax; f <= fMax; f++) {
    const w2 = apodised ? weight(f) ** 2 : 1;
    num += w2 * cos((2 * Math.PI * f) / n);
    den += w2;
  }
  return num / den;
}

/**
 * Per-frequency weights (index (f + n) % n) of the noise's k-space on an n-voxel axis, or null for noise independent
 * per voxel. The noise fills the acquired band: flat ('white' noise), or shaped by the window when the noise passes it
 * as the signal does ('apodised'). Zero-filling leaves the outer band empty, so even 'white' noise correlates there.
 */
export function noiseSpectrum(n: number, apodised: boolean, recon: Reconstruction = DEFAULT_RECONSTRUCTION) {
  if (!apodised && recon.zeroFill === 1) return null;
  const { fMax, weight } = acquiredBand(n, recon);
  const w = new Float64Array(n);
  for (let f = -fMax; f <= fMax; f++) w[(f + n) % n] = apodised ? weight(f) : 1;
  return w;
}

/**
 * Complex Gaussian noise on an n³ grid with unit variance per channel. With a spectrum (noiseSpectrum; `true` is the
 * Hamming-apodised one) it is drawn in k-space, weighted and transformed to the image, so neighbouring voxels
 * correlate as on a scanner whose reconstruction applies the window; without one (false/null) it is independent per voxel.
 */
export function complexNoise(
  n: number,
  rng: Random,
  spectrum: boolean | Float64Array | null,
): { re: Float64Array; im: Float64Array } {
  const size = n * n * n;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  rng.fillNormal(re);
  rng.fillNormal(im);
  const w = spectrum === true ? noiseSpectrum(n, true) : spectrum || null;
  if (!w) return { re, im };
  if (w.length !== n) throw new Error(`noise spectrum has ${w.length} weights, not ${n}`);
  // Summed from the most negative frequency up (the order the generator always used: same bits, same cohorts).
  let energy = 0;
  for (let t = 0, start = Math.floor(n / 2) + 1; t < n; t++) energy += w[(start + t) % n] ** 2;
  // Each image value's channel variance is Σ (norm·w(fx)w(fy)w(fz))² = norm²·energy³: make it 1.
  const norm = 1 / pow(energy, 1.5);
  for (let k = 0, idx = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const wjk = w[j] * w[k] * norm;
      for (let i = 0; i < n; i++, idx++) {
        const g = w[i] * wjk;
        re[idx] *= g;
        im[idx] *= g;
      }
    }
  }
  const dims: [number, number, number] = [n, n, n];
  if (isPowerOfTwo(n)) {
    for (const axis of [0, 1, 2] as const) transformAxis(re, im, dims, axis, true);
    return { re, im };
  }
  // Other sizes: the same inverse DFT, one axis at a time, as dense sums.
  let cur: { re: Float64Array; im: Float64Array } = { re, im };
  for (const axis of [0, 1, 2] as const) cur = applyAxisComplex(cur.re, cur.im, dims, axis, inverseDft(n));
  return cur;
}

/** Unnormalised inverse DFT of length n as a LineOperator (for sizes the radix-2 FFT cannot take). */
function inverseDft(n: number): LineOperator {
  const c = new Float64Array(n),
    s = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    c[t] = cos((2 * Math.PI * t) / n);
    s[t] = sin((2 * Math.PI * t) / n);
  }
  return {
    nIn: n,
    nOut: n,
    apply(inRe, inIm, outRe, outIm) {
      for (let t = 0; t < n; t++) {
        let sr = 0,
          si = 0;
        for (let f = 0; f < n; f++) {
          const q = (f * t) % n;
          sr += inRe[f] * c[q] - inIm[f] * s[q];
          si += inRe[f] * s[q] + inIm[f] * c[q];
        }
        outRe[t] = sr;
        outIm[t] = si;
      }
    },
  };
}

/** Offsets of the first voxel of every line along `axis` of a 3D array (x fastest), and the step along the line. */
function lines(dims: readonly number[], axis: 0 | 1 | 2): { bases: Int32Array; stride: number } {
  const strides = [1, dims[0], dims[0] * dims[1]];
  const [a0, a1] = [0, 1, 2].filter((a) => a !== axis);
  const bases = new Int32Array(dims[a0] * dims[a1]);
  let t = 0;
  for (let b = 0; b < dims[a1]; b++) for (let a = 0; a < dims[a0]; a++) bases[t++] = a * strides[a0] + b * strides[a1];
  return { bases, stride: strides[axis] };
}

/** Applies a line operator along one axis of a complex 3D array (re, im), returning the resized array. */
export function applyAxisComplex(
  re: Float64Array,
  im: Float64Array,
  dims: [number, number, number],
  axis: 0 | 1 | 2,
  op: LineOperator,
): { re: Float64Array; im: Float64Array; dims: [number, number, number] } {
  if (dims[axis] !== op.nIn) throw new Error(`line operator expects ${op.nIn} points, axis ${axis} has ${dims[axis]}`);
  const outDims: [number, number, number] = [...dims];
  outDims[axis] = op.nOut;
  const size = outDims[0] * outDims[1] * outDims[2];
  const out = { re: new Float64Array(size), im: new Float64Array(size), dims: outDims };
  const src = lines(dims, axis);
  const dst = lines(outDims, axis);
  const [lr, li, or, oi] = [op.nIn, op.nIn, op.nOut, op.nOut].map((n) => new Float64Array(n));
  for (let t = 0; t < src.bases.length; t++) {
    const b = src.bases[t];
    for (let m = 0; m < op.nIn; m++) {
      lr[m] = re[b + m * src.stride];
      li[m] = im[b + m * src.stride];
    }
    op.apply(lr, li, or, oi);
    const d = dst.bases[t];
    for (let o = 0; o < op.nOut; o++) {
      out.re[d + o * dst.stride] = or[o];
      out.im[d + o * dst.stride] = oi[o];
    }
  }
  return out;
}

/** Applies a line operator along one axis of a real 3D array; two lines share each complex pass. */
export function applyAxis(
  data: Float64Array,
  dims: [number, number, number],
  axis: 0 | 1 | 2,
  op: LineOperator,
): { data: Float64Array; dims: [number, number, number] } {
  if (dims[axis] !== op.nIn) throw new Error(`line operator expects ${op.nIn} points, axis ${axis} has ${dims[axis]}`);
  const outDims: [number, number, number] = [...dims];
  outDims[axis] = op.nOut;
  const out = new Float64Array(outDims[0] * outDims[1] * outDims[2]);
  const src = lines(dims, axis);
  const dst = lines(outDims, axis);
  const [lr, li, or, oi] = [op.nIn, op.nIn, op.nOut, op.nOut].map((n) => new Float64Array(n));
  const isEmpty = (b: number) => {
    for (let m = 0; m < op.nIn; m++) if (data[b + m * src.stride] !== 0) return false;
    return true;
  };
  // Lines of air stay zero; the rest go through the operator in pairs (one as the real, one as the imaginary part).
  const busy = Array.from(src.bases.keys()).filter((t) => !isEmpty(src.bases[t]));
  for (let p = 0; p < busy.length; p += 2) {
    const ta = busy[p];
    const tb = p + 1 < busy.length ? busy[p + 1] : -1;
    for (let m = 0; m < op.nIn; m++) {
      lr[m] = data[src.bases[ta] + m * src.stride];
      li[m] = tb >= 0 ? data[src.bases[tb] + m * src.stride] : 0;
    }
    op.apply(lr, li, or, oi);
    for (let o = 0; o < op.nOut; o++) {
      out[dst.bases[ta] + o * dst.stride] = or[o];
      if (tb >= 0) out[dst.bases[tb] + o * dst.stride] = oi[o];
    }
  }
  return { data: out, dims: outDims };
}

/** Separable 3D application of one operator per axis (x, then y, then z). */
export function applySeparable(data: Float64Array, dims: [number, number, number], op: LineOperator): Float64Array {
  let cur: { data: Float64Array; dims: [number, number, number] } = { data, dims };
  for (const axis of [0, 1, 2] as const) cur = applyAxis(cur.data, cur.dims, axis, op);
  return cur.data;
}

/**
 * One magnitude acquisition: |truth + σ(n_re + i·n_im)| with complex Gaussian noise (see complexNoise).
 * The magnitude is Rician, Rayleigh where the truth is 0.
 */
export function magnitudeAcquisition(
  truth: Float32Array,
  n: number,
  sigma: number,
  rng: Random,
  spectrum: boolean | Float64Array | null,
): Float32Array {
  if (truth.length !== n * n * n) throw new Error(`magnitudeAcquisition: truth has ${truth.length} voxels, not ${n}³`);
  const { re, im } = complexNoise(n, rng, spectrum);
  const out = new Float32Array(truth.length);
  for (let i = 0; i < out.length; i++) {
    const a = truth[i] + sigma * re[i];
    const b = sigma * im[i];
    out[i] = sqrt(a * a + b * b); // Math.hypot is several times slower and needs no overflow guard here
  }
  return out;
}

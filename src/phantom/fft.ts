// A small in-place radix-2 complex FFT (power-of-two lengths), enough for the phantom's k-space operations.
import { cos, log2, sin } from '../core/math';

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** FFT of one length: twiddles and bit-reversal table computed once, then reused for every line. */
export class Fft {
  readonly n: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly reversed: Uint32Array;

  constructor(n: number) {
    if (!isPowerOfTwo(n)) throw new Error(`FFT length must be a power of two, got ${n}`);
    this.n = n;
    this.cos = new Float64Array(n / 2);
    this.sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      this.cos[k] = cos((2 * Math.PI * k) / n);
      this.sin[k] = sin((2 * Math.PI * k) / n);
    }
    this.reversed = new Uint32Array(n);
    const bits = log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
  }

  /**
   * In place: forward X[f] = Σ x[t] e^{−2πi f t / n}; inverse (unnormalised) x[t] = Σ X[f] e^{+2πi f t / n}.
   */
  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const n = this.n;
    const rev = this.reversed;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        const tr = re[i];
        re[i] = re[j];
        re[j] = tr;
        const ti = im[i];
        im[i] = im[j];
        im[j] = ti;
      }
    }
    const sign = inverse ? 1 : -1;
    const cos = this.cos;
    const sin = this.sin;
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const step = n / size;
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sign * sin[k * step];
        for (let start = 0; start < n; start += size) {
          const a = start + k;
          const b = a + half;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
}

/** In-place FFT of every line along `axis` of a complex 3D array (x fastest). */
export function transformAxis(
  re: Float64Array,
  im: Float64Array,
  dims: readonly [number, number, number],
  axis: 0 | 1 | 2,
  inverse = false,
): void {
  const n = dims[axis];
  const fft = new Fft(n);
  const strides = [1, dims[0], dims[0] * dims[1]];
  const stride = strides[axis];
  const [a0, a1] = [0, 1, 2].filter((a) => a !== axis);
  const lr = new Float64Array(n);
  const li = new Float64Array(n);
  for (let b = 0; b < dims[a1]; b++) {
    for (let a = 0; a < dims[a0]; a++) {
      const base = a * strides[a0] + b * strides[a1];
      for (let m = 0, o = base; m < n; m++, o += stride) {
        lr[m] = re[o];
        li[m] = im[o];
      }
      fft.transform(lr, li, inverse);
      for (let m = 0, o = base; m < n; m++, o += stride) {
        re[o] = lr[m];
        im[o] = li[m];
      }
    }
  }
}

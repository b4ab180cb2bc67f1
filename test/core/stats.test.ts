// Statistics and filters: quantiles, Otsu, Gaussian kernels and boundary modes checked against scipy conventions.
import {
  BlurCache,
  boxExtremum,
  filterKernelAvailable,
  filterAxis,
  gaussianFilter,
  gaussianKernel1d,
} from '../../src/core/filters';
import { createVolume } from '../../src/core/volume';
import { FILTERS_SIMD_WASM_BASE64 } from '../../src/core/filters-simd-wasm';
import { SELECT_WASM_BASE64 } from '../../src/core/select-wasm';
import * as path from 'node:path';

const { compileWat, KERNELS } = require('../../scripts/build-wasm.js');
import { median, otsuThreshold, quantile, selectKernelAvailable } from '../../src/core/stats';
import { uniformStream } from '../../src/core/random';

describe('quantiles', () => {
  it('interpolates like numpy', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(() => quantile([], 0.5)).toThrow(/empty/);
  });

  it('selects exactly what a full sort gives, on orderings chosen to break a selection (ties, sorted, NaN, ±∞)', () => {
    const random = uniformStream(11);
    const orderings: Array<(n: number) => number[]> = [
      (n) => Array.from({ length: n }, () => random()),
      (n) => Array.from({ length: n }, () => Math.floor(random() * 3)),
      (n) => Array.from({ length: n }, (_, i) => i),
      (n) => Array.from({ length: n }, (_, i) => n - i),
      (n) => Array.from({ length: n }, () => 5),
      (n) => Array.from({ length: n }, (_, i) => ((i * 7919) % n) - n / 2),
      (n) => Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Infinity : i % 5 === 0 ? -Infinity : random())),
      (n) => Array.from({ length: n }, (_, i) => (i === 2 ? NaN : random())),
      // A range too wide to bucket, one far outlier (everything else in one bucket), signed zeros and subnormals.
      (n) => Array.from({ length: n }, (_, i) => (i === 0 ? 1e308 : i === 1 ? -1e308 : random())),
      (n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? 1e12 : random())),
      (n) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : 1e-310 * random())),
    ];
    const bySort = (v: number[], q: number) => {
      const s = Float64Array.from(v).sort();
      const pos = q * (s.length - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(lo + 1, s.length - 1);
      return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    };
    let checked = 0;
    for (const make of orderings) {
      for (const n of [1, 2, 3, 5, 10, 33, 1001, 4096]) {
        const v = make(n);
        const before = v.slice();
        for (const q of [0, 0.001, 0.25, 0.5, 0.73, 0.999, 1]) {
          expect({ n, q, value: quantile(v, q) }).toEqual({ n, q, value: bySort(v, q) });
          checked++;
        }
        expect(v).toEqual(before); // the input is never reordered
      }
    }
    expect(checked).toBe(11 * 8 * 7);
  });

  it('long lists (counted on WebAssembly) select exactly what a full sort gives', () => {
    expect(selectKernelAvailable()).toBe(true);
    const random = uniformStream(17);
    for (const make of [
      (n: number) => Float64Array.from({ length: n }, () => random() * 50),
      (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 9 === 0 ? 0 : Math.floor(random() * 4))),
      (n: number) => Float64Array.from({ length: n }, (_, i) => (i === 7 ? NaN : random())),
      (n: number) => Float64Array.from({ length: n }, (_, i) => (i === 0 ? 1e308 : i === 1 ? -1e308 : random())),
      (n: number) => Float64Array.from({ length: n }, (_, i) => (i === n - 1 ? 1e12 : random())),
    ]) {
      for (const n of [4096, 10007]) {
        const v = make(n);
        const sorted = Float64Array.from(v).sort();
        for (const q of [0, 0.37, 0.5, 0.99, 1]) {
          const pos = q * (n - 1);
          const lo = Math.floor(pos);
          const hi = Math.min(lo + 1, n - 1);
          expect(quantile(v, q)).toEqual(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo));
        }
      }
    }
  });

  it('the committed selection kernel is its WAT source compiled by scripts/build-wasm.js (byte for byte)', async () => {
    const kernel = KERNELS.find((k: { constant: string }) => k.constant === 'SELECT_WASM_BASE64');
    const rebuilt: Buffer = await compileWat(path.join(__dirname, '..', '..', kernel.wat));
    expect(Buffer.from(SELECT_WASM_BASE64, 'base64').equals(rebuilt)).toBe(true);
  });
});

describe('otsuThreshold', () => {
  it('splits two separated clusters between them', () => {
    const values = [...Array(500)].map((_, i) => 10 + (i % 7)).concat([...Array(300)].map((_, i) => 100 + (i % 11)));
    const t = otsuThreshold(values);
    expect(t).toBeGreaterThan(16);
    expect(t).toBeLessThan(100);
  });
});

describe('Gaussian filtering', () => {
  it('builds ndimage kernels: radius int(truncate·σ + 0.5), unit sum', () => {
    const k = gaussianKernel1d(1.5, 3.5);
    expect(k).toHaveLength(11);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(k[5] / k[6]).toBeCloseTo(Math.exp(0.5 / 2.25), 12);
    expect(gaussianKernel1d(0)).toEqual(Float64Array.from([1]));
  });

  it('mirrors at the edges as scipy mode "reflect" (d c b a | a b c d)', () => {
    const line = Float64Array.from([1, 2, 3, 4]);
    const k = Float64Array.from([1, 0, 0, 0, 0]); // picks the value 2 to the left
    expect(Array.from(filterAxis(line, [4, 1, 1], 0, k, 'reflect'))).toEqual([2, 1, 1, 2]);
    expect(Array.from(filterAxis(line, [4, 1, 1], 0, k, 'nearest'))).toEqual([1, 1, 1, 2]);
    expect(Array.from(filterAxis(line, [4, 1, 1], 0, k, 'constant'))).toEqual([0, 0, 1, 2]);
    // Kernels longer than the line keep reflecting with period 2n (scipy.ndimage.correlate1d gives [1, 1]).
    const far = new Float64Array(11);
    far[0] = 1;
    expect(Array.from(filterAxis(Float64Array.from([1, 2]), [2, 1, 1], 0, far, 'reflect'))).toEqual([1, 1]);
  });

  it('preserves a constant image and smooths along every axis', () => {
    const dims = [6, 5, 4];
    const flat = new Float32Array(120).fill(3);
    expect(Array.from(gaussianFilter(flat, dims, 1.2)).every((v) => Math.abs(v - 3) < 1e-12)).toBe(true);
    const spike = new Float32Array(120);
    spike[2 + 6 * (2 + 5 * 2)] = 1;
    const out = gaussianFilter(spike, dims, [1, 1, 1], { mode: 'constant' });
    expect(out[2 + 6 * (2 + 5 * 2)]).toBeLessThan(0.1);
    expect(out[2 + 6 * (2 + 5 * 3)]).toBeGreaterThan(0);
  });

  it('equals the separable sum written out, in every boundary mode, on lines longer and shorter than the kernel', () => {
    const dims = [23, 4, 9];
    const n = dims[0] * dims[1] * dims[2];
    const next = uniformStream(11);
    const data = Float32Array.from({ length: n }, () => next() * 100);
    const sigma = [1.7, 0.9, 2.4];
    const at = (m: number, len: number, mode: string): number => {
      if (m >= 0 && m < len) return m;
      if (mode === 'constant') return -1;
      if (mode === 'nearest') return m < 0 ? 0 : len - 1;
      const r = ((m % (2 * len)) + 2 * len) % (2 * len);
      return r < len ? r : 2 * len - 1 - r;
    };
    for (const mode of ['reflect', 'nearest', 'constant'] as const) {
      let ref = Float64Array.from(data);
      const strides = [1, dims[0], dims[0] * dims[1]];
      for (const axis of [0, 1, 2]) {
        const k = gaussianKernel1d(sigma[axis]);
        const r = (k.length - 1) / 2;
        const next = new Float64Array(n);
        for (let idx = 0; idx < n; idx++) {
          const p = Math.floor(idx / strides[axis]) % dims[axis];
          let acc = 0;
          for (let t = 0; t < k.length; t++) {
            const q = at(p - r + t, dims[axis], mode);
            if (q >= 0) acc += k[t] * ref[idx + (q - p) * strides[axis]];
          }
          next[idx] = acc;
        }
        ref = next;
      }
      // Row-wise filtering along y and z adds the same products in the same order: equal to the last bit.
      expect(Array.from(gaussianFilter(data, dims, sigma, { mode }))).toEqual(Array.from(ref));
    }
  });

  it('the WebAssembly kernel equals the JavaScript passes bit for bit (odd rows, thin grids, long kernels, every mode)', () => {
    expect(filterKernelAvailable()).toBe(true); // Node 20 has WebAssembly SIMD: the comparison is not JS against JS
    const next = uniformStream(21);
    let compared = 0;
    for (const dims of [
      [23, 4, 9],
      [1, 7, 5],
      [6, 1, 3],
      [5, 6, 1],
      [17, 13, 11],
    ]) {
      const n = dims[0] * dims[1] * dims[2];
      const data = Float32Array.from({ length: n }, () => next() * 100 - 10);
      for (const sigma of [
        [1, 1, 1],
        [0.3, 2.5, 0.9],
        [6, 0, 3],
      ]) {
        for (const mode of ['reflect', 'nearest', 'constant'] as const) {
          const wasm = gaussianFilter(data, dims, sigma, { mode });
          const js = gaussianFilter(data, dims, sigma, { mode, engine: 'js' });
          expect(Array.from(wasm)).toEqual(Array.from(js));
          compared++;
        }
      }
    }
    expect(compared).toBe(45);
  });

  it('the committed filter kernel is its WAT source compiled by scripts/build-wasm.js (byte for byte)', async () => {
    const kernel = KERNELS.find((k: { constant: string }) => k.constant === 'FILTERS_SIMD_WASM_BASE64');
    const rebuilt: Buffer = await compileWat(path.join(__dirname, '..', '..', kernel.wat));
    expect(Buffer.from(FILTERS_SIMD_WASM_BASE64, 'base64').equals(rebuilt)).toBe(true);
  });

  it('BlurCache makes each blur once and gives gaussianFilter\'s "nearest" result', () => {
    const dims: [number, number, number] = [9, 7, 5];
    const next = uniformStream(5);
    const data = Float32Array.from({ length: 315 }, () => next() * 50);
    const volume = createVolume({ dims, spacing: [4, 4, 4], data });
    const blurs = new BlurCache(volume);
    const one = blurs.blur([1, 1, 1]);
    expect(blurs.blur([1, 1, 1])).toBe(one);
    expect(Array.from(one)).toEqual(Array.from(gaussianFilter(volume.data, dims, [1, 1, 1], { mode: 'nearest' })));
    expect(Array.from(blurs.blur([0.5, 1, 2]))).toEqual(
      Array.from(gaussianFilter(volume.data, dims, [0.5, 1, 2], { mode: 'nearest' })),
    );
  });

  it('takes running extrema over a box', () => {
    const data = Float64Array.from([5, 1, 9, 2, 7]);
    expect(Array.from(boxExtremum(data, [5, 1, 1], [1, 0, 0], 'max'))).toEqual([5, 9, 9, 9, 7]);
    expect(Array.from(boxExtremum(data, [5, 1, 1], [1, 0, 0], 'min'))).toEqual([1, 1, 1, 2, 2]);
  });
});

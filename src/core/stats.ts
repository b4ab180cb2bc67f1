// Descriptive statistics used by the metrics, the noise estimators and the brain mask (plain arrays, no Volume).
import { SELECT_WASM_BASE64 } from './select-wasm';
import { instanceWithMemory, lazySimdModule } from './simdModule';

export interface Summary {
  mean: number;
  median: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. The paper's σ does not say which. */
  std: number;
  min: number;
  max: number;
  n: number;
}

/** Mean, median, sample std, min, max and count of a list of finite numbers (e.g. one metric over test subjects). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize needs at least one value');
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`summarize: value #${bad} is not finite (${values[bad]})`);
  const n = values.length;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return { mean, median: median(values), std, min, max, n };
}

/** Median (mean of the two middle values for an even count). Does not modify its input. */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Quantile with linear interpolation between order statistics (numpy's default), q in [0, 1]. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new Error('quantile of an empty list');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile q must lie in [0, 1], got ${q}`);
  const pos = q * (values.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, values.length - 1);
  const [a, b] = orderStatistics(values, lo, hi);
  return a + (b - a) * (pos - lo);
}

/** Buckets of the selection's one counting pass. */
const SELECT_BUCKETS = 4096;
/** From this many values on, the counting passes run on WebAssembly (below it, the JavaScript is as quick). */
const SELECT_KERNEL_MIN = 4096;

/**
 * The lo-th and hi-th smallest values (hi = lo or lo + 1) of `x`, which is not modified: one pass for the range,
 * one counting values into equal-width buckets (bucket order is value order), then a sort of only the bucket(s)
 * holding those ranks. Plain loops, on WebAssembly for long lists (select.wat, the same arithmetic): a command
 * takes its medians once per volume, before V8 has optimised anything. NaNs, infinities or a range too wide to
 * bucket fall back to a full sort, so the answer is always Float64Array.sort's.
 */
function orderStatistics(x: ArrayLike<number>, lo: number, hi: number): [number, number] {
  const n = x.length;
  const mod = n >= SELECT_KERNEL_MIN ? selectModule() : null;
  const fast = mod && orderStatisticsWasm(mod, x, lo, hi);
  if (fast) return fast;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== v) return sortedPick(x, lo, hi);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return [min, min];
  const buckets = Math.min(SELECT_BUCKETS, n);
  const scale = buckets / (max - min);
  if (!(scale > 0 && scale < Infinity)) return sortedPick(x, lo, hi);
  const counts = new Int32Array(buckets);
  for (let i = 0; i < n; i++) {
    const b = Math.floor((x[i] - min) * scale);
    counts[b < buckets ? b : buckets - 1]++;
  }
  const { first, last, below, size } = bucketsHolding(counts, lo, hi);
  const picked = new Float64Array(size);
  for (let i = 0, j = 0; i < n; i++) {
    const v = x[i];
    let b = Math.floor((v - min) * scale);
    if (b >= buckets) b = buckets - 1;
    if (b >= first && b <= last) picked[j++] = v;
  }
  picked.sort();
  return [picked[lo - below], picked[hi - below]];
}

/** The buckets holding ranks lo and hi, how many values lie below the first of them, and how many they hold. */
function bucketsHolding(
  counts: Int32Array,
  lo: number,
  hi: number,
): { first: number; last: number; below: number; size: number } {
  let below = 0;
  let first = 0;
  while (below + counts[first] <= lo) below += counts[first++];
  let last = first;
  let through = below + counts[first];
  while (through <= hi) through += counts[++last];
  return { first, last, below, size: through - below };
}

const selectModule = lazySimdModule(SELECT_WASM_BASE64);

/** Whether long selections count on WebAssembly here (Node 20 and every current browser). */
export function selectKernelAvailable(): boolean {
  return selectModule() !== null;
}

interface SelectKernel {
  memory: WebAssembly.Memory;
  min: WebAssembly.Global;
  max: WebAssembly.Global;
  range(x: number, n: number): number;
  count(x: number, n: number, min: number, scale: number, buckets: number, counts: number): void;
  collect(
    x: number,
    n: number,
    min: number,
    scale: number,
    buckets: number,
    first: number,
    last: number,
    out: number,
  ): number;
}

/** orderStatistics' passes on select.wat: the values (f64), the counts, the picked values; null: no memory. */
function orderStatisticsWasm(
  mod: WebAssembly.Module,
  x: ArrayLike<number>,
  lo: number,
  hi: number,
): [number, number] | null {
  const n = x.length;
  const buckets = Math.min(SELECT_BUCKETS, n);
  const COUNTS = n * 8;
  const OUT = COUNTS + buckets * 8;
  const kernel = instanceWithMemory<SelectKernel>(mod, OUT + n * 8);
  if (!kernel) return null;
  new Float64Array(kernel.memory.buffer, 0, n).set(x);
  if (kernel.range(0, n)) return sortedPick(x, lo, hi);
  const min = kernel.min.value as number;
  const max = kernel.max.value as number;
  if (min === max) return [min, min];
  const scale = buckets / (max - min);
  if (!(scale > 0 && scale < Infinity)) return sortedPick(x, lo, hi);
  kernel.count(0, n, min, scale, buckets, COUNTS);
  const { first, last, below } = bucketsHolding(new Int32Array(kernel.memory.buffer, COUNTS, buckets), lo, hi);
  const size = kernel.collect(0, n, min, scale, buckets, first, last, OUT);
  const picked = new Float64Array(kernel.memory.buffer, OUT, size).slice().sort();
  return [picked[lo - below], picked[hi - below]];
}

function sortedPick(x: ArrayLike<number>, lo: number, hi: number): [number, number] {
  const sorted = Float64Array.from(x).sort();
  return [sorted[lo], sorted[hi]];
}

/** The values of `data` where `mask` is non-zero (all of them without a mask), as float64. */
export function maskedValues(data: ArrayLike<number>, mask?: Uint8Array): Float64Array {
  if (!mask) return Float64Array.from(data);
  if (mask.length !== data.length) throw new Error(`mask has ${mask.length} voxels but the data has ${data.length}`);
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  const out = new Float64Array(n);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i]) out[j++] = data[i];
  return out;
}

export interface Histogram {
  counts: Float64Array;
  /** Lower edge of bin 0 and the bin width. */
  lo: number;
  width: number;
}

export function histogram(values: ArrayLike<number>, bins: number, lo?: number, hi?: number): Histogram {
  if (!Number.isInteger(bins) || bins < 2) throw new Error(`histogram needs at least 2 bins, got ${bins}`);
  let a = lo ?? Infinity;
  let b = hi ?? -Infinity;
  if (lo === undefined || hi === undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (lo === undefined && v < a) a = v;
      if (hi === undefined && v > b) b = v;
    }
  }
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error('histogram of an empty or non-finite list');
  const width = b > a ? (b - a) / bins : 1;
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= a && v <= b)) continue;
    counts[Math.min(bins - 1, Math.floor((v - a) / width))]++;
  }
  return { counts, lo: a, width };
}

/**
 * Otsu's threshold: the value that maximises the between-class variance of a 2-class split of the histogram.
 * Returns a value between bin centres, so `v > t` selects the upper class.
 */
export function otsuThreshold(values: ArrayLike<number>, bins = 256): number {
  const { counts, lo, width } = histogram(values, bins);
  let total = 0;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) {
    total += counts[b];
    sumAll += counts[b] * b;
  }
  if (total === 0) throw new Error('otsuThreshold of an empty list');
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let bestBin = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += counts[b];
    sum0 += counts[b] * b;
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const m0 = sum0 / w0;
    const m1 = (sumAll - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      bestBin = b;
    }
  }
  return lo + (bestBin + 1) * width;
}

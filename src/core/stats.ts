// Descriptive statistics used by the metrics, the noise estimators and the brain mask (plain arrays, no Volume).

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
  const copy = Float64Array.from(values);
  const pos = q * (copy.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, copy.length - 1);
  const [a, b] = orderStatistics(copy, lo, hi);
  return a + (b - a) * (pos - lo);
}

/**
 * The lo-th and hi-th smallest values (hi = lo or lo + 1) of `x`, reordering it: a selection in linear expected time
 * (a whole-volume quantile sorted 262,144 values, several times per run). NaNs, or a selection that degrades on
 * hostile orderings, fall back to a full sort, so the answer is always Float64Array.sort's.
 */
function orderStatistics(x: Float64Array, lo: number, hi: number): [number, number] {
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== x[i]) {
      x.sort();
      return [x[lo], x[hi]];
    }
  }
  let left = 0;
  let right = x.length - 1;
  let budget = 4 * Math.ceil(Math.log2(x.length + 1)) + 8; // partitions before giving up on selection
  while (right > left) {
    if (budget-- === 0) {
      x.sort();
      return [x[lo], x[hi]];
    }
    // Median of three as the pivot; Hoare partition of [left, right] around its value.
    const mid = (left + right) >>> 1;
    const p = median3(x[left], x[mid], x[right]);
    let i = left;
    let j = right;
    while (i <= j) {
      while (x[i] < p) i++;
      while (x[j] > p) j--;
      if (i <= j) {
        const t = x[i];
        x[i] = x[j];
        x[j] = t;
        i++;
        j--;
      }
    }
    // Now [left, j] ≤ p ≤ [i, right], and anything strictly between j and i equals p.
    if (lo <= j) right = j;
    else if (lo >= i) left = i;
    else break;
  }
  const a = x[lo];
  if (hi === lo) return [a, a];
  // The next order statistic: the smallest value placed after lo (everything after lo is ≥ x[lo]).
  let b = Infinity;
  for (let k = lo + 1; k < x.length; k++) if (x[k] < b) b = x[k];
  return [a, b];
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
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

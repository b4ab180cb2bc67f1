// Paired significance tests for DA vs NLM over test subjects: Student's paired t-test (t CDF through the regularized
// incomplete beta function) and the Wilcoxon signed-rank test (exact for small n without ties, normal otherwise).

export interface PairedTTest {
  n: number;
  meanDifference: number;
  t: number;
  degreesOfFreedom: number;
  /** Two-sided p-value; NaN when the differences have zero variance or n < 2. */
  pValue: number;
}

export interface WilcoxonTest {
  /** Pairs with a non-zero difference (zeros are dropped, Wilcoxon's convention). */
  n: number;
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  wMinus: number;
  /** Two-sided p-value; NaN with no non-zero differences. */
  pValue: number;
  method: 'exact' | 'normal';
}

/** Paired t-test of a − b (two-sided). */
export function pairedTTest(a: readonly number[], b: readonly number[]): PairedTTest {
  const d = differences(a, b);
  const n = d.length;
  const mean = d.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { n, meanDifference: mean, t: NaN, degreesOfFreedom: n - 1, pValue: NaN };
  const variance = d.reduce((s, v) => s + (v - mean) * (v - mean), 0) / (n - 1);
  const df = n - 1;
  if (variance === 0)
    return {
      n,
      meanDifference: mean,
      t: mean === 0 ? NaN : Math.sign(mean) * Infinity,
      degreesOfFreedom: df,
      pValue: mean === 0 ? NaN : 0,
    };
  const t = mean / Math.sqrt(variance / n);
  return { n, meanDifference: mean, t, degreesOfFreedom: df, pValue: studentTTwoSidedP(t, df) };
}

/** Two-sided tail probability P(|T| ≥ |t|) of Student's t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`t distribution needs positive degrees of freedom, got ${df}`);
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Student's t CDF P(T ≤ t). */
export function studentTCdf(t: number, df: number): number {
  const tail = studentTTwoSidedP(t, df) / 2;
  return t >= 0 ? 1 - tail : tail;
}

/** Wilcoxon signed-rank test of a − b (two-sided). */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[]): WilcoxonTest {
  const d = differences(a, b).filter((v) => v !== 0);
  const n = d.length;
  if (n === 0) return { n, wPlus: 0, wMinus: 0, pValue: NaN, method: 'exact' };
  const ranks = averageRanks(d.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i] > 0) wPlus += ranks[i];
  const total = (n * (n + 1)) / 2;
  const wMinus = total - wPlus;
  const hasTies = new Set(d.map(Math.abs)).size < n;
  if (!hasTies && n <= 30) {
    // Exact null distribution of W+ by counting subsets of {1..n} per rank sum.
    const counts = new Float64Array(total + 1);
    counts[0] = 1;
    for (let r = 1; r <= n; r++) for (let s = total; s >= r; s--) counts[s] += counts[s - r];
    const w = Math.min(wPlus, wMinus);
    let tail = 0;
    for (let s = 0; s <= w; s++) tail += counts[s];
    return { n, wPlus, wMinus, pValue: Math.min(1, (2 * tail) / 2 ** n), method: 'exact' };
  }
  // Normal approximation with tie and continuity corrections.
  const mean = total / 2;
  let tieTerm = 0;
  const byValue = new Map<number, number>();
  for (const v of d) byValue.set(Math.abs(v), (byValue.get(Math.abs(v)) ?? 0) + 1);
  for (const c of byValue.values()) tieTerm += c * c * c - c;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  const z = sd > 0 ? Math.max(0, Math.abs(wPlus - mean) - 0.5) / sd : 0;
  return { n, wPlus, wMinus, pValue: Math.min(1, 2 * (1 - normalCdf(z))), method: 'normal' };
}

/** Standard normal CDF (via the complementary error function). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Regularized incomplete beta I_x(a, b) by Lentz's continued fraction, using the symmetry for fast convergence. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new Error(`incomplete beta needs a, b > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new Error(`incomplete beta needs x in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) return h;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < g + 2; i++) sum += c[i] / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** erfc with ~1e-7 relative accuracy (Numerical Recipes' Chebyshev fit), enough for p-values. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function differences(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`paired test needs equal-length samples, got ${a.length} and ${b.length}`);
  if (a.length === 0) throw new Error('paired test needs at least one pair');
  const d = a.map((v, i) => v - b[i]);
  const bad = d.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`paired test: pair #${bad} is not finite`);
  return d;
}

/** Ranks 1..n of the values, ties sharing their average rank. */
function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = r;
    i = j + 1;
  }
  return ranks;
}

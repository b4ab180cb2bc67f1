// Paired tests DA vs NLM: the t CDF against textbook critical values and its closed forms, the Wilcoxon exact
// distribution against brute-force enumeration of all sign patterns.
import {
  logGamma,
  pairedTTest,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTTwoSidedP,
  wilcoxonSignedRank,
} from '../../../src/research/evaluate/pairedTests';

describe('t distribution', () => {
  it('matches textbook two-sided critical values (t table)', () => {
    expect(studentTTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 3);
    expect(studentTTwoSidedP(12.706, 1)).toBeCloseTo(0.05, 3);
    expect(studentTTwoSidedP(3.169, 10)).toBeCloseTo(0.01, 3);
    expect(studentTTwoSidedP(1.96, 1e6)).toBeCloseTo(0.05, 3);
  });

  it('equals the closed forms for df = 1 (Cauchy) and df = 2', () => {
    for (const t of [-3, -0.5, 0, 0.7, 2, 9]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 10);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 10);
    }
  });

  it('incomplete beta: I_x(1,1) = x, I_x(a,b) = 1 − I_{1−x}(b,a), lnΓ(n) = ln (n−1)!', () => {
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(regularizedIncompleteBeta(0.2, 2.5, 4)).toBeCloseTo(1 - regularizedIncompleteBeta(0.8, 4, 2.5), 12);
    expect(logGamma(6)).toBeCloseTo(Math.log(120), 10);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 10);
    expect(() => regularizedIncompleteBeta(1.5, 1, 1)).toThrow(/x in \[0, 1\]/);
  });
});

describe('pairedTTest', () => {
  it('computes t from the differences and rejects mismatched samples', () => {
    const a = [5.1, 4.9, 6.2, 5.8, 6.0, 5.5];
    const b = [4.8, 4.7, 5.6, 5.9, 5.2, 5.0];
    const d = a.map((v, i) => v - b[i]);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (d.length - 1));
    const r = pairedTTest(a, b);
    expect(r.t).toBeCloseTo(mean / (sd / Math.sqrt(6)), 12);
    expect(r.degreesOfFreedom).toBe(5);
    expect(r.pValue).toBeCloseTo(studentTTwoSidedP(r.t, 5), 12);
    expect(r.pValue).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(0.05);
    expect(() => pairedTTest([1, 2], [1])).toThrow(/equal-length/);
    expect(Number.isNaN(pairedTTest([1], [0]).pValue)).toBe(true);
  });
});

describe('wilcoxonSignedRank', () => {
  /** Brute force: the fraction of the 2^n sign flips whose W+ is at least as extreme as observed. */
  function bruteForceP(d: number[]): number {
    const n = d.length;
    const ranks = d.map((v) => 1 + d.filter((w) => Math.abs(w) < Math.abs(v)).length);
    const wObs = d.reduce((s, v, i) => s + (v > 0 ? ranks[i] : 0), 0);
    const mean = (n * (n + 1)) / 4;
    let extreme = 0;
    for (let mask = 0; mask < 1 << n; mask++) {
      let w = 0;
      for (let i = 0; i < n; i++) if (mask & (1 << i)) w += ranks[i];
      if (Math.abs(w - mean) >= Math.abs(wObs - mean) - 1e-9) extreme++;
    }
    return extreme / (1 << n);
  }

  it('gives the exact p-value for small samples without ties', () => {
    const a = [1.9, 2.6, 2.1, 3.3, 2.2, 1.4, 2.95, 2.45];
    const b = [1.7, 2.1, 2.05, 2.2, 2.35, 1.3, 2.0, 1.8];
    const r = wilcoxonSignedRank(a, b);
    expect(r.method).toBe('exact');
    expect(r.wPlus + r.wMinus).toBe(36);
    expect(r.pValue).toBeCloseTo(bruteForceP(a.map((v, i) => v - b[i])), 12);
    // All positive with n = 8: p = 2/256.
    expect(wilcoxonSignedRank([2, 3, 4, 5, 6, 7, 8, 9.5], [1, 1, 1, 1, 1, 1, 1, 1]).pValue).toBeCloseTo(2 / 256, 12);
  });

  it('drops zero differences and falls back to the normal approximation with ties', () => {
    const r = wilcoxonSignedRank([1, 2, 3, 4, 5, 6], [1, 1, 2, 3, 4, 5]);
    expect(r.n).toBe(5);
    expect(r.method).toBe('normal');
    expect(r.pValue).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(0.1);
  });
});

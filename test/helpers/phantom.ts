// The project's synthetic sodium phantom as test data: one subject of a cohort with the given parameters.
import { generateSubject, resolvePhantomParams } from '../../src/phantom';
import type { PhantomParamsInput, PhantomSubject } from '../../src/phantom/types';

/** Subject `index` of the cohort `params` describes (defaults filled in), e.g. `phantomSubject({ matrix: 20, seed: 3 })`. */
export function phantomSubject(params: PhantomParamsInput, index = 0): PhantomSubject {
  return generateSubject(resolvePhantomParams(params), index);
}

/**
 * Variance and lag-1 autocorrelation along the fastest axis of noise lines of length `n` (pairs never cross a line
 * end), e.g. `noiseLineStats(complexNoise(32, rng, true).re, 32).lag1`.
 */
export function noiseLineStats(a: Float64Array, n: number): { variance: number; lag1: number } {
  let s = 0,
    s2 = 0,
    lag = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    s2 += a[i] * a[i];
    if ((i + 1) % n !== 0) lag += a[i] * a[i + 1];
  }
  const variance = s2 / a.length - (s / a.length) ** 2;
  return { variance, lag1: lag / (a.length - a.length / n) / variance };
}

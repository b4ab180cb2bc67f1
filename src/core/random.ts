// The one seeded generator of the project: xoshiro128** over four 32-bit words, Marsaglia polar normals, serialisable state.
import { imul, log, sqrt } from './math';

/** Four 32-bit words, each an unsigned integer in [0, 2^32). */
export type StateWords = [number, number, number, number];

/** The whole state of a generator: its four words plus the cached second normal of the last polar draw. */
export interface GeneratorState {
  s: StateWords;
  spareGaussian: number | null;
}

/**
 * splitmix32: expands a 32-bit start value into four well-mixed words by stepping it with the golden-ratio increment.
 * Callers own how the start value is derived from a seed and how an all-zero result is avoided.
 */
export function splitmix32Words(start: number): StateWords {
  let x = start >>> 0;
  const words: StateWords = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = imul(z ^ (z >>> 16), 0x85ebca6b);
    z = imul(z ^ (z >>> 13), 0xc2b2ae35);
    words[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return words;
}

/** xoshiro128** (period 2^128 − 1) with a cached spare normal; subclasses add their seeding and convenience draws. */
export class Xoshiro128 {
  // Plain number fields (int32 bit patterns) rather than a typed array: the fastest form for V8 in per-voxel loops.
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** Starts from four words, which must not all be zero (xoshiro would then emit zeros forever). */
  constructor(words: readonly number[]) {
    this.setWords(words);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = imul(rotl(imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (Marsaglia's polar form of Box–Muller: no trigonometry; the second value is cached for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = sqrt((-2 * log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** A JSON-safe copy of the full state; `setState` of it continues the exact same stream. */
  getState(): GeneratorState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spareGaussian: this.spare };
  }

  setState(state: GeneratorState): void {
    if (state === null || typeof state !== 'object') throw new Error('RNG state must be an object');
    const spare = state.spareGaussian;
    if (spare !== null && !(typeof spare === 'number' && Number.isFinite(spare))) {
      throw new Error(`RNG state spareGaussian must be a finite number or null, got ${String(spare)}`);
    }
    this.setWords(state.s);
    this.spare = spare;
  }

  private setWords(words: readonly number[]): void {
    if (
      !Array.isArray(words) ||
      words.length !== 4 ||
      words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)
    ) {
      throw new Error('RNG state must hold four uint32 words');
    }
    if (words.every((w) => w === 0)) throw new Error('RNG state words must not all be zero');
    this.s0 = words[0] | 0;
    this.s1 = words[1] | 0;
    this.s2 = words[2] | 0;
    this.s3 = words[3] | 0;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Uniform draws in [0, 1) from the shared generator seeded by splitmix32(seed), for one-off seeded streams (initial
 * weights, test data) that need neither state nor normals.
 * @example const random = uniformStream(7); const u = random();
 */
export function uniformStream(seed: number): () => number {
  const words = splitmix32Words(seed >>> 0);
  if (words.every((w) => w === 0)) words[0] = 1;
  const generator = new Xoshiro128(words);
  return () => generator.next();
}

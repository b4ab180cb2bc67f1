// Seeded pseudo-random numbers for the phantom: the core xoshiro128** generator (src/core/random.ts) with the phantom's seeding.
import { splitmix32Words, Xoshiro128, type StateWords } from '../core/random';
import { cos, floor, imul, sin, sqrt } from '../core/math';

/** Mixes a string label into a 32-bit seed (FNV-1a), so each random stream of a subject is independent. */
export function deriveSeed(seed: number, ...parts: Array<number | string>): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const part of parts) {
    const text = `|${part}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** The phantom's seeding: splitmix32 from `seed >>> 0`, with the last word forced odd (so never all zero). */
export function phantomSeedWords(seed: number): StateWords {
  const [s0, s1, s2, s3] = splitmix32Words(seed >>> 0);
  return [s0, s1, s2, (s3 | 1) >>> 0];
}

/** The shared xoshiro128** generator with the phantom's seeding and its drawing helpers. */
export class Random extends Xoshiro128 {
  constructor(seed: number) {
    super(phantomSeedWords(seed));
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + floor(this.next() * (max - min + 1));
  }

  /** Fills an array with independent standard normals. */
  fillNormal(out: Float32Array | Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
  }

  /** A uniformly distributed unit vector. */
  unitVector(): [number, number, number] {
    const z = this.uniform(-1, 1);
    const phi = this.uniform(0, 2 * Math.PI);
    const r = sqrt(1 - z * z);
    return [r * cos(phi), r * sin(phi), z];
  }
}

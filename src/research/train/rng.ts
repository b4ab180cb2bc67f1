// Seeded, serialisable random numbers for training: a checkpoint stores the state so a resumed run draws the same samples.
import { splitmix32Words, Xoshiro128, type GeneratorState, type StateWords } from '../../core/random';
import { floor } from '../../core/math';

/** The whole state of a SeededRng: four 32-bit words (xoshiro128**) plus a cached Gaussian; checkpoints store it as JSON. */
export type RngState = GeneratorState;

/** Training's seeding: splitmix32 from `floor(seed) ^ 0x9e3779b9`; an all-zero result (never seen in practice) becomes [1,0,0,0]. */
export function trainingSeedWords(seed: number): StateWords {
  if (!Number.isFinite(seed)) throw new Error(`RNG seed must be a finite number, got ${seed}`);
  const words = splitmix32Words((floor(seed) ^ 0x9e3779b9) >>> 0);
  if (words.every((w) => w === 0)) words[0] = 1;
  return words;
}

/** The shared xoshiro128** generator with training's seeding, bounded integers and shuffling. */
export class SeededRng extends Xoshiro128 {
  constructor(seed: number) {
    super(trainingSeedWords(seed));
  }

  static fromState(state: RngState): SeededRng {
    const rng = new SeededRng(0);
    rng.setState(state);
    return rng;
  }

  /** Next uint32 (the name training code has always used). */
  nextU32(): number {
    return this.nextUint32();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new Error(`rng.int needs a positive integer bound, got ${n}`);
    return floor(this.next() * n);
  }

  /** Standard normal (Marsaglia polar method; the second value is cached and checkpointed). */
  gaussian(): number {
    return this.normal();
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

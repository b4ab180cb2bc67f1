// The shared seeded generator: reference outputs (recorded from the pre-refactor phantom and training generators), an independent BigInt xoshiro128**, and state round trips.
import { splitmix32Words, Xoshiro128, type StateWords } from '../../src/core/random';

/** A straight-from-the-definition xoshiro128** on BigInt words, independent of the int32 tricks of the real one. */
function referenceXoshiro(words: StateWords): () => number {
  const M = 0xffffffffn;
  const s = words.map(BigInt);
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  return () => {
    const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return Number(result);
  };
}

describe('core seeded generator', () => {
  it('reproduces the training stream recorded before the generators were merged (seed 42)', () => {
    const words = splitmix32Words((42 ^ 0x9e3779b9) >>> 0);
    expect(words).toEqual([2841494124, 1546383940, 1737289875, 3965672844]);
    const rng = new Xoshiro128(words);
    expect(Array.from({ length: 5 }, () => rng.nextUint32())).toEqual([
      3704290710, 166753127, 957952423, 1464233848, 469586928,
    ]);
    const normals = new Xoshiro128(words);
    expect(Array.from({ length: 4 }, () => normals.normal())).toEqual([
      -1.1610284965602085, -0.6668782385843323, -0.9761249291117854, 0.10526133531205091,
    ]);
  });

  it('reproduces the phantom stream recorded before the generators were merged (seed 42)', () => {
    const [a, b, c, d] = splitmix32Words(42);
    const words: StateWords = [a, b, c, (d | 1) >>> 0];
    const rng = new Xoshiro128(words);
    expect(Array.from({ length: 5 }, () => rng.nextUint32())).toEqual([
      2837322924, 544945897, 479756282, 3500138142, 339756180,
    ]);
    const normals = new Xoshiro128(words);
    expect(Array.from({ length: 4 }, () => normals.normal())).toEqual([
      0.3603989584463338, -0.8372282594291286, -0.013506112711283054, 0.01095449078059174,
    ]);
  });

  it('matches an independent BigInt xoshiro128** word for word, including words with the top bit set', () => {
    for (const start of [0, 1, 0x80000000, 0xffffffff, 123456789]) {
      const words = splitmix32Words(start);
      const fast = new Xoshiro128(words);
      const reference = referenceXoshiro(words);
      for (let i = 0; i < 1000; i++) expect(fast.nextUint32()).toBe(reference());
    }
    const edge = new Xoshiro128([0xffffffff, 0x80000000, 0x7fffffff, 1]);
    const reference = referenceXoshiro([0xffffffff, 0x80000000, 0x7fffffff, 1]);
    for (let i = 0; i < 200; i++) expect(edge.nextUint32()).toBe(reference());
  });

  it('draws next() in [0, 1) as nextUint32 / 2^32', () => {
    const a = new Xoshiro128(splitmix32Words(9));
    const b = new Xoshiro128(splitmix32Words(9));
    for (let i = 0; i < 1000; i++) {
      const u = a.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(u).toBe(b.nextUint32() / 4294967296);
    }
  });

  it('round-trips its state through JSON mid-stream, cached spare normal included', () => {
    const rng = new Xoshiro128(splitmix32Words(7));
    for (let i = 0; i < 37; i++) rng.nextUint32();
    rng.normal(); // leaves the second polar value cached
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    expect(saved.spareGaussian).not.toBeNull();
    for (const w of saved.s) expect(Number.isInteger(w) && w >= 0 && w <= 0xffffffff).toBe(true);
    const expected = Array.from({ length: 50 }, () => rng.normal());
    const resumed = new Xoshiro128([1, 0, 0, 0]);
    resumed.setState(saved);
    expect(resumed.getState()).toEqual(saved);
    expect(Array.from({ length: 50 }, () => resumed.normal())).toEqual(expected);
    expect(resumed.getState()).toEqual(rng.getState());
  });

  it('rejects states it cannot continue from', () => {
    expect(() => new Xoshiro128([0, 0, 0, 0])).toThrow(/all be zero/);
    const rng = new Xoshiro128([1, 2, 3, 4]);
    expect(() => rng.setState({ s: [1, 2, 3] as never, spareGaussian: null })).toThrow(/four uint32/);
    expect(() => rng.setState({ s: [1, 2, 3, -4], spareGaussian: null })).toThrow(/four uint32/);
    expect(() => rng.setState({ s: [1, 2, 3, 2 ** 32], spareGaussian: null })).toThrow(/four uint32/);
    expect(() => rng.setState({ s: [1, 2, 3, 4.5], spareGaussian: null })).toThrow(/four uint32/);
    expect(() => rng.setState({ s: [1, 2, 3, 4], spareGaussian: Number.NaN })).toThrow(/spareGaussian/);
    expect(() => rng.setState(null as never)).toThrow(/object/);
    // A rejected state leaves the generator untouched.
    expect(rng.getState()).toEqual({ s: [1, 2, 3, 4], spareGaussian: null });
  });
});

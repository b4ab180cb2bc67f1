// --shard i/N: a partition (each series in exactly one shard), stable across runs and machines, and even.
import { inShard, parseShard, shardOf } from '../../../src/jobs/pacs/shard';
import { newUid } from '../../../src/io/dicom/uid';

describe('shards', () => {
  it('parses i/N and refuses everything else with one line', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    for (const bad of ['3/3', '-1/3', '1/0', '1', 'a/b', '1/3/5', '0.5/2'])
      expect(() => parseShard(bad)).toThrow(/--shard must be i\/N/);
  });

  it('puts every series in exactly one of N shards, about evenly', () => {
    const uids = Array.from({ length: 3000 }, () => newUid());
    for (const count of [1, 2, 3, 7]) {
      const sizes = new Array(count).fill(0);
      for (const uid of uids) {
        const owners = Array.from({ length: count }, (_, index) => inShard(uid, { index, count })).filter(Boolean);
        expect(owners).toHaveLength(1);
        sizes[shardOf(uid, count)]++;
      }
      const expected = uids.length / count;
      // Binomial spread: within 5 standard deviations of an even split.
      const sd = Math.sqrt(uids.length * (1 / count) * (1 - 1 / count));
      for (const n of sizes) expect(Math.abs(n - expected)).toBeLessThanOrEqual(5 * sd + 1e-9);
    }
  });

  it('depends on the UID alone (the same in every process)', () => {
    const uid = '2.25.4937439759020562795083752578306181753';
    expect(shardOf(uid, 1000)).toBe(shardOf(`${uid}`, 1000));
    const many = Array.from({ length: 50 }, (_, k) => shardOf(`1.2.826.0.1.${k}`, 5));
    expect(new Set(many).size).toBe(5);
  });
});

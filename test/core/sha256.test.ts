import * as crypto from 'node:crypto';
import { Sha256, sha256Hex } from '../../src/core/sha256';

describe('sha256', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches node:crypto on random data fed in uneven chunks', () => {
    for (const length of [1, 55, 56, 63, 64, 65, 1000, 100_003]) {
      const data = crypto.randomBytes(length);
      const h = new Sha256();
      for (let i = 0; i < length; i += 37) h.update(data.subarray(i, i + 37));
      const ours = Buffer.from(h.digest()).toString('hex');
      expect(ours).toBe(crypto.createHash('sha256').update(data).digest('hex'));
    }
  });
});

// NLM on real Node worker_threads: same result as the calling thread, progress, abort, and recovery after abort.
import { createVolume } from '../../../src/core/volume';
import { nlmeans } from '../../../src/model/nlm/nlm-cpu';
import { createNodeNlmPool } from '../../../src/model/nlm/node-pool';
import type { NlmWorkerPool } from '../../../src/model/nlm/pool';
import { addRician, fieldVolume } from '../../helpers/images';

const truth = fieldVolume([24, 22, 20], [1, 1, 1], (x, y, z) => (Math.hypot(x, y, z) < 7 ? 90 : 25));
const image = createVolume({ dims: truth.dims, data: addRician(truth.data, 9, 11) });

describe('createNodeNlmPool', () => {
  let pool: NlmWorkerPool;
  beforeAll(() => {
    pool = createNodeNlmPool(2);
  });
  afterAll(() => pool.dispose());

  it('gives the same volume as the calling thread, with progress up to 1', async () => {
    const inline = await nlmeans(image, { sigma: 9, blockRadius: 4 });
    const seen: number[] = [];
    const pooled = await nlmeans(image, { sigma: 9, blockRadius: 4 }, { pool, onProgress: (f) => seen.push(f) });
    expect(Array.from(pooled.data)).toEqual(Array.from(inline.data));
    expect(seen[seen.length - 1]).toBeCloseTo(1, 10);
  });

  it('stops running boxes on abort, then still works', async () => {
    // Abort as soon as the first box is done and others are still running (a timer raced the SIMD kernel's speed).
    const ac = new AbortController();
    const abortMidway = (f: number) => {
      if (f > 0 && f < 1 && !ac.signal.aborted) ac.abort(new Error('cancelled by the test'));
    };
    const run = nlmeans(image, { sigma: 9 }, { pool, signal: ac.signal, onProgress: abortMidway });
    await expect(run).rejects.toThrow('cancelled by the test');
    expect(ac.signal.aborted).toBe(true);
    const again = await nlmeans(image, { sigma: 9, blockRadius: 2 }, { pool });
    expect(again.data.length).toBe(image.data.length);
  });

  it('refuses work after dispose', async () => {
    const p = createNodeNlmPool(1);
    await p.dispose();
    await expect(nlmeans(image, { sigma: 9 }, { pool: p })).rejects.toThrow('disposed');
  });
});

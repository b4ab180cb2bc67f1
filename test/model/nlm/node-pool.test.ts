// NLM on real Node worker_threads: same result as the calling thread, progress, abort, and recovery after abort.
import { startModuleWorker } from '../../../src/core/node-thread';
import { createVolume } from '../../../src/core/volume';
import { nlmeans } from '../../../src/model/nlm/nlm-cpu';
import { createNodeNlmPool } from '../../../src/model/nlm/node-pool';
import type { NlmWorkerPool } from '../../../src/model/nlm/pool';
import { addRician, fieldVolume } from '../../helpers/images';

// The real worker start, counted: the pool's first slot is the calling thread, the others are worker threads.
jest.mock('../../../src/core/node-thread', () => {
  const actual = jest.requireActual('../../../src/core/node-thread');
  return { ...actual, startModuleWorker: jest.fn(actual.startModuleWorker) };
});
const started = startModuleWorker as jest.MockedFunction<typeof startModuleWorker>;

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

  it('works on the calling thread plus size − 1 worker threads', async () => {
    const inline = await nlmeans(image, { sigma: 9, blockRadius: 3 });
    for (const [size, workers] of [
      [1, 0],
      [3, 2],
    ]) {
      started.mockClear();
      const p = createNodeNlmPool(size);
      try {
        const pooled = await nlmeans(image, { sigma: 9, blockRadius: 3 }, { pool: p });
        expect(Array.from(pooled.data)).toEqual(Array.from(inline.data));
        expect(started).toHaveBeenCalledTimes(workers);
      } finally {
        await p.dispose();
      }
    }
  });

  it('refuses work after dispose', async () => {
    const p = createNodeNlmPool(1);
    await p.dispose();
    await expect(nlmeans(image, { sigma: 9 }, { pool: p })).rejects.toThrow('disposed');
  });
});

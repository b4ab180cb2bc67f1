// The DA worker pool's split and merge, on in-thread endpoints (no threads: the logic, not the transport), against
// denoiseDA on this thread: voxel for voxel, with warm-up, progress and abort. node-parallel.test runs real threads.
import { createVolume } from '../../../src/core/volume';
import { activateBackend } from '../../../src/model/backend';
import { denoiseDA } from '../../../src/model/da/infer';
import { createDAWorkerHandler } from '../../../src/model/da/worker-handler';
import {
  createDAWorkerPool,
  type DAWorkerEndpoint,
  type DAWorkerReply,
  splitDAParts,
} from '../../../src/model/da/worker-pool';
import { loaded, randomData } from './helpers';
import { phantomSubject } from '../../helpers/phantom';

/** A "worker" on this thread: requests are handled on a later task, as a real one would (jest's realm would make
 * structured clones of typed arrays fail denoiseDA's instanceof checks, so messages pass by reference). */
function loopback(log: string[]): DAWorkerEndpoint {
  const handle = createDAWorkerHandler();
  let onReply: (r: DAWorkerReply) => void = () => undefined;
  return {
    post: (request) => {
      log.push(request.type);
      setTimeout(() => handle(request, (reply) => onReply(reply)), 0);
    },
    listen: (r) => (onReply = r),
    terminate: () => void log.push('terminate'),
  };
}

describe('DA worker pool (shared by the CLI threads and the viewer Web Workers)', () => {
  beforeAll(async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
  });
  const model = loaded(17);

  it('splits into contiguous z-ranges of about equal work, each with real context slices', () => {
    const dims = [6, 5, 20];
    const mask = new Uint8Array(600);
    mask.fill(1, 4 * 30, 16 * 30); // slices 4…15
    const parts = splitDAParts(dims, mask, 3);
    expect(parts.map((p) => [p.z0, p.z1, p.s0, p.s1, p.centres])).toEqual([
      [0, 8, 0, 10, 120],
      [8, 12, 6, 14, 120],
      [12, 16, 10, 18, 120],
    ]);
    // Thin volumes still send 5 slices (the patch).
    expect(splitDAParts([4, 4, 6], undefined, 2).map((p) => p.s1 - p.s0)).toEqual([5, 5]);
  });

  it('equals denoiseDA on this thread voxel for voxel (brain mask, 3 parts), after a warm-up, progress monotone', async () => {
    const subject = phantomSubject({ matrix: 20, voxelSizeMm: 12.8, seed: 5 });
    const volume = subject.acquisitions[0];
    const single = await denoiseDA(volume, model, { mask: subject.brainMask });
    const log: string[] = [];
    const pool = createDAWorkerPool(3, () => loopback(log));
    await pool.warm(model);
    await pool.warm(model); // idempotent per model
    const progress: number[] = [];
    const split = await pool.run(volume, model, { mask: subject.brainMask, onProgress: (f) => progress.push(f) });
    expect(log.filter((t) => t === 'warm')).toHaveLength(3);
    expect(split.backend).toBe('wasm×3');
    expect(split.scale).toBe(single.scale);
    expect(split.voxelsComputed).toBe(single.voxelsComputed);
    expect(Array.from(split.volume.data)).toEqual(Array.from(single.volume.data));
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1])).toBe(true);
    expect(progress[progress.length - 1]).toBeCloseTo(1, 10);
    await pool.dispose();
    expect(log.filter((t) => t === 'terminate')).toHaveLength(3);
    await expect(pool.run(volume, model)).rejects.toThrow(/disposed/);
  });

  it('aborts a run between chunks and stays usable', async () => {
    const volume = createVolume({ dims: [16, 16, 16], data: randomData(4096, 8) });
    const pool = createDAWorkerPool(2, () => loopback([]));
    const controller = new AbortController();
    const run = pool.run(volume, model, { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toThrow(/abort/i);
    const again = await pool.run(volume, model);
    expect(Array.from(again.volume.data)).toEqual(Array.from((await denoiseDA(volume, model)).volume.data));
    await pool.dispose();
  });
});

// The WebAssembly SIMD NLM kernel: its committed binary is what its WAT source compiles to, and it gives the JS
// reference kernel's result (≤ 1e-5 of the peak) for every patch/block size, box shape and Rician setting; nlmeans
// picks it for one σ and the JS kernel for a σ map; given the mask's rows it computes only those voxels, bit for bit as
// without. ~12 s.
import { createVolume } from '../../../src/core/volume';
import { extractGrownBox } from '../../../src/model/nlm/boxes';
import { createNlmSlabJob, type NlmSlabJob, type NlmSlabTask } from '../../../src/model/nlm/kernel';
import { createNlmSimdSlabJob, nlmSimdAvailable } from '../../../src/model/nlm/kernel-simd';
import { NLM_SIMD_WASM_BASE64 } from '../../../src/model/nlm/nlm-simd-wasm';
import { nlmeans } from '../../../src/model/nlm/nlm-cpu';
import { nlmKernelLabel } from '../../../src/model/nlm/job';
import { generateSubject, resolvePhantomParams } from '../../../src/phantom';
import { addRician, rng } from '../../helpers/images';

const { compileWat, KERNELS } = require('../../../scripts/build-wasm.js');

function finish(job: NlmSlabJob, chunk: number): Float32Array {
  while (!job.step(chunk));
  return job.result();
}

/** max |a − b| / max |a|. */
function relativeMaxDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0,
    peak = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    peak = Math.max(peak, Math.abs(a[i]));
  }
  return diff / peak;
}

describe('NLM SIMD kernel', () => {
  it('the committed binary is the WAT source compiled by scripts/build-wasm.js (byte for byte)', async () => {
    const kernel = KERNELS.find((k: { constant: string }) => k.constant === 'NLM_SIMD_WASM_BASE64');
    const rebuilt: Buffer = await compileWat(require('node:path').join(__dirname, '..', '..', '..', kernel.wat));
    expect(Buffer.from(NLM_SIMD_WASM_BASE64, 'base64').equals(rebuilt)).toBe(true);
  });

  it('runs in Node (WebAssembly SIMD available)', () => {
    expect(nlmSimdAvailable()).toBe(true);
  });

  const subject = generateSubject(resolvePhantomParams({ matrix: 40, voxelSizeMm: 6, subjects: 1, seed: 5 }), 0);
  const head = subject.acquisitions[0];
  it.each([
    // patch radius, block radius, box size (widths not multiples of 4 test the vector tails), Rician correction
    [1, 5, [40, 40, 12], true],
    [1, 3, [13, 7, 9], true],
    [0, 2, [9, 10, 11], false],
    [2, 5, [17, 21, 6], true],
    [3, 5, [10, 11, 12], false],
    [1, 4, [1, 3, 2], true],
  ] as const)('P %i, B %i, box %j, rician %s: equals the JS kernel', (patchRadius, blockRadius, size, rician) => {
    const box = { start: [0, 3, 14] as [number, number, number], size: [...size] as [number, number, number] };
    const task = (): NlmSlabTask => ({
      box: box.size,
      input: extractGrownBox(head.data, head.dims, box, blockRadius),
      sigma: subject.noiseSigma,
      patchRadius,
      blockRadius,
      rician,
    });
    const js = finish(createNlmSlabJob(task()), 1000);
    // Uneven step sizes: results must not depend on how the offsets are batched.
    const simd = finish(createNlmSimdSlabJob(task()), 7);
    expect(relativeMaxDiff(js, simd)).toBeLessThan(1e-5);
  });

  it.each([
    [1, 5, [37, 29, 11]],
    [2, 5, [18, 13, 7]],
    [0, 2, [9, 10, 6]],
  ] as const)(
    'P %i, B %i, box %j, with wanted rows: those voxels bit for bit as without, the others 0',
    (P, B, size) => {
      const box = { start: [1, 2, 12] as [number, number, number], size: [...size] as [number, number, number] };
      const [bx, by, bz] = box.size;
      // Ranges of every kind: empty, one voxel, unaligned, whole, touching either end.
      const r = rng(3);
      const rows = new Int32Array(2 * by * bz);
      for (let i = 0; i < by * bz; i++) {
        const kind = i % 5;
        const a = Math.floor(r() * bx),
          b = Math.floor(r() * (bx + 1));
        const [lo, hi] =
          kind === 0 ? [a, a] : kind === 1 ? [0, bx] : kind === 2 ? [a, a + 1] : [Math.min(a, b), Math.max(a, b)];
        rows[2 * i] = lo;
        rows[2 * i + 1] = Math.min(hi, bx);
      }
      const task = (): NlmSlabTask => ({
        box: box.size,
        input: extractGrownBox(head.data, head.dims, box, B),
        sigma: subject.noiseSigma,
        patchRadius: P,
        blockRadius: B,
        rician: true,
      });
      const all = finish(createNlmSimdSlabJob(task()), 1000);
      const some = finish(createNlmSimdSlabJob({ ...task(), rows }), 5);
      const js = finish(createNlmSlabJob({ ...task(), rows }), 1000);
      let wanted = 0;
      for (let i = 0; i < by * bz; i++)
        for (let x = 0; x < bx; x++) {
          const o = bx * i + x;
          const inRow = x >= rows[2 * i] && x < rows[2 * i + 1];
          expect(some[o]).toBe(inRow ? all[o] : 0);
          if (inRow) wanted++;
        }
      expect(wanted).toBeGreaterThan(0);
      // The JS reference ignores `rows` and computes every voxel.
      expect(relativeMaxDiff(js, all)).toBeLessThan(1e-5);
    },
  );

  it('refuses wanted rows of the wrong length or outside the box', () => {
    const task = (rows: Int32Array): NlmSlabTask => ({
      box: [6, 5, 4],
      input: new Float32Array(16 * 15 * 14).fill(1),
      sigma: 1,
      patchRadius: 1,
      blockRadius: 5,
      rician: false,
      rows,
    });
    expect(() => createNlmSimdSlabJob(task(new Int32Array(3)))).toThrow(/rows has 3 values, the box's 20 rows need 40/);
    const bad = new Int32Array(40);
    bad[1] = 7;
    expect(() => createNlmSimdSlabJob(task(bad))).toThrow(/row 0's range \[0, 7\) is not in \[0, 6\]/);
  });

  it('equals the JS kernel on uniform noise with a tiny σ (weights underflow to 0) and a huge one (all ≈ 1)', () => {
    const r = rng(9);
    const input = Float32Array.from({ length: 18 * 17 * 16 }, () => 100 * r());
    for (const sigma of [1e-3, 1e4]) {
      const task = (): NlmSlabTask => ({
        box: [10, 9, 8],
        input: input.slice(),
        sigma,
        patchRadius: 1,
        blockRadius: 4,
        rician: false,
      });
      expect(
        relativeMaxDiff(finish(createNlmSlabJob(task()), 50), finish(createNlmSimdSlabJob(task()), 50)),
      ).toBeLessThan(1e-5);
    }
  });

  it('nlmeans uses it for one σ and the JS kernel for a σ map; engine "simd" refuses a σ map', async () => {
    const dims: [number, number, number] = [14, 12, 10];
    const truth = Float32Array.from({ length: 14 * 12 * 10 }, (_, i) => (i % 14 > 6 ? 80 : 30));
    const volume = createVolume({ dims, data: addRician(truth, 6, 4) });
    const params = { sigma: 6, blockRadius: 3 };
    const auto = await nlmeans(volume, params);
    const simd = await nlmeans(volume, params, { engine: 'simd' });
    const js = await nlmeans(volume, params, { engine: 'js' });
    expect(Array.from(auto.data)).toEqual(Array.from(simd.data));
    expect(relativeMaxDiff(js.data, simd.data)).toBeLessThan(1e-5);
    const map = { sigma: new Float32Array(volume.data.length).fill(6), blockRadius: 3 };
    const autoMap = await nlmeans(volume, map);
    expect(Array.from(autoMap.data)).toEqual(Array.from((await nlmeans(volume, map, { engine: 'js' })).data));
    await expect(nlmeans(volume, map, { engine: 'simd' })).rejects.toThrow(/needs one σ/);
    // The label results carry comes from the same rule: the SIMD kernel for one σ, the JS kernel for a map.
    expect([nlmKernelLabel(6), nlmKernelLabel(map.sigma), nlmKernelLabel(6, 'js')]).toEqual([
      'wasm-simd',
      'js-cpu',
      'js-cpu',
    ]);
  });
});

// The patch sampler on real phantom subjects: labels are mean-of-three centre voxels of brain voxels, inputs are one
// acquisition's patch plus k·σ̂ Gaussian noise, runs repeat per seed, and the LRU keeps a bounded working set.
import { PATCH_VOXELS } from '../../../src/model/da/architecture';
import { extractPatches } from '../../../src/model/da/patches';
import { drawValidationSet, PatchSampler } from '../../../src/research/train/patchSampler';
import { SeededRng } from '../../../src/research/train/rng';
import { LruCache } from '../../../src/research/train/subjectCache';
import { prepareTrainingSubject, type TrainingSubject } from '../../../src/research/train/trainingSubject';
import { resolvePhantomParams } from '../../../src/phantom/params';
import { generateSubject } from '../../../src/phantom/subject';

const params = resolvePhantomParams({ seed: 11, subjects: 3, matrix: 32, voxelSizeMm: 8, oversampling: 1 });
const subjects: TrainingSubject[] = [0, 1, 2].map((i) => prepareTrainingSubject(generateSubject(params, i)));
const byId = new Map(subjects.map((s) => [s.id, s]));
const load = async (id: string) => byId.get(id)!;

/** Finds which acquisition and brain voxel produced a sample: the (voxel, acquisition) whose label matches and whose clean patch is closest. */
function identify(s: TrainingSubject, target: number, patch: Float32Array) {
  const clean = new Float32Array(PATCH_VOXELS);
  let best: { voxel: number; acq: number; residual: Float32Array } | null = null;
  let bestSs = Infinity;
  for (const v of s.brainVoxels) {
    s.acquisitions.forEach((a, k) => {
      if (Math.abs(s.mean3.data[v] / a.scale - target) > 1e-6) return;
      extractPatches(a.volume.data, a.volume.dims, Int32Array.of(v), a.scale, clean);
      const residual = patch.map((x, i) => x - clean[i]);
      const ss = residual.reduce((t, r) => t + r * r, 0);
      if (ss < bestSs) {
        bestSs = ss;
        best = { voxel: v, acq: k, residual };
      }
    });
  }
  return best as { voxel: number; acq: number; residual: Float32Array } | null;
}

describe('PatchSampler', () => {
  it('draws brain-centred patches of one acquisition with mean-of-three labels (k = 0: no added noise)', async () => {
    const sampler = new PatchSampler([subjects[0].id], load, { noiseLevel: 0 });
    const patches = new Float32Array(32 * PATCH_VOXELS);
    const targets = new Float32Array(32);
    await sampler.fill(new SeededRng(1), patches, targets, 32);
    const acqsSeen = new Set<number>();
    for (let b = 0; b < 32; b++) {
      const hit = identify(subjects[0], targets[b], patches.subarray(b * PATCH_VOXELS, (b + 1) * PATCH_VOXELS));
      expect(hit).not.toBeNull();
      expect(Math.max(...hit!.residual.map(Math.abs))).toBeLessThan(1e-6);
      acqsSeen.add(hit!.acq);
    }
    expect(acqsSeen.size).toBe(3);
  });

  it('adds Gaussian noise of σ_add = k·σ̂ (in normalised units) to the input only', async () => {
    const k = 0.8;
    const sampler = new PatchSampler([subjects[1].id], load, { noiseLevel: k });
    const n = 64;
    const patches = new Float32Array(n * PATCH_VOXELS);
    const targets = new Float32Array(n);
    await sampler.fill(new SeededRng(2), patches, targets, n);
    let ratioSum = 0;
    for (let b = 0; b < n; b++) {
      const hit = identify(subjects[1], targets[b], patches.subarray(b * PATCH_VOXELS, (b + 1) * PATCH_VOXELS))!;
      const a = subjects[1].acquisitions[hit.acq];
      const sd = Math.sqrt(hit.residual.reduce((t, r) => t + r * r, 0) / PATCH_VOXELS);
      ratioSum += sd / ((k * a.sigma) / a.scale);
    }
    expect(ratioSum / n).toBeGreaterThan(0.9);
    expect(ratioSum / n).toBeLessThan(1.1);
  });

  it('repeats for a seed, and its working set survives a state round trip', async () => {
    const ids = subjects.map((s) => s.id);
    const a = new PatchSampler(ids, load, { noiseLevel: 0.5, cacheSize: 2, rotateEvery: 1 });
    const b = new PatchSampler(ids, load, { noiseLevel: 0.5, cacheSize: 2, rotateEvery: 1 });
    const ra = new SeededRng(3),
      rb = new SeededRng(3);
    const pa = new Float32Array(8 * PATCH_VOXELS),
      pb = new Float32Array(8 * PATCH_VOXELS);
    const ta = new Float32Array(8),
      tb = new Float32Array(8);
    for (let i = 0; i < 5; i++) {
      await a.fill(ra, pa, ta, 8);
      await b.fill(rb, pb, tb, 8);
    }
    expect(pa).toEqual(pb);
    expect(a.getState().workingSet).toHaveLength(2);
    const c = new PatchSampler(ids, load, { noiseLevel: 0.5, cacheSize: 2, rotateEvery: 1 });
    c.setState(JSON.parse(JSON.stringify(a.getState())));
    const rc = SeededRng.fromState(ra.getState());
    await a.fill(ra, pa, ta, 8);
    await c.fill(rc, pb, tb, 8);
    expect(pb).toEqual(pa);
    expect(() => c.setState({ workingSet: ['nobody'], batchesSinceRotation: 0 })).toThrow(/not in this training set/);
  });

  it('draws a fixed validation set from its own seed', () => {
    const v1 = drawValidationSet([subjects[2]], 100, 0.5, new SeededRng(9));
    const v2 = drawValidationSet([subjects[2]], 100, 0.5, new SeededRng(9));
    expect(v1.patches).toEqual(v2.patches);
    expect(v1.count).toBe(100);
    expect(() => drawValidationSet([], 10, 0, new SeededRng(1))).toThrow(/at least one subject/);
  });

  it('truth labels: the same patches grouped per subject, labelled with the noise-free centre voxel', () => {
    const pooled = drawValidationSet(subjects, 100, 0.5, new SeededRng(9));
    const truth = drawValidationSet(subjects, 100, 0.5, new SeededRng(9), undefined, true);
    expect(truth.groups!.map((g) => [g.id, g.count])).toEqual(subjects.map((s, j) => [s.id, j === 0 ? 34 : 33]));
    truth.groups!.forEach((g, j) => {
      for (let q = 0; q < g.count; q++) {
        const b = j + q * subjects.length; // the round-robin sample the grouped one came from
        const k = g.start + q;
        const patch = truth.patches.subarray(k * PATCH_VOXELS, (k + 1) * PATCH_VOXELS);
        expect(patch).toEqual(pooled.patches.subarray(b * PATCH_VOXELS, (b + 1) * PATCH_VOXELS));
        // The label is the truth at the centre voxel of the sample's mean-of-three label, in that acquisition's scale.
        const s = subjects[j];
        const match = identify(s, pooled.targets[b], patch);
        expect(match).not.toBeNull();
        expect(truth.targets[k]).toBeCloseTo(s.truth!.data[match!.voxel] / s.acquisitions[match!.acq].scale, 6);
      }
    });
    const { truth: _dropped, ...bare } = subjects[0];
    expect(() => drawValidationSet([bare], 10, 0, new SeededRng(1), undefined, true)).toThrow(
      `validation subject ${subjects[0].id} has no noise-free truth (truth labels need phantom subjects)`,
    );
  });
});

describe('LruCache', () => {
  it('loads each key once, evicts the least recently used, and forgets failed loads', async () => {
    const loads: string[] = [];
    const cache = new LruCache<string>(2, async (k) => {
      loads.push(k);
      if (k === 'bad') throw new Error('cannot load bad');
      return k.toUpperCase();
    });
    await Promise.all([cache.get('a'), cache.get('a')]);
    await cache.get('b');
    await cache.get('a'); // a is now most recent
    await cache.get('c'); // evicts b
    expect(cache.keys()).toEqual(['a', 'c']);
    await cache.get('b');
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
    await expect(cache.get('bad')).rejects.toThrow(/cannot load bad/);
    expect(cache.keys()).not.toContain('bad');
    expect(() => new LruCache(0, async () => 1)).toThrow(/positive integer/);
  });
});

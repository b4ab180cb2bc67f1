// Draws training batches on the fly, as the paper: input = one acquisition (chosen at random per sample) plus extra
// Gaussian noise of σ_add = k·σ̂, label = the centre voxel of the mean of three, centres on brain voxels only.
// Subjects come through an LRU cache; a rotating working set keeps the cache from thrashing on large cohorts.
import { PATCH_VOXELS } from '../../model/da/architecture';
import { extractPatches } from '../../model/da/patches';
import { LruCache } from './subjectCache';
import type { SeededRng } from './rng';
import type { TrainingSubject } from './trainingSubject';
import type { BatchSampler, ValidationSet } from './trainLoop';
import type { CentreShare } from './regimeMixture';

export interface PatchSamplerOptions {
  /** Added-noise level k: σ_add = k · σ̂ of the chosen acquisition. */
  noiseLevel: number;
  /** Subjects held in memory at once (default 16). */
  cacheSize?: number;
  /** Batches between swapping one working-set subject for another (only when the cohort exceeds the cache). */
  rotateEvery?: number;
  /** Where centres fall (training across regimes); absent: brain voxels only, the paper's choice. */
  share?: CentreShare;
}

interface SamplerState {
  workingSet: string[];
  batchesSinceRotation: number;
}

export class PatchSampler implements BatchSampler {
  readonly patchVoxels = PATCH_VOXELS;
  private readonly cache: LruCache<TrainingSubject>;
  private readonly capacity: number;
  private readonly rotateEvery: number;
  private workingSet: string[];
  private batchesSinceRotation = 0;
  private readonly centre = new Int32Array(1);

  constructor(
    private readonly subjectIds: readonly string[],
    load: (id: string) => Promise<TrainingSubject>,
    private readonly opts: PatchSamplerOptions,
  ) {
    if (subjectIds.length === 0) throw new Error('the patch sampler needs at least one training subject');
    if (!(opts.noiseLevel >= 0) || !Number.isFinite(opts.noiseLevel))
      throw new Error(`noise level k must be ≥ 0, got ${opts.noiseLevel}`);
    this.capacity = Math.min(opts.cacheSize ?? 16, subjectIds.length);
    this.cache = new LruCache(Math.max(this.capacity, 1), load);
    this.rotateEvery = opts.rotateEvery ?? 50;
    this.workingSet = subjectIds.slice(0, this.capacity);
  }

  getState(): SamplerState {
    return { workingSet: [...this.workingSet], batchesSinceRotation: this.batchesSinceRotation };
  }

  setState(state: unknown): void {
    const s = state as SamplerState;
    if (!s || !Array.isArray(s.workingSet) || s.workingSet.some((id) => !this.subjectIds.includes(id))) {
      throw new Error('checkpoint sampler state names subjects that are not in this training set');
    }
    this.workingSet = [...s.workingSet];
    this.batchesSinceRotation = s.batchesSinceRotation;
  }

  /** Loads the working set now, so the first epoch's samples/s measures training, not subject loading. */
  async prefetch(): Promise<void> {
    await Promise.all(this.workingSet.map((id) => this.cache.get(id)));
  }

  async fill(rng: SeededRng, patches: Float32Array, targets: Float32Array, batchSize: number): Promise<void> {
    this.maybeRotate(rng);
    const subjects = await Promise.all(this.workingSet.map((id) => this.cache.get(id)));
    for (let b = 0; b < batchSize; b++) {
      const s = subjects[rng.int(subjects.length)];
      drawSample(
        s,
        rng,
        this.opts.noiseLevel,
        patches.subarray(b * PATCH_VOXELS, (b + 1) * PATCH_VOXELS),
        targets,
        b,
        this.centre,
        this.opts.share,
      );
    }
  }

  /** Swaps one working-set subject for one outside it, every rotateEvery batches (no-op when all subjects fit). */
  private maybeRotate(rng: SeededRng): void {
    if (this.workingSet.length >= this.subjectIds.length) return;
    if (++this.batchesSinceRotation < this.rotateEvery) return;
    this.batchesSinceRotation = 0;
    const outside = this.subjectIds.filter((id) => !this.workingSet.includes(id));
    this.workingSet[rng.int(this.workingSet.length)] = outside[rng.int(outside.length)];
  }
}

/** One sample: a random acquisition's patch around a random brain voxel, plus k·σ̂ Gaussian noise; label from mean3
 * (or that acquisition's own label volume when the subject has them). */
function drawSample(
  s: TrainingSubject,
  rng: SeededRng,
  k: number,
  patch: Float32Array,
  targets: Float32Array,
  b: number,
  centre: Int32Array,
  share?: CentreShare,
): number {
  const a = rng.int(s.acquisitions.length);
  const acq = s.acquisitions[a];
  const pool = share ? centrePool(s, share, rng.next()) : s.brainVoxels;
  const v = pool[rng.int(pool.length)];
  centre[0] = v;
  extractPatches(acq.volume.data, acq.volume.dims, centre, acq.scale, patch);
  const noise = (k * acq.sigma) / acq.scale;
  if (noise > 0) for (let i = 0; i < PATCH_VOXELS; i++) patch[i] += noise * rng.gaussian();
  targets[b] = (s.labels?.[a] ?? s.mean3).data[v] / acq.scale;
  return a;
}

/** The pool a share draw u ∈ [0, 1) falls in; an empty pool (no tubes in this subject) falls back to the brain. */
function centrePool(s: TrainingSubject, share: CentreShare, u: number): Int32Array {
  const p = s.pools;
  let pool = s.brainVoxels;
  if (p) {
    if (u < share.head) pool = p.head;
    else if (u < share.head + share.tube) pool = p.tube;
    else if (u < share.head + share.tube + share.background) pool = p.background;
  }
  return pool.length > 0 ? pool : s.brainVoxels;
}

/**
 * A fixed validation set drawn once with its own seed, so validation losses are comparable across epochs and resumes.
 * Samples go round-robin over the subjects. `truth`: the labels are the noise-free truth (phantom subjects) instead of
 * the mean of three, from the same patches, and the set is grouped per subject so the loss can weigh each alike.
 * @example drawValidationSet(subjects, 16384, 1, new SeededRng(seed ^ 0x5a5a5a5a), share, true)
 */
export function drawValidationSet(
  subjects: readonly TrainingSubject[],
  count: number,
  noiseLevel: number,
  rng: SeededRng,
  share?: CentreShare,
  truth = false,
): ValidationSet {
  if (subjects.length === 0) throw new Error('validation needs at least one subject');
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`validation sample count must be a positive integer, got ${count}`);
  if (truth && count < subjects.length)
    throw new Error(
      `truth validation needs at least one sample per subject: ${count} samples, ${subjects.length} subjects`,
    );
  const bare = truth ? subjects.find((s) => !s.truth) : undefined;
  if (bare)
    throw new Error(`validation subject ${bare.id} has no noise-free truth (truth labels need phantom subjects)`);
  const patches = new Float32Array(count * PATCH_VOXELS);
  const targets = new Float32Array(count);
  const centre = new Int32Array(1);
  const at = groupedOrder(subjects.length, count, truth);
  for (let b = 0; b < count; b++) {
    const s = subjects[b % subjects.length];
    const k = at[b];
    const a = drawSample(
      s,
      rng,
      noiseLevel,
      patches.subarray(k * PATCH_VOXELS, (k + 1) * PATCH_VOXELS),
      targets,
      k,
      centre,
      share,
    );
    if (truth) targets[k] = s.truth!.data[centre[0]] / s.acquisitions[a].scale;
  }
  if (!truth) return { patches, targets, count };
  const groups = subjects.map((s, j) => ({
    id: s.id,
    start: at[j],
    count: Math.ceil((count - j) / subjects.length),
  }));
  return { patches, targets, count, groups };
}

/** Where round-robin sample b lands: b itself, or (grouped) after the samples of the subjects before it. */
function groupedOrder(n: number, count: number, grouped: boolean): Int32Array {
  const at = new Int32Array(count);
  const starts: number[] = [];
  for (let j = 0, start = 0; j < n; j++) {
    starts.push(start);
    start += Math.ceil((count - j) / n);
  }
  for (let b = 0; b < count; b++) at[b] = grouped ? starts[b % n] + Math.floor(b / n) : b;
  return at;
}

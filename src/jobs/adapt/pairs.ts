// Training pairs from a study's own repeated acquisitions (Noise2Noise-style): the input is a patch of one
// acquisition (plus the paper's added Gaussian noise), the label is the centre voxel of the mean of the OTHER
// acquisitions. The label's noise is then independent of the input's, so the network is not pulled towards the
// input's own noise (the paper's mean-of-three label contains the input).
import { floor } from '../../core/math';
import { Xoshiro128 } from '../../core/random';
import type { Volume } from '../../core/volume';
import { PATCH_VOXELS } from '../../model/da/architecture';
import { extractPatches } from '../../model/da/patches';

/** One acquisition as the sampler uses it. */
export interface PairAcquisition {
  volume: Volume;
  /** Rician σ̂ of this acquisition (image units): the unit of the added noise. */
  sigma: number;
  /** The DA's normalisation scale of this acquisition (the same rule inference applies). */
  scale: number;
}

/** Where patch centres are drawn from, with each region's share of the samples. */
export interface CentrePool {
  name: string;
  voxels: Int32Array;
  share: number;
}

/**
 * The mean of every acquisition but the i-th, for each i: the label volume for inputs drawn from acquisition i.
 * @example leaveOneOutMeans([a1, a2, a3])[0] // (a2 + a3) / 2
 */
export function leaveOneOutMeans(acquisitions: readonly Volume[]): Float32Array[] {
  const n = acquisitions.length;
  if (n < 2) throw new Error(`leave-one-out labels need at least 2 acquisitions, got ${n}`);
  const len = acquisitions[0].data.length;
  const sum = new Float64Array(len);
  for (const a of acquisitions) {
    if (a.data.length !== len) throw new Error('the acquisitions do not share one grid');
    for (let v = 0; v < len; v++) sum[v] += a.data[v];
  }
  return acquisitions.map((a) => {
    const out = new Float32Array(len);
    for (let v = 0; v < len; v++) out[v] = (sum[v] - a.data[v]) / (n - 1);
    return out;
  });
}

/** Draws (input patch, label) pairs; deterministic for a seed. */
export class PairSampler {
  private readonly rng: Xoshiro128;
  private readonly labels: Float32Array[];
  private readonly cumulative: number[];
  private readonly centre = new Int32Array(1);
  private readonly pools: readonly CentrePool[];

  constructor(
    private readonly acquisitions: readonly PairAcquisition[],
    pools: readonly CentrePool[],
    /** Added-noise level k: σ_add = k · σ̂ of the chosen acquisition (0: none). */
    private readonly noiseLevel: number,
    seedWords: readonly number[],
    labels?: Float32Array[],
  ) {
    if (acquisitions.length < 2) throw new Error(`pairs need at least 2 acquisitions, got ${acquisitions.length}`);
    if (!(noiseLevel >= 0) || !Number.isFinite(noiseLevel))
      throw new Error(`added-noise level must be ≥ 0, got ${noiseLevel}`);
    const live = pools.filter((p) => p.voxels.length > 0 && p.share > 0);
    if (live.length === 0) throw new Error('no voxels to draw patches from');
    const total = live.reduce((s, p) => s + p.share, 0);
    let acc = 0;
    this.pools = live;
    this.cumulative = live.map((p) => (acc += p.share / total));
    this.rng = new Xoshiro128(seedWords);
    this.labels = labels ?? leaveOneOutMeans(acquisitions.map((a) => a.volume));
  }

  /**
   * Fills `count` pairs: patches [count·125] (normalised by the input acquisition's scale), targets [count] (the
   * leave-one-out mean at the centre, same scale). `sources`, when given, receives each pair's input acquisition.
   * `addNoise` false draws validation pairs as inference sees them (no added noise).
   */
  fill(patches: Float32Array, targets: Float32Array, count: number, addNoise = true, sources?: Int32Array): void {
    const rng = this.rng;
    for (let b = 0; b < count; b++) {
      const u = rng.next();
      let p = 0;
      while (p < this.cumulative.length - 1 && u >= this.cumulative[p]) p++;
      const pool = this.pools[p].voxels;
      const v = pool[floor(rng.next() * pool.length)];
      const i = floor(rng.next() * this.acquisitions.length);
      const acq = this.acquisitions[i];
      this.centre[0] = v;
      const patch = patches.subarray(b * PATCH_VOXELS, (b + 1) * PATCH_VOXELS);
      extractPatches(acq.volume.data, acq.volume.dims, this.centre, acq.scale, patch);
      const noise = addNoise ? (this.noiseLevel * acq.sigma) / acq.scale : 0;
      if (noise > 0) for (let j = 0; j < PATCH_VOXELS; j++) patch[j] += noise * rng.normal();
      targets[b] = this.labels[i][v] / acq.scale;
      if (sources) sources[b] = i;
    }
  }
}

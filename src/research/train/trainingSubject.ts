// One subject prepared for patch sampling: its three acquisitions with their noise σ̂ and DA scale, the mean-of-three
// label volume, and the brain voxels that patches are centred on.
import { estimateNoiseSigma } from '../../core/noise';
import type { Mask, Volume } from '../../core/volume';
import {
  computeVolumeScale,
  DEFAULT_NORMALISATION,
  normalisationRegion,
  type DANormalisation,
} from '../../model/da/normalise';

/** What the sampler needs from a cohort subject (the cohort reader or the phantom generator provides it). */
export interface SubjectVolumes {
  id: string;
  acquisitions: readonly Volume[];
  mean3: Volume;
  brainMask: Mask;
  /** Tube number per voxel (phantom calibration tubes), when known: patch centres for a mixture's tube share. */
  tubeMask?: Uint8Array;
  /** The noise-free image (phantoms only): validation against the truth. */
  truth?: Volume;
}

export interface PreparedAcquisition {
  volume: Volume;
  /** Estimated Rician noise σ of this acquisition (image units), the unit of the added training noise. */
  sigma: number;
  /** The DA's normalisation scale of this acquisition (inference applies the same rule to its input). */
  scale: number;
}

export interface TrainingSubject {
  id: string;
  acquisitions: PreparedAcquisition[];
  mean3: Volume;
  /** Linear indices of the brain voxels: the patch centres. */
  brainVoxels: Int32Array;
  /** Other centre pools for a regime mixture (see regimeMixture's CentreShare): head outside the brain, tubes, air. */
  pools?: { head: Int32Array; tube: Int32Array; background: Int32Array };
  /** Per acquisition, its own label volume (e.g. the mean of the *other* acquisitions); absent: mean3 for all. */
  labels?: Volume[];
  /** The noise-free image, when the subject is a phantom (validation against the truth). */
  truth?: Volume;
}

export function prepareTrainingSubject(
  s: SubjectVolumes,
  norm: DANormalisation = DEFAULT_NORMALISATION,
): TrainingSubject {
  if (s.acquisitions.length < 1) throw new Error(`subject ${s.id} has no acquisitions`);
  const n = s.mean3.data.length;
  for (const [i, a] of s.acquisitions.entries()) {
    if (a.data.length !== n || a.dims.some((d, k) => d !== s.mean3.dims[k]))
      throw new Error(`subject ${s.id}: acquisition ${i + 1} does not share the mean-of-three grid`);
  }
  if (s.brainMask.length !== n)
    throw new Error(`subject ${s.id}: brain mask has ${s.brainMask.length} voxels, the volumes ${n}`);
  let count = 0;
  for (let i = 0; i < n; i++) if (s.brainMask[i]) count++;
  if (count === 0) throw new Error(`subject ${s.id}: the brain mask is empty (no voxels to train on)`);
  const brainVoxels = new Int32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (s.brainMask[i]) brainVoxels[j++] = i;
  return {
    id: s.id,
    pools: centrePools(s, norm),
    acquisitions: s.acquisitions.map((volume) => ({
      volume,
      sigma: estimateNoiseSigma(volume).sigma,
      scale: computeVolumeScale(volume, norm),
    })),
    mean3: s.mean3,
    brainVoxels,
    ...(s.truth ? { truth: s.truth } : {}),
  };
}

/** Head outside the brain (the normalisation's head region on the mean of three, tubes and brain removed), tubes, air. */
function centrePools(s: SubjectVolumes, norm: DANormalisation): TrainingSubject['pools'] {
  const head = normalisationRegion(s.mean3.data, { ...norm, by: 'intensity' });
  const pick = (test: (i: number) => boolean): Int32Array => {
    const out: number[] = [];
    for (let i = 0; i < head.length; i++) if (test(i)) out.push(i);
    return Int32Array.from(out);
  };
  const tube = (i: number) => (s.tubeMask ? s.tubeMask[i] > 0 : false);
  return {
    head: pick((i) => head[i] === 1 && !s.brainMask[i] && !tube(i)),
    tube: pick(tube),
    background: pick((i) => head[i] === 0 && !tube(i)),
  };
}

// Where adaptation draws its patch centres, and where da-wide's frozen first stage must run to feed them.
import type { Mask } from '../../core/volume';
import { PATCH_RADIUS } from '../../model/da/architecture';
import { growMask } from '../../model/da/stages';

export interface CentreRegions {
  brain: Mask;
  /** The head outside the brain (scalp, tubes). */
  rest: Mask;
  /** Background centres: all of it for one stage; for two, only what the second stage's patches read around the head. */
  background: Mask;
  /**
   * Two stages: where the first stage runs, as at inference (stages.ts): the head grown by the second stage's patch
   * radius; the second stage reads the input everywhere else. Undefined for one stage.
   */
  firstStageMask?: Mask;
}

/**
 * Splits the grid into the regions adaptation samples from. Denoising reads the head (brain included); far
 * background never reaches an output voxel through da-wide's second stage, so its first stage (the costly part of
 * the preparation) runs only on the head and its patch margin, about a quarter of a 64³ volume.
 * @example centreRegions(head, brain, [64, 64, 64], 2).firstStageMask // head ∪ brain grown by 2 voxels
 */
export function centreRegions(head: Mask, brain: Mask, dims: readonly number[], stages: 1 | 2): CentreRegions {
  const n = head.length;
  if (brain.length !== n || dims[0] * dims[1] * dims[2] !== n)
    throw new Error('centreRegions: the head and brain masks are not on one grid');
  const region = new Uint8Array(n);
  for (let i = 0; i < n; i++) region[i] = head[i] || brain[i] ? 1 : 0;
  const firstStageMask = stages === 2 ? growMask(region, dims, PATCH_RADIUS) : undefined;
  const rest = new Uint8Array(n);
  const background = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    rest[i] = region[i] && !brain[i] ? 1 : 0;
    background[i] = region[i] || (firstStageMask && !firstStageMask[i]) ? 0 : 1;
  }
  return { brain, rest, background, ...(firstStageMask ? { firstStageMask } : {}) };
}

// Which voxels adaptation may train on and which it validates on: slabs of slices are held out, and a training
// patch's whole 5×5×5 footprint (9³ through da-wide's two stages; after the border reflection; widened by the
// whitening kernel when the input is whitened) stays out of them, so no held-out voxel ever reaches the network
// during training, as input or as label.
import { boundaryIndex } from '../../core/filters';
import { floor } from '../../core/math';
import type { Mask } from '../../core/volume';
import { PATCH_RADIUS } from '../../model/da/architecture';
import { reflectIndex } from '../../model/da/patches';

export interface SlabSplitOptions {
  /** Slices per block along the slice axis (k). Default 8. */
  blockSlices?: number;
  /** Every `period`-th block is held out. Default 4 (a quarter of the slices). */
  period?: number;
  /** Which block of each period is held out (0…period−1). Default 2, so the slabs cross the head's middle. */
  phase?: number;
}

export const DEFAULT_SLAB_SPLIT: Required<SlabSplitOptions> = { blockSlices: 8, period: 4, phase: 2 };

export interface SlabSplit {
  /** 1 for a held-out slice, per slice index k. */
  heldOut: Uint8Array;
  /** 1 where a training patch may be centred: its footprint touches no held-out slice. */
  trainSlices: Uint8Array;
  /** 1 where a validation patch is centred: a held-out slice. */
  validationSlices: Uint8Array;
  options: Required<SlabSplitOptions>;
}

/**
 * Splits `nz` slices into held-out slabs (every period-th block of blockSlices slices) and slices whose 5³ patch
 * footprint avoids them. Volumes too thin for one slab of each kind are refused with the reason.
 * @param filterRadius - the radius of a filter applied to the input before the network (whitening)
 * @example splitSlabs(64).heldOut // slices 16–23 and 48–55 held out
 */
export function splitSlabs(nz: number, opts: SlabSplitOptions = {}, stages = 1, filterRadius = 0): SlabSplit {
  const o = { ...DEFAULT_SLAB_SPLIT, ...opts };
  if (!Number.isInteger(o.blockSlices) || o.blockSlices < 1)
    throw new Error(`slab split: blockSlices must be a positive integer, got ${o.blockSlices}`);
  if (!Number.isInteger(o.period) || o.period < 2)
    throw new Error(`slab split: period must be an integer ≥ 2, got ${o.period}`);
  if (!Number.isInteger(o.phase) || o.phase < 0 || o.phase >= o.period)
    throw new Error(`slab split: phase must be an integer in 0…${o.period - 1}, got ${o.phase}`);
  const heldOut = new Uint8Array(nz);
  for (let k = 0; k < nz; k++) heldOut[k] = floor(k / o.blockSlices) % o.period === o.phase ? 1 : 0;
  const trainSlices = new Uint8Array(nz);
  for (let k = 0; k < nz; k++)
    trainSlices[k] = footprintSlices(k, nz, stages, filterRadius).every((z) => !heldOut[z]) ? 1 : 0;
  const held = heldOut.reduce((s, v) => s + v, 0);
  const train = trainSlices.reduce((s, v) => s + v, 0);
  if (held === 0 || train === 0) {
    throw new Error(
      `the study has ${nz} slices: too few to hold out slabs of ${o.blockSlices} and still train (need ≥ ${(o.phase + 1) * o.blockSlices + stages * PATCH_RADIUS + filterRadius + 1})`,
    );
  }
  return { heldOut, trainSlices, validationSlices: heldOut.slice(), options: o };
}

/**
 * The slices a 5³ patch centred on slice k reads (with the 'reflect' border of patches.ts); with 2 stages (da-wide),
 * the slices the first stage reads for every slice the second stage's patch reads; with a filter radius, the raw
 * slices the filter (core/filters' 'reflect' border) reads for every slice the network reads.
 */
export function footprintSlices(k: number, nz: number, stages = 1, filterRadius = 0): number[] {
  let slices = new Set([k]);
  for (let s = 0; s < stages; s++) {
    const next = new Set<number>();
    for (const j of slices) for (let d = -PATCH_RADIUS; d <= PATCH_RADIUS; d++) next.add(reflectIndex(j + d, nz));
    slices = next;
  }
  if (filterRadius > 0) {
    const raw = new Set<number>();
    for (const j of slices)
      for (let d = -filterRadius; d <= filterRadius; d++) raw.add(boundaryIndex(j + d, nz, 'reflect'));
    slices = raw;
  }
  return [...slices].sort((a, b) => a - b);
}

/** Linear indices of the voxels of `mask` whose slice is marked in `slices` (x fastest, slice k = i / (nx·ny)). */
export function voxelsOnSlices(mask: Mask, dims: readonly number[], slices: Uint8Array): Int32Array {
  const plane = dims[0] * dims[1];
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] && slices[floor(i / plane)]) n++;
  const out = new Int32Array(n);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i] && slices[floor(i / plane)]) out[j++] = i;
  return out;
}

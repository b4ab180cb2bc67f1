// Whether and how adaptation whitens a study: the noise's spatial correlation is measured on the study's own repeats
// (their residuals hold the noise without the signal), on the brain voxels of the slices adaptation may train on, so
// the held-out slabs stay unseen. White noise (a flat spectrum) needs nothing. For a k-space window's correlated noise
// a second candidate reads the input through a half-strength whitening kernel (full strength raises the noise far
// beyond what the parent was trained on) and learns the raw image (the labels stay raw): its 5³ patch then reaches
// the 13³ neighbourhood of the raw input that the correlated noise spreads over (reports/adapt/whitening.md).
import type { Mask, Volume } from '../../core/volume';
import {
  filterSeparable,
  noiseAxisCorrelations,
  whiteningFromSpec,
  type WhiteningFilters,
  type WhiteningSpec,
} from '../../core/whitening';
import { type SlabSplit, voxelsOnSlices } from './split';

export const WHITENING_DEFAULTS = Object.freeze({
  /** Whitening starts at a lag-1 noise correlation this large on some axis (white noise measures ≤ 0.01). */
  minCorrelation: 0.1,
  /** Lags measured per axis. */
  maxLag: 6,
  floor: 0.25,
  strength: 0.5,
  /** Kernel radius in voxels: the half-strength kernels' taps beyond 4 voxels are below 1 % of the centre's. */
  radius: 4,
  /** Patience of a whitened run (see AdaptOptions.patience). */
  patience: 20,
});

export interface StudyWhitening {
  /** What the card stores (correlations rounded, so training and inference build the same kernels). */
  spec: WhiteningSpec;
  filters: WhiteningFilters;
  /** Largest lag-1 correlation over the axes. */
  lag1: number;
}

/**
 * The whitening for a study whose split already leaves the kernel's margin around the held-out slabs, or undefined
 * when its noise is white (or cannot be measured: identical repeats).
 * @example const w = studyWhitening(acqs, brain, splitSlabs(nz, {}, 1, WHITENING_DEFAULTS.radius));
 */
export function studyWhitening(
  acquisitions: readonly Volume[],
  brain: Mask,
  split: SlabSplit,
): StudyWhitening | undefined {
  const dims = acquisitions[0].dims;
  const trainBrain = new Uint8Array(brain.length);
  for (const v of voxelsOnSlices(brain, dims, split.trainSlices)) trainBrain[v] = 1;
  let r;
  try {
    r = noiseAxisCorrelations(acquisitions, trainBrain, WHITENING_DEFAULTS.maxLag);
  } catch {
    return undefined; // no noise to measure (identical repeats, an empty mask): nothing to whiten
  }
  const lag1 = Math.max(...r.map((axis) => axis[1]));
  if (!(lag1 >= WHITENING_DEFAULTS.minCorrelation)) return undefined;
  const round = (x: number) => Number(Math.max(-1, Math.min(1, x)).toFixed(4));
  const spec: WhiteningSpec = {
    correlations: r.map((axis) =>
      Array.from(axis, (x, k) => (k === 0 ? 1 : round(x))),
    ) as WhiteningSpec['correlations'],
    floor: WHITENING_DEFAULTS.floor,
    strength: WHITENING_DEFAULTS.strength,
    radius: WHITENING_DEFAULTS.radius,
  };
  return { spec, filters: whiteningFromSpec(spec), lag1: round(lag1) };
}

/** Each acquisition filtered by the whitening kernels (new volumes; the acquisitions are untouched). */
export function whitenAll(acquisitions: readonly Volume[], w: StudyWhitening): Volume[] {
  return acquisitions.map((a) => filterSeparable(a, w.filters.whiten));
}

// The robustness matrix's cells: one axis at a time around the regime the shipped DA was trained on (white noise,
// brain SNR 13, 4 mm, 64³, default anatomy), plus a few combined corners. Subjects come from a seed never used in
// training (the shipped weights and the cross-validation used seed 1).
import type { PhantomParamsInput } from '../../phantom/types';

export type RobustnessAxis = 'default' | 'noise' | 'snr' | 'voxel size' | 'anatomy' | 'corner';

export interface RobustnessCell {
  /** File-name-safe identifier, e.g. 'snr-5'. */
  id: string;
  axis: RobustnessAxis;
  /** What differs from the default, in words. */
  label: string;
  /** Phantom parameters over the default cohort's. */
  params: PhantomParamsInput;
}

/** Seed of the held-out subjects (training and cross-validation used seed 1). */
export const HELD_OUT_SEED = 20261201;

const hamming: PhantomParamsInput = { noise: 'apodised', window: 'hamming' };
const uniform: PhantomParamsInput = { anatomy: { variant: 'uniform-compartments' } };
const texture: PhantomParamsInput = { anatomy: { variant: 'fine-texture' } };

/** The full matrix (17 cells). */
export const ROBUSTNESS_CELLS: readonly RobustnessCell[] = [
  { id: 'default', axis: 'default', label: 'default (white, SNR 13, 4 mm, 64³)', params: {} },
  { id: 'noise-hamming', axis: 'noise', label: 'noise filtered by the Hamming window', params: hamming },
  {
    id: 'noise-kaiser',
    axis: 'noise',
    label: 'noise and signal filtered by a Kaiser window (β 8)',
    params: { noise: 'apodised', window: 'kaiser' },
  },
  {
    id: 'noise-fermi',
    axis: 'noise',
    label: 'noise and signal filtered by a Fermi window',
    params: { noise: 'apodised', window: 'fermi' },
  },
  {
    id: 'noise-zerofill',
    axis: 'noise',
    label: 'zero-filled 2× (2 mm voxels of a 4 mm acquisition, 128³)',
    params: { matrix: 128, voxelSizeMm: 2, oversampling: 1, zeroFill: 2 },
  },
  ...[3, 5, 8, 20, 30].map((snr): RobustnessCell => ({
    id: `snr-${snr}`,
    axis: 'snr',
    label: `brain SNR ${snr}`,
    params: { snr },
  })),
  { id: 'voxel-3', axis: 'voxel size', label: '3 mm voxels (80³)', params: { voxelSizeMm: 3, matrix: 80 } },
  { id: 'voxel-6', axis: 'voxel size', label: '6 mm voxels (48³)', params: { voxelSizeMm: 6, matrix: 48 } },
  { id: 'anatomy-uniform', axis: 'anatomy', label: 'large uniform compartments', params: uniform },
  { id: 'anatomy-texture', axis: 'anatomy', label: 'fine sub-voxel texture', params: texture },
  { id: 'corner-uniform-snr5', axis: 'corner', label: 'uniform compartments, SNR 5', params: { ...uniform, snr: 5 } },
  { id: 'corner-hamming-snr5', axis: 'corner', label: 'Hamming-filtered noise, SNR 5', params: { ...hamming, snr: 5 } },
  {
    id: 'corner-texture-hamming',
    axis: 'corner',
    label: 'fine texture, Hamming-filtered noise',
    params: { ...texture, ...hamming },
  },
];

/** `--quick`: three cells that show the three outcomes (in regime, correlated noise, low SNR), for CI. */
export const QUICK_CELL_IDS: readonly string[] = ['default', 'noise-hamming', 'snr-5'];

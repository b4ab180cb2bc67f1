// What a DA run takes and gives, and the checks on its inputs: shared by the engine on this thread (infer.ts) and the
// worker pool's main side, without TensorFlow.js (the pool's main thread only splits, sends and merges).
import type { Volume } from '../../core/volume';
import { isFiniteNumber } from '../../core/math';
import { validateWeights } from './architecture';
import { cardStages } from './card';
import { type DAFormulation, DA_FORMULATIONS } from './formulations';
import { checkPatchDims } from './patches';
import type { LoadedDA } from './weights-load';

export interface DenoiseDAOptions {
  /** 0/1 per voxel; only voxels ≠ 0 are denoised, the rest keep their input value. Default: every voxel. */
  mask?: Uint8Array;
  /** tfjs backend to run on; activated if not active (and left active: tfjs has one global backend). Default: the active one. */
  backend?: string;
  /** Default: the measured best for the backend (formulations.ts). */
  formulation?: DAFormulation;
  /** Called after each tile with the fraction of voxels done (0..1]. */
  onProgress?: (fraction: number) => void;
  /** Aborting stops between tiles; the promise rejects with the signal's reason and frees every tensor. */
  signal?: AbortSignal;
  /** Upper bound for the run's working memory (tensors + staging arrays). Default 256 MiB. */
  memoryBudgetBytes?: number;
}

export interface DenoiseDAResult {
  /** Same grid as the input; unmasked voxels copied from the input. */
  volume: Volume;
  backend: string;
  formulation: DAFormulation;
  /** Wall time of the whole call. */
  millis: number;
  /** Output voxels the network evaluated (conv3d evaluates whole tiles, so it may exceed the mask). */
  voxelsComputed: number;
  /** voxelsComputed × 0.92 MFLOP / time: the achieved throughput. */
  gflops: number;
  /** The normalisation scale applied (input / scale → network → × scale). */
  scale: number;
  tiles: number;
}

/** The default bound on a run's working memory (tensors and staging arrays). */
export const DEFAULT_MEMORY_BUDGET = 256 * 2 ** 20;
/** The smallest budget a run accepts (tiles and chunks become too small to run efficiently below it). */
export const MIN_MEMORY_BUDGET = 16 * 2 ** 20;

/** Throws one clear error for a volume, model or option the engine cannot run (the same checks on every path). */
export function checkInputs(volume: Volume, model: LoadedDA, opts: DenoiseDAOptions): void {
  if (!volume || !(volume.data instanceof Float32Array))
    throw new Error('denoiseDA: volume.data must be a Float32Array');
  checkPatchDims(volume.dims);
  const n = volume.dims[0] * volume.dims[1] * volume.dims[2];
  if (volume.data.length !== n)
    throw new Error(`denoiseDA: volume has ${volume.data.length} values but dims [${volume.dims}] need ${n}`);
  for (let i = 0; i < n; i++) {
    if (!isFiniteNumber(volume.data[i])) {
      const x = i % volume.dims[0],
        y = Math.floor(i / volume.dims[0]) % volume.dims[1],
        z = Math.floor(i / (volume.dims[0] * volume.dims[1]));
      throw new Error(`denoiseDA: the volume holds a non-finite value (${volume.data[i]}) at voxel (${x}, ${y}, ${z})`);
    }
  }
  if (!model || !model.card || !model.weights)
    throw new Error('denoiseDA: model must come from loadDA (weights + card)');
  try {
    validateWeights(model.weights);
    if (model.stage2) validateWeights(model.stage2);
  } catch (err) {
    throw new Error(`denoiseDA: wrong weights: ${(err as Error).message}`);
  }
  if (cardStages(model.card) !== (model.stage2 ? 2 : 1))
    throw new Error(
      `denoiseDA: the card describes ${cardStages(model.card)} stage(s) but the model holds ${model.stage2 ? 2 : 1}`,
    );
  if (model.card.architecture.patchSize !== 5)
    throw new Error(`denoiseDA: the card's patch size ${model.card.architecture.patchSize} is not 5`);
  if (opts.mask !== undefined) {
    if (!(opts.mask instanceof Uint8Array)) throw new Error('denoiseDA: mask must be a Uint8Array (0/1 per voxel)');
    if (opts.mask.length !== n)
      throw new Error(`denoiseDA: mask has ${opts.mask.length} voxels but the volume has ${n} (dims [${volume.dims}])`);
    if (!opts.mask.some((m) => m !== 0)) throw new Error('denoiseDA: the mask is empty (no voxel to denoise)');
  }
  if (opts.formulation !== undefined && !DA_FORMULATIONS.includes(opts.formulation)) {
    throw new Error(`denoiseDA: unknown formulation "${opts.formulation}" (use ${DA_FORMULATIONS.join(', ')})`);
  }
  if (opts.memoryBudgetBytes !== undefined && !(opts.memoryBudgetBytes >= MIN_MEMORY_BUDGET)) {
    throw new Error(`denoiseDA: memoryBudgetBytes must be at least 16 MiB, got ${opts.memoryBudgetBytes}`);
  }
}

// DIPY's nlmeans with tfjs tensor ops, for the viewer's GPU (webgl/webgpu; also cpu/wasm): per search offset a
// shifted copy, squared difference, box sum over the patch, exp weight, accumulate. Offsets along x are batched into
// one tensor so each op does real work; volumes are cut into z slabs within a memory budget.
import type { Volume } from '../../core/volume';
import { volumeLike } from '../../core/volume';
import { useBackend } from '../backend';
import { tf } from '../tf';
import { extractGrownBox, planNlmBoxes, type NlmBox } from './boxes';
import type { NlmOptions } from './nlm-cpu';
import { resolveNlmParams, type NlmParams, type ResolvedNlmParams } from './params';

export interface NlmTfOptions extends Omit<NlmOptions, 'pool'> {
  /** tfjs backend to run on (activated if needed); default: the active one. */
  backend?: string;
  /** Upper bound for the tensors alive at once (default 256 MiB). */
  memoryBudgetBytes?: number;
}

export interface NlmTfResult {
  volume: Volume;
  backend: string;
  /** Slabs the volume was cut into. */
  tiles: number;
}

const DEFAULT_BUDGET = 256 * 2 ** 20;
/** float32 tensors of one x-batch alive at the peak (shifted copies, differences, partial box sums, weights…). */
const LIVE_BATCH_TENSORS = 8;

/** Non-local means as DIPY's nlmeans (see NlmParams) on tfjs. Never modifies `volume`; frees every tensor it makes. */
export async function nlmeansTf(volume: Volume, params: NlmParams, opts: NlmTfOptions = {}): Promise<NlmTfResult> {
  const p = resolveNlmParams(volume, params, opts.mask);
  opts.signal?.throwIfAborted();
  const backend = await useBackend(opts.backend, 'NLM (tfjs)');
  const R = p.blockRadius - p.patchRadius;
  const batch = 2 * R + 1;
  const budget = opts.memoryBudgetBytes ?? DEFAULT_BUDGET;
  const [nx, ny, nz] = volume.dims;
  // Bytes per slab plane of one x-batch, then as many planes per slab as the budget allows.
  const planeBytes = batch * (nx + 2 * p.patchRadius) * (ny + 2 * p.patchRadius) * 4 * LIVE_BATCH_TENSORS;
  const planesPerSlab = Math.max(1, Math.floor(budget / planeBytes) - 2 * p.patchRadius);
  const boxes = planNlmBoxes(volume.dims, Math.ceil(nz / planesPerSlab), opts.mask);
  const groupsPerBox = batch * batch;
  const totalGroups = boxes.length * groupsPerBox;

  const out = new Float32Array(volume.data);
  let groupsDone = 0;
  for (const box of boxes) {
    const values = await denoiseBox(volume, box, p, opts.signal, () => {
      groupsDone++;
      opts.onProgress?.(groupsDone / totalGroups);
    });
    const [bx, by, bz] = box.size;
    const [x0, y0, z0] = box.start;
    for (let z = 0, o = 0; z < bz; z++) {
      for (let y = 0; y < by; y++) {
        const row = x0 + nx * (y0 + y + ny * (z0 + z));
        for (let x = 0; x < bx; x++, o++) if (!opts.mask || opts.mask[row + x]) out[row + x] = values[o];
      }
    }
  }
  return { volume: volumeLike(volume, out), backend, tiles: boxes.length };
}

/** One slab: returns its bx·by·bz denoised values. */
async function denoiseBox(
  volume: Volume,
  box: NlmBox,
  p: ResolvedNlmParams,
  signal: AbortSignal | undefined,
  groupDone: () => void,
): Promise<Float32Array> {
  const P = p.patchRadius;
  const B = p.blockRadius;
  const R = B - P;
  const [bx, by, bz] = box.size;
  const grown: [number, number, number] = [bz + 2 * B, by + 2 * B, bx + 2 * B];
  const kept: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    kept.push(t);
    return t;
  };
  try {
    const image = keep(tf.tensor3d(extractGrownBox(volume.data, volume.dims, box, B), grown));
    const imageSq = keep(tf.square(image));
    // w = exp(−mean squared patch difference · k), k = 1 / (√2·σ̄²) at the moving centre; σ̄ the mean σ over its
    // patch, as in DIPY. The patch means are 3D average pools (one op on every backend).
    let kMap: tf.Tensor3D | null = null;
    let kConst = 0;
    let sigmaSqAtVoxel: tf.Tensor3D | number;
    if (typeof p.sigma === 'number') {
      kConst = 1 / (Math.SQRT2 * p.sigma * p.sigma);
      sigmaSqAtVoxel = p.sigma * p.sigma;
    } else {
      const sigma = keep(tf.tensor3d(extractGrownBox(p.sigma, volume.dims, box, B), grown));
      kMap = keep(
        tf.tidy(() => {
          const mean = tf.squeeze(patchMean(tf.expandDims(sigma, 0), P), [0]);
          // σ̄ = 0 keeps only identical patches (weight e^0 for distance 0, e^−∞ otherwise), as the CPU kernel does.
          const k = tf.div(1 / Math.SQRT2, tf.square(mean));
          return tf.minimum(k, 1e30) as tf.Tensor3D;
        }),
      );
      sigmaSqAtVoxel = keep(tf.tidy(() => tf.square(tf.slice(sigma, [B, B, B], [bz, by, bx])) as tf.Tensor3D));
    }
    // The static patches: every output voxel's neighbourhood grown by P.
    const centre = keep(tf.slice(image, [B - P, B - P, B - P], [bz + 2 * P, by + 2 * P, bx + 2 * P]));
    let weightSum: tf.Tensor3D = keep(tf.zeros([bz, by, bx]));
    let valueSum: tf.Tensor3D = keep(tf.zeros([bz, by, bx]));

    for (let dz = -R; dz <= R; dz++) {
      for (let dy = -R; dy <= R; dy++) {
        const [w, v] = tf.tidy(() => {
          // x offsets −R…R stacked on a leading axis: [2R+1, bz+2P, by+2P, bx+2P].
          const moving: tf.Tensor3D[] = [];
          const movingSq: tf.Tensor3D[] = [];
          const movingK: tf.Tensor3D[] = [];
          for (let dx = -R; dx <= R; dx++) {
            moving.push(tf.slice(image, [B - P + dz, B - P + dy, B - P + dx], [bz + 2 * P, by + 2 * P, bx + 2 * P]));
            movingSq.push(tf.slice(imageSq, [B + dz, B + dy, B + dx], [bz, by, bx]));
            if (kMap) movingK.push(tf.slice(kMap, [B - P + dz, B - P + dy, B - P + dx], [bz, by, bx]));
          }
          const diff = tf.squaredDifference(tf.stack(moving), centre);
          const distance = patchMean(diff, P);
          const weights = tf.exp(kMap ? tf.mul(distance, tf.neg(tf.stack(movingK))) : tf.mul(distance, -kConst));
          return [
            tf.add(weightSum, tf.sum(weights, 0)) as tf.Tensor3D,
            tf.add(valueSum, tf.sum(tf.mul(weights, tf.stack(movingSq)), 0)) as tf.Tensor3D,
          ];
        });
        weightSum.dispose();
        valueSum.dispose();
        kept.splice(kept.indexOf(weightSum), 1, w);
        kept.splice(kept.indexOf(valueSum), 1, v);
        weightSum = w;
        valueSum = v;
        groupDone();
        // Let the UI breathe and a cancel arrive between batches.
        await tf.nextFrame();
        signal?.throwIfAborted();
      }
    }
    const result = keep(
      tf.tidy(() => {
        const meanSquare = tf.div(valueSum, weightSum);
        const unbiased = p.rician ? tf.sub(meanSquare, tf.mul(sigmaSqAtVoxel, 2)) : meanSquare;
        return tf.sqrt(tf.relu(unbiased));
      }),
    );
    return (await result.data()) as Float32Array;
  } finally {
    for (const t of kept) t.dispose();
  }
}

/** Mean over the (2P+1)³ patch of every voxel of a [n, z, y, x] tensor, valid region only: [n, z−2P, y−2P, x−2P]. */
function patchMean(t: tf.Tensor, P: number): tf.Tensor4D {
  if (P === 0) return t as tf.Tensor4D;
  const pooled = tf.avgPool3d(tf.expandDims(t, 4) as tf.Tensor5D, 2 * P + 1, 1, 'valid');
  return tf.squeeze(pooled, [4]) as tf.Tensor4D;
}

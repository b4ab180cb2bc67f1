// Fully convolutional DA inference: every voxel (or every masked voxel) of a volume at once, in memory-bounded
// tiles, as plain matMuls (dense layers are 1×1×1 convolutions). Never a loop over 5×5×5 patches.
import { type Volume, volumeLike } from '../../core/volume';
import { activateBackend, currentBackend } from '../backend';
import { tf } from '../tf';
import {
  CONV1_FILTERS, CONV2_FAN_IN, DA_FLOPS_PER_VOXEL, type DAWeights, PATCH_RADIUS, TAPS, validateWeights,
} from './architecture';
import { type DAFormulation, DA_FORMULATIONS, defaultFormulation } from './formulations';
import { computeDAScale } from './normalise';
import { checkPatchDims, reflectIndex } from './patches';
import type { LoadedDA } from './weights-io';

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

// Module aliases for hot loops (global lookups are slow inside vm contexts such as Jest's).
const isFiniteNumber = Number.isFinite;
const { floor } = Math;

export const DEFAULT_MEMORY_BUDGET = 256 * 2 ** 20;
/** Working bytes per layer-2 row: the [1728] im2col row twice (JS staging + tensor) and the dense activations. */
const BYTES_PER_ROW = 2 * 4 * CONV2_FAN_IN + 2 * 4 * (256 + 256 + 32 + 1);
/** Working bytes per layer-1 voxel: the 27-tap row twice and the 64-channel map twice (tensor + read-back). */
const BYTES_PER_L1_VOXEL = 2 * 4 * TAPS + 3 * 4 * CONV1_FILTERS;
/** conv3d holds the 256-channel map (pre- and post-activation) and the dense activations per tile voxel. */
const BYTES_PER_CONV_VOXEL = 4 * (3 * 256 + 2 * 64 + 32 + 256 + 2);

/** A box of the volume [z0,z1)×[y0,y1)×[x0,x1): the bounding box of the voxels it computes. */
interface Tile {
  z0: number; z1: number; y0: number; y1: number; x0: number; x1: number;
  /** Linear voxel indices to compute, ascending. */
  centres: Int32Array;
}

/** Weight tensors laid out for the matMul formulation (and 5D kernels for conv3d). */
interface WeightTensors {
  w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D;
  w3: tf.Tensor2D; b3: tf.Tensor1D; w4: tf.Tensor2D; b4: tf.Tensor1D; w5: tf.Tensor2D; b5: tf.Tensor1D;
  k1?: tf.Tensor5D; k2?: tf.Tensor5D;
}

function uploadWeights(w: DAWeights, conv: boolean): WeightTensors {
  return {
    w1: tf.tensor2d(w['conv1/kernel'], [TAPS, CONV1_FILTERS]),
    b1: tf.tensor1d(w['conv1/bias']),
    w2: tf.tensor2d(w['conv2/kernel'], [CONV2_FAN_IN, 256]),
    b2: tf.tensor1d(w['conv2/bias']),
    w3: tf.tensor2d(w['dense1/kernel'], [256, 32]),
    b3: tf.tensor1d(w['dense1/bias']),
    w4: tf.tensor2d(w['dense2/kernel'], [32, 256]),
    b4: tf.tensor1d(w['dense2/bias']),
    w5: tf.tensor2d(w['dense3/kernel'], [256, 1]),
    b5: tf.tensor1d(w['dense3/bias']),
    ...(conv
      ? { k1: tf.tensor5d(w['conv1/kernel'], [3, 3, 3, 1, CONV1_FILTERS]), k2: tf.tensor5d(w['conv2/kernel'], [3, 3, 3, CONV1_FILTERS, 256]) }
      : {}),
  };
}

/** Layer 2 (as one matMul over im2col rows) and the three dense layers: [C,1728] → [C,1]. */
function layer2AndDense(rows: tf.Tensor2D, t: WeightTensors): tf.Tensor2D {
  const h2 = tf.fused.matMul({ a: rows, b: t.w2, bias: t.b2, activation: 'relu' }) as tf.Tensor2D;
  return denseHead(h2, t);
}

/** Dense 256→32→256→1 on [C,256] features. */
function denseHead(h2: tf.Tensor2D, t: WeightTensors): tf.Tensor2D {
  const h3 = tf.fused.matMul({ a: h2, b: t.w3, bias: t.b3, activation: 'relu' });
  const h4 = tf.fused.matMul({ a: h3, b: t.w4, bias: t.b4, activation: 'relu' });
  return tf.fused.matMul({ a: h4, b: t.w5, bias: t.b5 }) as tf.Tensor2D;
}

function checkInputs(volume: Volume, model: LoadedDA, opts: DenoiseDAOptions): void {
  if (!volume || !(volume.data instanceof Float32Array)) throw new Error('denoiseDA: volume.data must be a Float32Array');
  checkPatchDims(volume.dims);
  const n = volume.dims[0] * volume.dims[1] * volume.dims[2];
  if (volume.data.length !== n) throw new Error(`denoiseDA: volume has ${volume.data.length} values but dims [${volume.dims}] need ${n}`);
  for (let i = 0; i < n; i++) {
    if (!isFiniteNumber(volume.data[i])) {
      const x = i % volume.dims[0], y = Math.floor(i / volume.dims[0]) % volume.dims[1], z = Math.floor(i / (volume.dims[0] * volume.dims[1]));
      throw new Error(`denoiseDA: the volume holds a non-finite value (${volume.data[i]}) at voxel (${x}, ${y}, ${z})`);
    }
  }
  if (!model || !model.card || !model.weights) throw new Error('denoiseDA: model must come from loadDA (weights + card)');
  try {
    validateWeights(model.weights);
  } catch (err) {
    throw new Error(`denoiseDA: wrong weights: ${(err as Error).message}`);
  }
  if (model.card.architecture.patchSize !== 5) throw new Error(`denoiseDA: the card's patch size ${model.card.architecture.patchSize} is not 5`);
  if (opts.mask !== undefined) {
    if (!(opts.mask instanceof Uint8Array)) throw new Error('denoiseDA: mask must be a Uint8Array (0/1 per voxel)');
    if (opts.mask.length !== n) throw new Error(`denoiseDA: mask has ${opts.mask.length} voxels but the volume has ${n} (dims [${volume.dims}])`);
    if (!opts.mask.some((m) => m !== 0)) throw new Error('denoiseDA: the mask is empty (no voxel to denoise)');
  }
  if (opts.formulation !== undefined && !DA_FORMULATIONS.includes(opts.formulation)) {
    throw new Error(`denoiseDA: unknown formulation "${opts.formulation}" (use ${DA_FORMULATIONS.join(', ')})`);
  }
  if (opts.memoryBudgetBytes !== undefined && !(opts.memoryBudgetBytes >= 16 * 2 ** 20)) {
    throw new Error(`denoiseDA: memoryBudgetBytes must be at least 16 MiB, got ${opts.memoryBudgetBytes}`);
  }
}

/** Slabs of whole x-rows (full y extent when it fits, else a y-range of one z-slice), each shrunk to the bounding box of its voxels. */
function planTiles(dims: readonly number[], mask: Uint8Array | undefined, maxTileVoxels: number, halo: number): Tile[] {
  const [nx, ny, nz] = dims;
  let tz: number, ty: number;
  const slice = (nx + halo) * (ny + halo);
  if (slice * (1 + halo) <= maxTileVoxels) {
    ty = ny;
    tz = Math.min(nz, Math.max(1, Math.floor(maxTileVoxels / slice) - halo));
  } else {
    tz = 1;
    ty = Math.min(ny, Math.max(1, Math.floor(maxTileVoxels / ((nx + halo) * (1 + halo))) - halo));
  }
  const tiles: Tile[] = [];
  for (let z0 = 0; z0 < nz; z0 += tz) {
    const z1 = Math.min(nz, z0 + tz);
    for (let y0 = 0; y0 < ny; y0 += ty) {
      const y1 = Math.min(ny, y0 + ty);
      let count = 0;
      for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) {
        const row = nx * (y + ny * z);
        if (!mask) count += nx;
        else for (let x = 0; x < nx; x++) count += mask[row + x] !== 0 ? 1 : 0;
      }
      if (count === 0) continue;
      const centres = new Int32Array(count);
      let c = 0;
      // Shrink the box to its voxels' bounding box: with a brain mask, layer 1 and the padded input cover far less.
      let bz0 = z1, bz1 = z0, by0 = y1, by1 = y0, bx0 = nx, bx1 = 0;
      for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) {
        const row = nx * (y + ny * z);
        for (let x = 0; x < nx; x++) {
          if (mask && mask[row + x] === 0) continue;
          centres[c++] = row + x;
          if (z < bz0) bz0 = z;
          if (z >= bz1) bz1 = z + 1;
          if (y < by0) by0 = y;
          if (y >= by1) by1 = y + 1;
          if (x < bx0) bx0 = x;
          if (x >= bx1) bx1 = x + 1;
        }
      }
      tiles.push({ z0: bz0, z1: bz1, y0: by0, y1: by1, x0: bx0, x1: bx1, centres });
    }
  }
  return tiles;
}

/**
 * Normalised input of a tile with `margin` voxels of context on every side (reflect border), as
 * [z, y, x] of size (tz+2m)(ty+2m)(nx+2m).
 */
function paddedTileInput(data: Float32Array, dims: readonly number[], tile: Tile, margin: number, inv: number): Float32Array {
  const [nx, ny, nz] = dims;
  const px = tile.x1 - tile.x0 + 2 * margin, py = tile.y1 - tile.y0 + 2 * margin, pz = tile.z1 - tile.z0 + 2 * margin;
  const out = new Float32Array(px * py * pz);
  const xs = new Int32Array(px);
  for (let a = 0; a < px; a++) xs[a] = reflectIndex(tile.x0 + a - margin, nx);
  let o = 0;
  for (let c = 0; c < pz; c++) {
    const z = reflectIndex(tile.z0 + c - margin, nz);
    for (let b = 0; b < py; b++) {
      const row = nx * (reflectIndex(tile.y0 + b - margin, ny) + ny * z);
      for (let a = 0; a < px; a++) out[o++] = data[row + xs[a]] * inv;
    }
  }
  return out;
}

/** Layer-1 im2col of a padded tile input: [Lz·Ly·Lx, 27] with L = padded − 2, tap index (kd·3 + kh)·3 + kw. */
function layer1Rows(padded: Float32Array, px: number, py: number, pz: number): Float32Array {
  const lx = px - 2, ly = py - 2, lz = pz - 2;
  const rows = new Float32Array(lx * ly * lz * TAPS);
  let o = 0;
  for (let c = 0; c < lz; c++) for (let b = 0; b < ly; b++) for (let a = 0; a < lx; a++) {
    for (let kd = 0; kd < 3; kd++) for (let kh = 0; kh < 3; kh++) {
      const src = ((c + kd) * py + (b + kh)) * px + a;
      rows[o++] = padded[src];
      rows[o++] = padded[src + 1];
      rows[o++] = padded[src + 2];
    }
  }
  return rows;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Denoises `volume` with the DA. Normalisation (scale) comes from the model card; the input is never modified.
 * Output voxel v = network(5×5×5 reflect-padded neighbourhood of v / scale) × scale, for every voxel in the mask.
 */
export async function denoiseDA(volume: Volume, model: LoadedDA, opts: DenoiseDAOptions = {}): Promise<DenoiseDAResult> {
  const t0 = performance.now();
  checkInputs(volume, model, opts);
  opts.signal?.throwIfAborted();
  if (opts.backend !== undefined && (await currentBackend()) !== opts.backend) {
    const reason = await activateBackend(opts.backend);
    if (reason) throw new Error(`denoiseDA: backend unavailable: ${reason}`);
  }
  const backend = await currentBackend();
  const formulation = opts.formulation ?? defaultFormulation(backend);
  const budget = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
  const scale = computeDAScale(volume.data, model.card.normalisation);
  const inv = 1 / scale;
  const dims = volume.dims;
  const [nx] = dims;

  const conv = formulation === 'conv3d';
  const tiles = conv
    ? planTiles(dims, opts.mask, Math.floor((0.8 * budget) / BYTES_PER_CONV_VOXEL), 4)
    : planTiles(dims, opts.mask, Math.floor((0.4 * budget) / BYTES_PER_L1_VOXEL), 2);
  const maxRows = Math.max(64, Math.min(16384, Math.floor((0.5 * budget) / BYTES_PER_ROW)));
  const totalCentres = tiles.reduce((n, t) => n + t.centres.length, 0);

  const out = new Float32Array(volume.data);
  let done = 0;
  let voxelsComputed = 0;
  const weights = uploadWeights(model.weights, conv);
  const rowBuffer = conv ? undefined : new Float32Array(Math.min(maxRows, totalCentres) * CONV2_FAN_IN);
  try {
    for (const tile of tiles) {
      const tx = tile.x1 - tile.x0, ty = tile.y1 - tile.y0, tz = tile.z1 - tile.z0;
      if (conv) {
        const padded = paddedTileInput(volume.data, dims, tile, PATCH_RADIUS, inv);
        const y = tf.tidy(() => {
          const x = tf.tensor5d(padded, [1, tz + 4, ty + 4, tx + 4, 1]);
          const h1 = tf.relu(tf.add(tf.conv3d(x, weights.k1!, 1, 'valid'), weights.b1));
          const h2 = tf.relu(tf.add(tf.conv3d(h1 as tf.Tensor5D, weights.k2!, 1, 'valid'), weights.b2));
          return denseHead(tf.reshape(h2, [tz * ty * tx, 256]), weights);
        });
        let values: Float32Array;
        try {
          values = (await y.data()) as Float32Array;
        } finally {
          y.dispose();
        }
        for (const v of tile.centres) {
          const x = v % nx, yy = floor(v / nx) % dims[1], z = floor(v / (nx * dims[1]));
          out[v] = values[((z - tile.z0) * ty + (yy - tile.y0)) * tx + (x - tile.x0)] * scale;
        }
        voxelsComputed += tz * ty * tx;
        done += tile.centres.length;
        opts.onProgress?.(done / totalCentres);
        await yieldToEventLoop();
        opts.signal?.throwIfAborted();
        continue;
      }

      // Layer 1 densely on the tile plus a one-voxel halo (cheap: 0.4% of the FLOPs), as [N1,27]·[27,64].
      const px = tx + 4, py = ty + 4, pz = tz + 4;
      const lx = px - 2, ly = py - 2;
      const padded = paddedTileInput(volume.data, dims, tile, PATCH_RADIUS, inv);
      const rows1 = layer1Rows(padded, px, py, pz);
      const h1 = tf.tidy(() =>
        tf.fused.matMul({ a: tf.tensor2d(rows1, [rows1.length / TAPS, TAPS]), b: weights.w1, bias: weights.b1, activation: 'relu' }),
      );
      try {
        const l1 = formulation === 'im2col' ? ((await h1.data()) as Float32Array) : undefined;
        // Offsets (in layer-1 voxels) of the 27 taps around a centre's base position, tap order (kd·3 + kh)·3 + kw.
        const tapOffsets = new Int32Array(TAPS);
        for (let kd = 0, o = 0; kd < 3; kd++) for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) tapOffsets[o++] = (kd * ly + kh) * lx + kw;
        for (let start = 0; start < tile.centres.length; start += maxRows) {
          const count = Math.min(maxRows, tile.centres.length - start);
          const bases = new Int32Array(count);
          for (let r = 0; r < count; r++) {
            const v = tile.centres[start + r];
            const x = v % nx, y = floor(v / nx) % dims[1], z = floor(v / (nx * dims[1]));
            bases[r] = ((z - tile.z0) * ly + (y - tile.y0)) * lx + (x - tile.x0);
          }
          const y = tf.tidy(() => {
            let rows2: tf.Tensor2D;
            if (l1) {
              const buf = rowBuffer!.subarray(0, count * CONV2_FAN_IN);
              // 9 contiguous copies of 3 voxels × 64 channels per row (kw runs along x, contiguous in the map).
              for (let r = 0; r < count; r++) {
                let dst = r * CONV2_FAN_IN;
                for (let k = 0; k < TAPS; k += 3) {
                  const src = (bases[r] + tapOffsets[k]) * CONV1_FILTERS;
                  buf.set(l1.subarray(src, src + 3 * CONV1_FILTERS), dst);
                  dst += 3 * CONV1_FILTERS;
                }
              }
              rows2 = tf.tensor2d(buf, [count, CONV2_FAN_IN]);
            } else {
              const idx = new Int32Array(count * TAPS);
              for (let r = 0; r < count; r++) for (let k = 0; k < TAPS; k++) idx[r * TAPS + k] = bases[r] + tapOffsets[k];
              rows2 = tf.reshape(tf.gather(h1, tf.tensor2d(idx, [count, TAPS], 'int32')), [count, CONV2_FAN_IN]);
            }
            return layer2AndDense(rows2, weights);
          });
          let values: Float32Array;
          try {
            values = (await y.data()) as Float32Array;
          } finally {
            y.dispose();
          }
          for (let r = 0; r < count; r++) out[tile.centres[start + r]] = values[r] * scale;
          voxelsComputed += count;
          done += count;
          opts.onProgress?.(done / totalCentres);
          await yieldToEventLoop();
          opts.signal?.throwIfAborted();
        }
      } finally {
        h1.dispose();
      }
    }
  } finally {
    for (const t of Object.values(weights)) t?.dispose();
  }
  const millis = performance.now() - t0;
  return {
    volume: volumeLike(volume, out),
    backend,
    formulation,
    millis,
    voxelsComputed,
    gflops: (voxelsComputed * DA_FLOPS_PER_VOXEL) / (millis / 1000) / 1e9,
    scale,
    tiles: tiles.length,
  };
}

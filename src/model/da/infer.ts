// Fully convolutional DA inference: every voxel (or every masked voxel) of a volume at once, in memory-bounded
// tiles, as plain matMuls (dense layers are 1×1×1 convolutions). Never a loop over 5×5×5 patches.
import { type Volume, volumeLike } from '../../core/volume';
import { checkInputs, DEFAULT_MEMORY_BUDGET, type DenoiseDAOptions, type DenoiseDAResult } from './run-options';
import { currentBackend, useBackend } from '../backend';
import { tf } from '../tf';
import { CONV1_FILTERS, CONV2_FAN_IN, DA_FLOPS_PER_VOXEL, type DAWeights, PATCH_RADIUS, TAPS } from './architecture';
import {
  convFeatures,
  type DAGraphWeights,
  denseLayers,
  disposeDAGraphWeights,
  layer1,
  layer2,
  uploadDAGraphWeights,
} from './graph';
import { type DAFormulation, defaultFormulation } from './formulations';
import { computeVolumeScale } from './normalise';
import { layer1Rows, paddedTileInput, planTiles, type Tile } from './tiles';
import type { LoadedDA } from './weights-io';
import { denoiseStages } from './stages';
import { yieldToEventLoop } from '../eventLoop';
import { readFloat32View } from './tensor-views';
import { floor, isFiniteNumber } from '../../core/math';

export {
  checkInputs,
  DEFAULT_MEMORY_BUDGET,
  MIN_MEMORY_BUDGET,
  type DenoiseDAOptions,
  type DenoiseDAResult,
} from './run-options';

/** Working bytes per layer-2 row: the [1728] im2col row twice (JS staging + tensor) and the dense activations. */
const BYTES_PER_ROW = 2 * 4 * CONV2_FAN_IN + 2 * 4 * (256 + 256 + 32 + 1);
/** Working bytes per layer-1 voxel: the 27-tap row twice and the 64-channel map twice (tensor + read-back). */
const BYTES_PER_L1_VOXEL = 2 * 4 * TAPS + 3 * 4 * CONV1_FILTERS;
/** conv3d holds the 256-channel map (pre- and post-activation) and the dense activations per tile voxel. */
const BYTES_PER_CONV_VOXEL = 4 * (3 * 256 + 2 * 64 + 32 + 256 + 2);

/** What every tile of one denoiseDA call shares. */
interface TileRun {
  data: Float32Array;
  dims: readonly number[];
  /** 1 / scale (input normalisation) and scale (output). */
  inv: number;
  scale: number;
  /** The output volume's data, written at the tile's centres. */
  out: Float32Array;
  maxRows: number;
  formulation: DAFormulation;
  weights: DAGraphWeights;
  /** Staging for JS-built layer-2 rows (im2col), reused by every chunk. */
  rowBuffer?: Float32Array;
}

type AfterChunk = (centres: number, computed: number) => Promise<void>;

/** Voxels of the tile box along x, y, z. */
function tileSize(tile: Tile): [number, number, number] {
  return [tile.x1 - tile.x0, tile.y1 - tile.y0, tile.z1 - tile.z0];
}

/** 'conv3d': native convolutions over the whole tile box, then the tile's centres are picked. */
async function denoiseTileConv3d(run: TileRun, tile: Tile, afterChunk: AfterChunk): Promise<void> {
  const { dims, weights } = run;
  const [nx, ny] = dims;
  const [tx, ty, tz] = tileSize(tile);
  const padded = paddedTileInput(run.data, dims, tile, PATCH_RADIUS, run.inv);
  const y = tf.tidy(
    () => denseLayers(convFeatures(tf.tensor5d(padded, [1, tz + 4, ty + 4, tx + 4, 1]), weights), weights).y,
  );
  let values: Float32Array;
  try {
    values = (await y.data()) as Float32Array;
  } finally {
    y.dispose();
  }
  for (const v of tile.centres) {
    const x = v % nx,
      yy = floor(v / nx) % ny,
      z = floor(v / (nx * ny));
    run.out[v] = values[((z - tile.z0) * ty + (yy - tile.y0)) * tx + (x - tile.x0)] * run.scale;
  }
  await afterChunk(tile.centres.length, tz * ty * tx);
}

/**
 * 'im2col' / 'gather': layer 1 densely on the tile box plus a one-voxel halo (0.4% of the FLOPs) as [N1,27]·[27,64];
 * then, per chunk of centres, their [C,1728] layer-2 rows (copied in JS, or gathered on the device) through
 * layer 2 and the dense layers as plain matMuls.
 */
async function denoiseTileMatMul(run: TileRun, tile: Tile, afterChunk: AfterChunk): Promise<void> {
  const { dims, weights } = run;
  const [nx, ny] = dims;
  const [tx, ty, tz] = tileSize(tile);
  const px = tx + 4,
    py = ty + 4,
    pz = tz + 4;
  const lx = px - 2,
    ly = py - 2;
  const padded = paddedTileInput(run.data, dims, tile, PATCH_RADIUS, run.inv);
  const rows1 = layer1Rows(padded, px, py, pz);
  const h1 = tf.tidy(() => layer1(tf.tensor2d(rows1, [rows1.length / TAPS, TAPS]), weights));
  try {
    // The 64-channel map for the JS row copies: on wasm read in place in the heap, re-read per chunk (a view lasts
    // until the next tensor allocation), which spares a copy of the map per tile (256 B per voxel of garbage);
    // elsewhere read back once.
    const inPlace = run.formulation === 'im2col' && tf.getBackend() === 'wasm';
    const copied = run.formulation === 'im2col' && !inPlace ? ((await h1.data()) as Float32Array) : undefined;
    // Offsets (in layer-1 voxels) of the 27 taps around a centre's base position, tap order (kd·3 + kh)·3 + kw.
    const tapOffsets = new Int32Array(TAPS);
    for (let kd = 0, o = 0; kd < 3; kd++)
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) tapOffsets[o++] = (kd * ly + kh) * lx + kw;
    for (let start = 0; start < tile.centres.length; start += run.maxRows) {
      const count = Math.min(run.maxRows, tile.centres.length - start);
      const bases = new Int32Array(count);
      for (let r = 0; r < count; r++) {
        const v = tile.centres[start + r];
        const x = v % nx,
          y = floor(v / nx) % ny,
          z = floor(v / (nx * ny));
        bases[r] = ((z - tile.z0) * ly + (y - tile.y0)) * lx + (x - tile.x0);
      }
      const y = tf.tidy(() => {
        let rows2: tf.Tensor2D;
        const l1 = inPlace ? readFloat32View(h1) : copied;
        if (l1) {
          const buf = run.rowBuffer!.subarray(0, count * CONV2_FAN_IN);
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
        return denseLayers(layer2(rows2, weights), weights).y;
      });
      let values: Float32Array;
      try {
        values = (await y.data()) as Float32Array;
      } finally {
        y.dispose();
      }
      for (let r = 0; r < count; r++) run.out[tile.centres[start + r]] = values[r] * run.scale;
      await afterChunk(count, count);
    }
  } finally {
    h1.dispose();
  }
}

/**
 * Denoises `volume` with the DA. Normalisation (scale) comes from the model card; the input is never modified.
 * Output voxel v = network(5×5×5 reflect-padded neighbourhood of v / scale) × scale, for every voxel in the mask.
 */
export async function denoiseDA(
  volume: Volume,
  model: LoadedDA,
  opts: DenoiseDAOptions = {},
): Promise<DenoiseDAResult> {
  return denoiseDAWithScale(volume, model, undefined, opts);
}

/**
 * denoiseDA with the normalisation scale given instead of computed: for callers that split one volume into parts
 * (node-parallel.ts), which must all use the whole volume's scale. Not part of the public API.
 */
export async function denoiseDAWithScale(
  volume: Volume,
  model: LoadedDA,
  givenScale: number | undefined,
  opts: DenoiseDAOptions = {},
): Promise<DenoiseDAResult> {
  checkInputs(volume, model, opts);
  opts.signal?.throwIfAborted();
  await useBackend(opts.backend, 'denoiseDA');
  if (givenScale !== undefined && !(givenScale > 0 && isFiniteNumber(givenScale)))
    throw new Error(`denoiseDA: scale must be positive, got ${givenScale}`);
  const scale = givenScale ?? computeVolumeScale(volume, model.card.normalisation);
  return denoiseStages(volume, model, scale, opts, denoiseOneStage);
}

/** One network over the volume in `scale` (the stages' shared step; inputs already checked). */
async function denoiseOneStage(
  volume: Volume,
  weights: DAWeights,
  scale: number,
  opts: DenoiseDAOptions,
): Promise<DenoiseDAResult> {
  const t0 = performance.now();
  const backend = await currentBackend();
  const formulation = opts.formulation ?? defaultFormulation(backend);
  const budget = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
  const inv = 1 / scale;
  const dims = volume.dims;
  const conv = formulation === 'conv3d';
  const tiles = conv
    ? planTiles(dims, opts.mask, Math.floor((0.8 * budget) / BYTES_PER_CONV_VOXEL), 4)
    : planTiles(dims, opts.mask, Math.floor((0.4 * budget) / BYTES_PER_L1_VOXEL), 2);
  const maxRows = Math.max(64, Math.min(16384, Math.floor((0.5 * budget) / BYTES_PER_ROW)));
  const totalCentres = tiles.reduce((n, t) => n + t.centres.length, 0);

  const out = new Float32Array(volume.data);
  const run: TileRun = {
    data: volume.data,
    dims,
    inv,
    scale,
    out,
    maxRows,
    formulation,
    weights: uploadDAGraphWeights(weights, conv),
    rowBuffer: conv ? undefined : new Float32Array(Math.min(maxRows, totalCentres) * CONV2_FAN_IN),
  };
  let done = 0;
  let voxelsComputed = 0;
  // Per chunk: report, let the UI breathe, and give an abort the chance to land.
  const afterChunk = async (centres: number, computed: number) => {
    done += centres;
    voxelsComputed += computed;
    opts.onProgress?.(done / totalCentres);
    await yieldToEventLoop();
    opts.signal?.throwIfAborted();
  };
  try {
    for (const tile of tiles) {
      if (conv) await denoiseTileConv3d(run, tile, afterChunk);
      else await denoiseTileMatMul(run, tile, afterChunk);
    }
  } finally {
    disposeDAGraphWeights(run.weights);
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

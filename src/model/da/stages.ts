// What runs around the network, written once for every runner (one thread, Node worker threads, the browser's
// workers). da-wide: the second network denoises the first one's output in the same scale (the input's), so one
// output voxel sees a 9³ neighbourhood of the input at exactly twice the paper's compute; the first stage runs on the
// requested voxels plus a PATCH_RADIUS margin, so every second-stage patch reads first-stage values. A card with
// whitening (a model adapted to a study with correlated noise): the networks read the whitened input (in the raw
// input's scale) and were trained to give the raw image, so nothing is re-coloured. Voxels outside the request keep
// the input's values.
import { type Volume, volumeLike } from '../../core/volume';
import { filterSeparable, whiteningFromSpec } from '../../core/whitening';
import { type DAWeights, DA_FLOPS_PER_VOXEL, PATCH_RADIUS } from './architecture';
import type { DenoiseDAOptions, DenoiseDAResult } from './infer';
import type { LoadedDA } from './weights-io';

/** Runs one network (given weights) over a volume in a given scale. */
export type StageRunner = (
  volume: Volume,
  weights: DAWeights,
  scale: number,
  opts: DenoiseDAOptions,
) => Promise<DenoiseDAResult>;

/** The mask grown by `radius` voxels in a cube (a patch footprint), as a new array. */
export function growMask(mask: Uint8Array, dims: readonly number[], radius: number): Uint8Array {
  const [nx, ny, nz] = dims;
  const out = new Uint8Array(mask.length);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        if (!mask[(z * ny + y) * nx + x]) continue;
        for (let dz = Math.max(0, z - radius); dz <= Math.min(nz - 1, z + radius); dz++)
          for (let dy = Math.max(0, y - radius); dy <= Math.min(ny - 1, y + radius); dy++) {
            const row = (dz * ny + dy) * nx;
            out.fill(1, row + Math.max(0, x - radius), row + Math.min(nx - 1, x + radius) + 1);
          }
      }
  return out;
}

/**
 * The model over `volume`: the paper's DA is one call of `run`; a two-stage model two, the progress split evenly
 * between them; the input whitened first when the card says so.
 */
export async function denoiseStages(
  volume: Volume,
  model: LoadedDA,
  scale: number,
  opts: DenoiseDAOptions,
  run: StageRunner,
): Promise<DenoiseDAResult> {
  const spec = model.card.whitening;
  if (!spec) return networkStages(volume, model, scale, opts, run);
  const t0 = performance.now();
  const white = filterSeparable(volume, whiteningFromSpec(spec).whiten);
  const res = await networkStages(white, model, scale, opts, run);
  const out = res.volume.data;
  const mask = opts.mask;
  if (mask) for (let i = 0; i < out.length; i++) if (!mask[i]) out[i] = volume.data[i];
  const millis = performance.now() - t0;
  const gflops = (res.voxelsComputed * DA_FLOPS_PER_VOXEL) / (millis / 1000) / 1e9;
  return { ...res, volume: volumeLike(volume, out), millis, gflops };
}

/** The model's networks over `volume`: one for the paper's DA, two in a row for da-wide. */
async function networkStages(
  volume: Volume,
  model: LoadedDA,
  scale: number,
  opts: DenoiseDAOptions,
  run: StageRunner,
): Promise<DenoiseDAResult> {
  if (!model.stage2) return run(volume, model.weights, scale, opts);
  const t0 = performance.now();
  const progress = (from: number) => (f: number) => opts.onProgress?.(from + f / 2);
  const firstMask = opts.mask ? growMask(opts.mask, volume.dims, PATCH_RADIUS) : undefined;
  const first = await run(volume, model.weights, scale, { ...opts, mask: firstMask, onProgress: progress(0) });
  const second = await run(first.volume, model.stage2, scale, { ...opts, onProgress: progress(0.5) });
  const out = second.volume.data;
  if (opts.mask) for (let i = 0; i < out.length; i++) if (!opts.mask[i]) out[i] = volume.data[i];
  const millis = performance.now() - t0;
  const voxelsComputed = first.voxelsComputed + second.voxelsComputed;
  return {
    ...second,
    volume: volumeLike(volume, out),
    millis,
    voxelsComputed,
    gflops: (voxelsComputed * DA_FLOPS_PER_VOXEL) / (millis / 1000) / 1e9,
    tiles: first.tiles + second.tiles,
  };
}

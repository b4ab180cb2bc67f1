// The method noise of a denoiser: input − denoised, voxel by voxel. Noise removed looks like noise; anatomy removed
// shows as structure.
import { sameGrid, volumeLike, type Volume } from './volume';
import { assertFiniteVolume } from './finite';

/**
 * input − denoised on the input's grid; neither input is modified.
 * @throws when the two are not on one grid or hold non-finite values
 * @example const methodNoise = residualVolume(acquisition, denoised);
 */
export function residualVolume(input: Volume, denoised: Volume): Volume {
  if (!sameGrid(input, denoised))
    throw new Error(
      `the denoised volume is not on the input's grid (dims [${denoised.dims.join(', ')}] vs [${input.dims.join(', ')}])`,
    );
  assertFiniteVolume(input, 'the input', 'the residual needs finite values');
  assertFiniteVolume(denoised, 'the denoised volume', 'the residual needs finite values');
  const out = new Float32Array(input.data.length);
  for (let i = 0; i < out.length; i++) out[i] = input.data[i] - denoised.data[i];
  return volumeLike(input, out);
}

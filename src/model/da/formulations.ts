// Which DA inference formulation each tfjs backend uses by default, and the measurements behind the choice.
//
// - 'im2col': layer 1 as [N1,27]·[27,64]; the 64-channel map is read back and its 3³ neighbourhoods are copied in
//   JavaScript into [C,1728] rows (only for the voxels to compute), then plain matMuls. Best where tensors live in
//   CPU memory (wasm, cpu): wasm conv3d runs at ~0.5 GFLOP/s and wasm gather is ~20× slower than a JS copy.
// - 'gather': the same matMuls, but the [C,1728] rows are built on the device with one tf.gather, so nothing is read
//   back per tile. Meant for GPU backends.
// - 'conv3d': native tf.conv3d for both convolutions on the tile, dense layers as matMuls, then the masked voxels
//   are picked. For GPU backends whose conv3d shader may beat gather + matMul.
//
// Measured defaults (`npm run bench -- da`, Node 20, tfjs 4.22, the shared 2-core machine under load ≈ 13, so
// absolute numbers are ~5× below an idle machine; the ratios are what decide):
//   wasm, 16³ brain-mask crop: im2col 3.24 GFLOP/s (45% of matMul; small run, fixed costs show), gather 1.62,
//                              conv3d 0.20 → im2col. Whole 64³ head with im2col: 81% of the same run's matMul.
//   cpu : im2col (gather and conv3d go through the same slow generic kernels; im2col does the least work).
// Not measurable in Node (no GPU context): webgl, webgpu default to 'gather' (everything stays on the device, and
// the dominant layer is still one large matMul) until the viewer's Chromium benchmark says otherwise; change the
// table below with the measured numbers.
export type DAFormulation = 'im2col' | 'gather' | 'conv3d';

export const DA_FORMULATIONS: readonly DAFormulation[] = ['im2col', 'gather', 'conv3d'];

export const DEFAULT_FORMULATION: Readonly<Record<string, DAFormulation>> = {
  wasm: 'im2col',
  cpu: 'im2col',
  webgl: 'gather',
  webgpu: 'gather',
};

export function defaultFormulation(backend: string): DAFormulation {
  return DEFAULT_FORMULATION[backend] ?? 'im2col';
}

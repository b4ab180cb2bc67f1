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
// Measured defaults (`npm run bench -- da`, Node 20, tfjs 4.22, shared 2-core machine; each row is bracketed by the
// same backend's plain-matMul roofline, ~30 GFLOP/s in the quietest run):
//   wasm, 16³ brain-mask crop: im2col 23.4 GFLOP/s (79% of matMul), gather 8.9 (29%), conv3d 0.56 (2%) → im2col.
//   wasm, whole 64³ head: im2col 24.4 GFLOP/s (80%), 9.9 s; 64³ brain mask (10% of voxels): 23.4 GFLOP/s (74%), 1.0 s.
//   cpu : im2col, 0.80 GFLOP/s = 95% of that backend's matMul (gather/conv3d use the same slow generic kernels).
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

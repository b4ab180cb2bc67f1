// The paper's reference image: the voxelwise mean of all repeated acquisitions (the source included).
import { volumeLike, type Volume } from '../core/volume';

export function meanVolume(volumes: readonly Volume[]): Volume {
  if (volumes.length === 0) throw new Error('No acquisitions to average');
  const out = new Float32Array(volumes[0].data.length);
  for (const v of volumes) {
    if (v.data.length !== out.length) throw new Error('Repeated acquisitions differ in size; cannot average them');
    for (let i = 0; i < out.length; i++) out[i] += v.data[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= volumes.length;
  return volumeLike(volumes[0], out);
}

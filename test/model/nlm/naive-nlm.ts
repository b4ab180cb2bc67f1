// The DIPY nlmeans definition written the slow, obvious way (per voxel, per moving patch, per patch voxel): the
// yardstick for the fast kernels on small volumes.
import type { Volume } from '../../../src/core/volume';

export function naiveNlmeans(
  volume: Volume,
  sigma: number | Float32Array,
  patchRadius: number,
  blockRadius: number,
  rician: boolean,
): Float32Array {
  const [nx, ny, nz] = volume.dims;
  const P = patchRadius,
    B = blockRadius,
    R = B - P;
  const ref = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const at = (a: ArrayLike<number>, x: number, y: number, z: number) =>
    a[ref(x, nx) + nx * (ref(y, ny) + ny * ref(z, nz))];
  const sig = (x: number, y: number, z: number) => (typeof sigma === 'number' ? sigma : at(sigma, x, y, z));
  const out = new Float32Array(nx * ny * nz);
  const pv = (2 * P + 1) ** 3;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        let sumW = 0,
          sumV = 0;
        for (let c = -R; c <= R; c++)
          for (let b = -R; b <= R; b++)
            for (let a = -R; a <= R; a++) {
              let ssd = 0,
                sigSum = 0;
              for (let k = -P; k <= P; k++)
                for (let j = -P; j <= P; j++)
                  for (let i = -P; i <= P; i++) {
                    const d = at(volume.data, x + i, y + j, z + k) - at(volume.data, x + a + i, y + b + j, z + c + k);
                    ssd += d * d;
                    sigSum += sig(x + a + i, y + b + j, z + c + k);
                  }
              const w = Math.exp(-(ssd / pv) / (Math.SQRT2 * (sigSum / pv) ** 2));
              const v = at(volume.data, x + a, y + b, z + c);
              sumW += w;
              sumV += w * v * v;
            }
        let e = sumV / sumW;
        if (rician) e -= 2 * sig(x, y, z) ** 2;
        out[x + nx * (y + ny * z)] = e > 0 ? Math.sqrt(e) : 0;
      }
  return out;
}

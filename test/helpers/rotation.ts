// Test helper: oblique directions built from rotations about the patient axes, for geometry round trips.
import type { Mat3 } from '../../src/core/volume';

type M3 = number[][];
const mul = (P: M3, Q: M3): M3 => P.map((row) => [0, 1, 2].map((j) => row.reduce((s, v, k) => s + v * Q[k][j], 0)));

/**
 * Direction (columns = voxel axes, LPS) of rotations about x, y and z by the given degrees, composed as
 * `order` reads: 'xyz' is Rx·Ry·Rz (z applied first), 'zyx' is Rz·Ry·Rx (x applied first).
 * Volume.direction stores axis i's direction first: element 3*axis + component.
 * @example rotationDegrees(12, -25, 33, 'xyz')
 */
export function rotationDegrees(ax: number, ay: number, az: number, order: 'xyz' | 'zyx'): Mat3 {
  const [a, b, c] = [ax, ay, az].map((d) => (d * Math.PI) / 180);
  const Rx = [
    [1, 0, 0],
    [0, Math.cos(a), -Math.sin(a)],
    [0, Math.sin(a), Math.cos(a)],
  ];
  const Ry = [
    [Math.cos(b), 0, Math.sin(b)],
    [0, 1, 0],
    [-Math.sin(b), 0, Math.cos(b)],
  ];
  const Rz = [
    [Math.cos(c), -Math.sin(c), 0],
    [Math.sin(c), Math.cos(c), 0],
    [0, 0, 1],
  ];
  const R = order === 'xyz' ? mul(Rx, mul(Ry, Rz)) : mul(Rz, mul(Ry, Rx));
  return [0, 1, 2].flatMap((axis) => [R[0][axis], R[1][axis], R[2][axis]]) as Mat3;
}

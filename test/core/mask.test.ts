// Mask helpers on synthetic shapes: counts, boxes, crop/pad round trips, ball morphology in mm, holes, components.
import {
  aboveMask,
  atOrBelowMask,
  borderVoxels,
  boundingBox,
  close,
  connectedComponents,
  countMask,
  cropArray,
  cropVolume,
  dice,
  dilate,
  erode,
  fillHoles,
  fillHolesSlices,
  flood,
  growKernelAvailable,
  largestComponent,
  maskVolumeMl,
  open,
  padVolume,
  squaredDistanceToMask,
  thresholdMask,
  uncropArray,
} from '../../src/core/mask';
import { createVolume, voxelToPatient, type Vec3 } from '../../src/core/volume';
import { GROW_WASM_BASE64 } from '../../src/core/mask/grow-wasm';
import { DISTANCE_WASM_BASE64 } from '../../src/core/mask/distance-wasm';
import { distanceKernelAvailable } from '../../src/core/mask/distance';
import * as path from 'node:path';

const { compileWat, KERNELS } = require('../../scripts/build-wasm.js');

/** A mask of voxels whose centre (mm from voxel (0,0,0)) satisfies f. */
function shape(dims: Vec3, spacing: Vec3, f: (x: number, y: number, z: number) => boolean): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0, idx = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, idx++) m[idx] = f(i * spacing[0], j * spacing[1], k * spacing[2]) ? 1 : 0;
  return m;
}

const ball = (c: Vec3, r: number) => (x: number, y: number, z: number) =>
  (x - c[0]) ** 2 + (y - c[1]) ** 2 + (z - c[2]) ** 2 <= r * r;

describe('counting and overlap', () => {
  it('counts voxels, millilitres and Dice', () => {
    const a = Uint8Array.from([1, 1, 0, 0]);
    const b = Uint8Array.from([0, 1, 1, 0]);
    expect(countMask(a)).toBe(2);
    expect(maskVolumeMl(a, [10, 10, 5])).toBeCloseTo(1, 12);
    expect(dice(a, b)).toBeCloseTo(0.5, 12);
    expect(dice(new Uint8Array(4), new Uint8Array(4))).toBe(1);
    expect(() => dice(a, new Uint8Array(3))).toThrow(/differ in size/);
  });
});

describe('bounding box, crop and pad', () => {
  it('finds the box and crops a volume keeping patient positions', () => {
    const dims: Vec3 = [10, 8, 6];
    const v = createVolume({ dims, spacing: [2, 3, 4], origin: [5, -7, 11], direction: [0, 1, 0, -1, 0, 0, 0, 0, 1] });
    v.data.forEach((_, i) => (v.data[i] = i));
    const mask = new Uint8Array(v.data.length);
    mask[2 + 10 * (3 + 8 * 1)] = 1;
    mask[6 + 10 * (5 + 8 * 4)] = 1;
    const box = boundingBox(mask, dims)!;
    expect(box).toEqual({ min: [2, 3, 1], max: [6, 5, 4] });
    expect(boundingBox(new Uint8Array(v.data.length), dims)).toBeNull();
    const c = cropVolume(v, box);
    expect(c.dims).toEqual([5, 3, 4]);
    expect(c.data[0]).toBe(2 + 10 * (3 + 8 * 1));
    expect(voxelToPatient(c, 1, 1, 1)).toEqual(voxelToPatient(v, 3, 4, 2));
    expect(
      uncropArray(cropArray(v.data, dims, box), box, dims).filter((x, i) => x !== (isInside(i) ? v.data[i] : 0)),
    ).toHaveLength(0);
    function isInside(i: number): boolean {
      const [x, y, z] = [i % 10, Math.floor(i / 10) % 8, Math.floor(i / 80)];
      return x >= 2 && x <= 6 && y >= 3 && y <= 5 && z >= 1 && z <= 4;
    }
    expect(() => cropArray(v.data, dims, { min: [0, 0, 0], max: [10, 1, 1] })).toThrow(/does not fit the grid/);
  });

  it('pads with a constant and moves the origin', () => {
    const v = createVolume({
      dims: [2, 2, 2],
      spacing: [1, 2, 3],
      origin: [1, 1, 1],
      data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    });
    const p = padVolume(v, [1, 0, 2], [0, 1, 0], -1);
    expect(p.dims).toEqual([3, 3, 4]);
    expect(voxelToPatient(p, 1, 0, 2)).toEqual(voxelToPatient(v, 0, 0, 0));
    expect(p.data[1 + 3 * (0 + 3 * 2)]).toBe(1);
    expect(p.data[0]).toBe(-1);
  });
});

describe('distance transform and morphology', () => {
  it('gives exact Euclidean distances in mm on an anisotropic grid', () => {
    const dims: Vec3 = [9, 7, 5];
    const spacing: Vec3 = [1, 2, 3];
    const m = new Uint8Array(9 * 7 * 5);
    m[4 + 9 * (3 + 7 * 2)] = 1;
    const d2 = squaredDistanceToMask(m, dims, spacing);
    for (let k = 0, idx = 0; k < 5; k++)
      for (let j = 0; j < 7; j++)
        for (let i = 0; i < 9; i++, idx++)
          expect(d2[idx]).toBeCloseTo((i - 4) ** 2 + (2 * (j - 3)) ** 2 + (3 * (k - 2)) ** 2, 9);
    expect(squaredDistanceToMask(new Uint8Array(10), [10, 1, 1], [1, 1, 1])[0]).toBe(Infinity);
  });

  it('dilates and erodes by balls of a radius in mm', () => {
    const dims: Vec3 = [40, 40, 20];
    const spacing: Vec3 = [1, 1, 2];
    const c: Vec3 = [20, 20, 20];
    const b10 = shape(dims, spacing, ball(c, 10));
    const inside = (a: Uint8Array, b: Uint8Array) => a.every((v, i) => !v || b[i]);
    // On a grid, ball(6) ⊕ ball(4) lies inside ball(10) and holds ball(10 − the coarsest spacing); ball(10) ⊖ ball(4)
    // holds ball(6 − 2) and lies inside ball(6 + 2).
    const grown = dilate(shape(dims, spacing, ball(c, 6)), dims, spacing, 4);
    expect(inside(grown, b10)).toBe(true);
    expect(inside(shape(dims, spacing, ball(c, 8)), grown)).toBe(true);
    const shrunk = erode(b10, dims, spacing, 4);
    expect(inside(shrunk, shape(dims, spacing, ball(c, 8)))).toBe(true);
    expect(inside(shape(dims, spacing, ball(c, 4)), shrunk)).toBe(true);
    // Opening removes a thin bar attached to the ball; closing bridges a narrow gap.
    const bar = shape(dims, spacing, (x, y, z) => Math.abs(y - 20) <= 1 && Math.abs(z - 20) <= 2 && x > 20 && x < 38);
    const withBar = b10.map((v, i) => v | bar[i]);
    expect(dice(open(withBar, dims, spacing, 3), b10)).toBeGreaterThan(0.97);
    const split = shape(
      dims,
      spacing,
      (x, y, z) => Math.abs(x - 20) > 1 && Math.abs(y - 20) < 8 && Math.abs(z - 20) < 8,
    );
    expect(connectedComponents(split, dims).sizes).toHaveLength(2);
    expect(connectedComponents(close(split, dims, spacing, 3), dims).sizes).toHaveLength(1);
  });
});

describe('holes and components', () => {
  it('fills enclosed cavities but not open ones', () => {
    const dims: Vec3 = [20, 20, 20];
    const s: Vec3 = [1, 1, 1];
    const shell = shape(dims, s, (x, y, z) => {
      const r = Math.hypot(x - 10, y - 10, z - 10);
      return r <= 8 && r > 5;
    });
    const filled = fillHoles(shell, dims);
    expect(countMask(filled)).toBe(countMask(shape(dims, s, ball([10, 10, 10], 8))));
    // A tube open at both z ends is not a 3D hole, but every axial slice of it is a 2D hole.
    const tube = shape(dims, s, (x, y) => {
      const r = Math.hypot(x - 10, y - 10);
      return r <= 6 && r > 3;
    });
    expect(countMask(fillHoles(tube, dims))).toBe(countMask(tube));
    expect(countMask(fillHolesSlices(tube, dims, 2))).toBe(
      countMask(shape(dims, s, (x, y) => Math.hypot(x - 10, y - 10) <= 6)),
    );
  });

  it('labels components largest first and keeps the largest', () => {
    const dims: Vec3 = [30, 10, 10];
    const s: Vec3 = [1, 1, 1];
    const two = shape(dims, s, (x, y, z) => ball([6, 5, 5], 3)(x, y, z) || ball([20, 5, 5], 4)(x, y, z));
    const { labels, sizes } = connectedComponents(two, dims);
    expect(sizes).toHaveLength(2);
    expect(sizes[0]).toBeGreaterThan(sizes[1]);
    expect(labels[20 + 30 * (5 + 10 * 5)]).toBe(1);
    expect(labels[6 + 30 * (5 + 10 * 5)]).toBe(2);
    expect(countMask(largestComponent(two, dims))).toBe(sizes[0]);
    // Diagonal neighbours join under 26- but not 6-connectivity.
    const diag = new Uint8Array(27);
    diag[0] = 1;
    diag[13] = 1;
    expect(connectedComponents(diag, [3, 3, 3], 6).sizes).toEqual([1, 1]);
    expect(connectedComponents(diag, [3, 3, 3], 26).sizes).toEqual([2]);
  });
});

describe('fast paths agree with the definitions', () => {
  /** A reproducible random mask with about `density` of its voxels set. */
  function randomMask(n: number, density: number, seed: number): Uint8Array {
    let s = seed;
    return Uint8Array.from({ length: n }, () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31 < density ? 1 : 0;
    });
  }

  it('the distance transform equals brute force on random masks and anisotropic grids', () => {
    const dims: Vec3 = [11, 9, 7];
    const spacing: Vec3 = [1.5, 2, 3.25];
    for (const [density, seed] of [
      [0.02, 1],
      [0.2, 2],
      [0.7, 3],
    ]) {
      const m = randomMask(11 * 9 * 7, density, seed);
      const d2 = squaredDistanceToMask(m, dims, spacing);
      for (let idx = 0; idx < m.length; idx++) {
        const [i, j, k] = [idx % 11, Math.floor(idx / 11) % 9, Math.floor(idx / 99)];
        let best = Infinity;
        for (let q = 0; q < m.length; q++) {
          if (!m[q]) continue;
          const [a, b, c] = [q % 11, Math.floor(q / 11) % 9, Math.floor(q / 99)];
          best = Math.min(
            best,
            (spacing[0] * (i - a)) ** 2 + (spacing[1] * (j - b)) ** 2 + (spacing[2] * (k - c)) ** 2,
          );
        }
        expect(d2[idx]).toBeCloseTo(best, 9);
      }
    }
  });

  it('a bounded distance transform is exact within its bound and Infinity beyond it', () => {
    const dims: Vec3 = [13, 11, 9];
    const spacing: Vec3 = [1.5, 2, 3.25];
    for (const [density, seed] of [
      [0.01, 4],
      [0.05, 5],
      [0.3, 6],
    ]) {
      const m = randomMask(13 * 11 * 9, density, seed);
      const full = squaredDistanceToMask(m, dims, spacing);
      for (const bound of [0, 4, 20.25, 60]) {
        const bounded = squaredDistanceToMask(m, dims, spacing, bound);
        expect(Array.from(bounded)).toEqual(Array.from(full, (d) => (d <= bound ? d : Infinity)));
      }
    }
  });

  it('the WebAssembly distance transform equals the JavaScript passes bit for bit, bounded or not', () => {
    expect(distanceKernelAvailable()).toBe(true);
    for (const [dims, spacing, density, seed] of [
      [[13, 11, 9], [1.5, 2, 3.25], 0.05, 31],
      [[13, 11, 9], [2.2, 0.7, 4.1], 0.3, 32],
      [[1, 12, 5], [4, 4, 4], 0.1, 33],
      [[16, 1, 9], [3, 3, 1.1], 0.02, 34],
      [[7, 8, 6], [1, 1, 1], 0, 35],
    ] as Array<[Vec3, Vec3, number, number]>) {
      const m = randomMask(dims[0] * dims[1] * dims[2], density, seed);
      for (const bound of [Infinity, 20.25, 3])
        expect(Array.from(squaredDistanceToMask(m, dims, spacing, bound))).toEqual(
          Array.from(squaredDistanceToMask(m, dims, spacing, bound, 'js')),
        );
    }
  });

  it('the committed distance kernel is its WAT source compiled by scripts/build-wasm.js (byte for byte)', async () => {
    const kernel = KERNELS.find((k: { constant: string }) => k.constant === 'DISTANCE_WASM_BASE64');
    const rebuilt: Buffer = await compileWat(path.join(__dirname, '..', '..', kernel.wat));
    expect(Buffer.from(DISTANCE_WASM_BASE64, 'base64').equals(rebuilt)).toBe(true);
  });

  it('lists each face voxel once, on thin grids too', () => {
    for (const dims of [
      [5, 4, 3],
      [1, 4, 3],
      [2, 1, 5],
      [3, 3, 3],
    ] as Vec3[]) {
      const expected: number[] = [];
      for (let k = 0, idx = 0; k < dims[2]; k++)
        for (let j = 0; j < dims[1]; j++)
          for (let i = 0; i < dims[0]; i++, idx++)
            if (i === 0 || j === 0 || k === 0 || i === dims[0] - 1 || j === dims[1] - 1 || k === dims[2] - 1)
              expected.push(idx);
      expect(Array.from(borderVoxels(dims))).toEqual(expected);
    }
  });

  it('components and hole filling on random masks match a plain flood on every face and interior voxel', () => {
    const dims: Vec3 = [12, 10, 8];
    const m = randomMask(12 * 10 * 8, 0.55, 7);
    const { labels, sizes } = connectedComponents(m, dims, 6);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(countMask(m));
    // Every 6-neighbour pair of set voxels shares a label; unset voxels have none.
    for (let idx = 0; idx < m.length; idx++) {
      if (!m[idx]) {
        expect(labels[idx]).toBe(0);
        continue;
      }
      const i = idx % 12;
      const j = Math.floor(idx / 12) % 10;
      if (i + 1 < 12 && m[idx + 1]) expect(labels[idx + 1]).toBe(labels[idx]);
      if (j + 1 < 10 && m[idx + 12]) expect(labels[idx + 12]).toBe(labels[idx]);
      if (idx + 120 < m.length && m[idx + 120]) expect(labels[idx + 120]).toBe(labels[idx]);
    }
    // A filled voxel is set or unreachable from the faces through unset voxels.
    const filled = fillHoles(m, dims);
    const holes = connectedComponents(
      m.map((v) => 1 - v),
      dims,
      6,
    );
    const touchesFace = new Set<number>();
    for (const b of borderVoxels(dims)) if (holes.labels[b]) touchesFace.add(holes.labels[b]);
    for (let idx = 0; idx < m.length; idx++)
      expect(filled[idx]).toBe(m[idx] || !touchesFace.has(holes.labels[idx]) ? 1 : 0);
  });

  it('slice-wise filling already fills every 3D cavity (findHead and the brain mask skip the 3D fill)', () => {
    const dims: Vec3 = [12, 10, 8];
    for (const [density, seed] of [
      [0.45, 11],
      [0.6, 12],
      [0.75, 13],
    ]) {
      const m = randomMask(12 * 10 * 8, density, seed);
      for (const axis of [0, 1, 2] as const) {
        const sliceOnly = fillHolesSlices(m, dims, axis);
        expect(countMask(sliceOnly)).toBeGreaterThan(countMask(m)); // the random masks do have holes
        expect(Array.from(fillHolesSlices(fillHoles(m, dims), dims, axis))).toEqual(Array.from(sliceOnly));
      }
    }
  });

  it('the WebAssembly region growing gives the JavaScript BFS components, fills and slice fills exactly', () => {
    expect(growKernelAvailable()).toBe(true); // Node 20: the comparison is not JS against JS
    let compared = 0;
    for (const [dims, density, seed] of [
      [[12, 10, 8], 0.45, 21],
      [[12, 10, 8], 0.7, 22],
      [[1, 9, 7], 0.5, 23],
      [[9, 1, 7], 0.6, 24],
      [[17, 13, 2], 0.55, 25],
    ] as Array<[Vec3, number, number]>) {
      const m = randomMask(dims[0] * dims[1] * dims[2], density, seed);
      for (const conn of [6, 26] as const) {
        const wasm = connectedComponents(m, dims, conn);
        const js = connectedComponents(m, dims, conn, 'js');
        expect(wasm.sizes).toEqual(js.sizes);
        expect(Array.from(wasm.labels)).toEqual(Array.from(js.labels));
        expect(Array.from(largestComponent(m, dims, conn))).toEqual(Array.from(largestComponent(m, dims, conn, 'js')));
        expect(Array.from(flood(m, dims, borderVoxels(dims), conn))).toEqual(
          Array.from(flood(m, dims, borderVoxels(dims), conn, 'js')),
        );
      }
      for (const axis of [0, 1, 2] as const)
        expect(Array.from(fillHolesSlices(m, dims, axis))).toEqual(Array.from(fillHolesSlices(m, dims, axis, 'js')));
      compared++;
    }
    expect(compared).toBe(5);
  });

  it('the committed region-growing kernel is its WAT source compiled by scripts/build-wasm.js (byte for byte)', async () => {
    const kernel = KERNELS.find((k: { constant: string }) => k.constant === 'GROW_WASM_BASE64');
    const rebuilt: Buffer = await compileWat(path.join(__dirname, '..', '..', kernel.wat));
    expect(Buffer.from(GROW_WASM_BASE64, 'base64').equals(rebuilt)).toBe(true);
  });

  it('aboveMask and atOrBelowMask split at the threshold as thresholdMask does', () => {
    const values = Float32Array.from([-1, 0, 2.5, 2.5000001, 7, 2.5, Number.MAX_VALUE]);
    expect(Array.from(aboveMask(values, 2.5))).toEqual(Array.from(thresholdMask(values, (v) => v > 2.5)));
    expect(Array.from(atOrBelowMask(values, 2.5))).toEqual(Array.from(thresholdMask(values, (v) => v <= 2.5)));
  });
});

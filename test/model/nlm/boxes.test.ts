// Box planning (z slabs trimmed to the mask) and grown-box extraction with numpy/DIPY 'reflect' padding.
import { extractGrownBox, maskRowRanges, planNlmBoxes, reflectIndex } from '../../../src/model/nlm/boxes';

describe('planNlmBoxes', () => {
  it('covers every voxel with disjoint z slabs when there is no mask', () => {
    const boxes = planNlmBoxes([10, 9, 17], 4);
    expect(boxes).toHaveLength(4);
    expect(boxes.map((b) => b.start[2])).toEqual([0, 4, 8, 12]);
    expect(boxes.reduce((n, b) => n + b.size[2], 0)).toBe(17);
    for (const b of boxes) expect([b.start[0], b.start[1], b.size[0], b.size[1]]).toEqual([0, 0, 10, 9]);
  });

  it('trims slabs to the bounding box of their masked voxels and skips empty ones', () => {
    const dims: [number, number, number] = [10, 10, 10];
    const mask = new Uint8Array(1000);
    mask[3 + 10 * (4 + 10 * 2)] = 1; // (3, 4, 2)
    mask[6 + 10 * (5 + 10 * 3)] = 1; // (6, 5, 3)
    const boxes = planNlmBoxes(dims, 1, mask);
    expect(boxes).toEqual([{ start: [3, 4, 2], size: [4, 2, 2], rows: Int32Array.from([0, 1, 0, 0, 0, 0, 3, 4]) }]);
    expect(planNlmBoxes(dims, 5, new Uint8Array(1000))).toEqual([]);
  });
});

describe('box rows', () => {
  it('gives each box row the span of its masked voxels, box-relative, and [0, 0) for a row without any', () => {
    const dims: [number, number, number] = [9, 6, 5];
    const mask = new Uint8Array(9 * 6 * 5);
    const at = (x: number, y: number, z: number) => x + 9 * (y + 6 * z);
    for (const [x, y, z] of [
      [2, 1, 1],
      [7, 1, 1],
      [4, 2, 1],
      [8, 3, 2],
      [1, 4, 3],
    ])
      mask[at(x, y, z)] = 1;
    const box = planNlmBoxes(dims, 1, mask)[0];
    expect([box.start, box.size]).toEqual([
      [1, 1, 1],
      [8, 4, 3],
    ]);
    const rows = box.rows!;
    const spans = Array.from({ length: 12 }, (_, r) => [rows[2 * r], rows[2 * r + 1]]);
    // Rows y = 1…4 of planes z = 1…3, x relative to the box's x = 1 (a gap inside a row stays in its span).
    expect(spans).toEqual([
      [1, 7],
      [3, 4],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [7, 8],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 1],
    ]);
  });
});

describe('maskRowRanges', () => {
  it('equals a voxel-by-voxel scan on a random mask, any non-zero value counting as masked', () => {
    const dims: [number, number, number] = [13, 7, 5];
    let seed = 7;
    const mask = Uint8Array.from({ length: 13 * 7 * 5 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 9 === 0 ? 1 + (seed % 255) : 0;
    });
    const rows = maskRowRanges(mask, dims);
    for (let r = 0; r < 7 * 5; r++) {
      const xs = Array.from({ length: 13 }, (_, x) => x).filter((x) => mask[13 * r + x] !== 0);
      expect([rows[2 * r], rows[2 * r + 1]]).toEqual(xs.length ? [xs[0], xs[xs.length - 1] + 1] : [0, 0]);
    }
  });
});

describe('extractGrownBox', () => {
  it('reflects without repeating the edge, like numpy pad mode "reflect"', () => {
    expect([-3, -2, -1, 0, 4, 5, 6, 7].map((i) => reflectIndex(i, 5))).toEqual([3, 2, 1, 0, 4, 3, 2, 1]);
    const dims: [number, number, number] = [4, 3, 3];
    const data = Float32Array.from({ length: 36 }, (_, i) => i);
    const grown = extractGrownBox(data, dims, { start: [0, 0, 1], size: [4, 3, 1] }, 1);
    // Grown box is 6×5×3; its centre plane (z = 1) row y = 1 (source row 0) reads x = [1, 0, 1, 2, 3, 2].
    const row = Array.from(grown.slice(6 * (1 + 5 * 1), 6 * (1 + 5 * 1) + 6));
    expect(row).toEqual([1, 0, 1, 2, 3, 2].map((x) => x + 4 * (0 + 3 * 1)));
  });

  it('equals voxel-by-voxel reflection for boxes inside, at either edge and across both', () => {
    const dims: [number, number, number] = [9, 8, 7];
    const data = Float32Array.from({ length: 9 * 8 * 7 }, (_, i) => (i * 37) % 101);
    const boxes: Array<[[number, number, number], [number, number, number]]> = [
      [
        [3, 2, 2],
        [3, 3, 2],
      ],
      [
        [0, 0, 0],
        [4, 2, 3],
      ],
      [
        [6, 5, 4],
        [3, 3, 3],
      ],
      [
        [0, 1, 1],
        [9, 6, 5],
      ],
    ];
    for (const [start, size] of boxes) {
      const grow = 3;
      const grown = extractGrownBox(data, dims, { start, size }, grow);
      const [gx, gy, gz] = size.map((n) => n + 2 * grow);
      const at = (v: number, i: number) => reflectIndex(start[i] - grow + v, dims[i]);
      for (let z = 0, o = 0; z < gz; z++)
        for (let y = 0; y < gy; y++)
          for (let x = 0; x < gx; x++, o++) expect(grown[o]).toBe(data[at(x, 0) + 9 * (at(y, 1) + 8 * at(z, 2))]);
    }
  });
});

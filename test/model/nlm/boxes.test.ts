// Box planning (z slabs trimmed to the mask) and grown-box extraction with numpy/DIPY 'reflect' padding.
import { extractGrownBox, planNlmBoxes, reflectIndex } from '../../../src/model/nlm/boxes';

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
    expect(boxes).toEqual([{ start: [3, 4, 2], size: [4, 2, 2] }]);
    expect(planNlmBoxes(dims, 5, new Uint8Array(1000))).toEqual([]);
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
});

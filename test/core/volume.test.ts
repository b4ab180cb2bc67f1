import { createVolume, sameGrid, voxelToPatient, volumeLike, cloneVolume } from '../../src/core/volume';

describe('Volume', () => {
  it('maps voxel indices to patient coordinates through spacing, direction and origin', () => {
    // Axial slices, rows running anterior→posterior: direction columns are i→+x, j→+y, k→+z.
    const v = createVolume({ dims: [4, 3, 2], spacing: [4, 4, 5], origin: [-10, 20, 30] });
    expect(voxelToPatient(v, 1, 2, 1)).toEqual([-6, 28, 35]);
    const sagittal = createVolume({ dims: [2, 2, 2], spacing: [1, 2, 3], direction: [0, 1, 0, 0, 0, -1, 1, 0, 0] });
    expect(voxelToPatient(sagittal, 1, 1, 1)).toEqual([3, 1, -2]);
  });

  it('rejects data that does not fit its dims, and non-positive spacing', () => {
    expect(() => createVolume({ dims: [2, 2, 2], data: new Float32Array(7) })).toThrow(/7 values.*need 8/);
    expect(() => createVolume({ dims: [2, 0, 2] })).toThrow(/positive integers/);
    expect(() => createVolume({ dims: [2, 2, 2], spacing: [1, -1, 1] })).toThrow(/spacing/);
  });

  it('clones deeply and compares grids', () => {
    const v = createVolume({ dims: [2, 2, 2], spacing: [4, 4, 4] });
    const c = cloneVolume(v);
    c.data[0] = 5;
    expect(v.data[0]).toBe(0);
    expect(sameGrid(v, volumeLike(v))).toBe(true);
    expect(sameGrid(v, createVolume({ dims: [2, 2, 2], spacing: [4, 4, 3] }))).toBe(false);
  });
});

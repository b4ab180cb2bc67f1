// ROI statistics from annotation handles: ellipse and rectangle on an axial slice, on a rotated grid, and refusals.
// Runtime < 1 s.
import { planarRoiStats } from '../../src/core/roi';
import { createVolume, voxelToPatient, type Vec3 } from '../../src/core/volume';
import { rotation } from '../fixtures/dicom/build';

describe('planarRoiStats', () => {
  // Value = 10 × slice index + column index, 2 mm in-plane, 5 mm slices.
  const vol = createVolume({
    dims: [40, 30, 6],
    spacing: [2, 2, 5],
    origin: [-40, -30, 0],
    data: Float32Array.from({ length: 40 * 30 * 6 }, (_, idx) => 10 * Math.floor(idx / 1200) + (idx % 40)),
  });

  it('an ellipse on slice 3 holds the voxels of that slice inside it: count ≈ area / pixel area, mean of the columns', () => {
    const z = 15; // slice 3's plane
    // Ellipse centred on voxel (20, 15): half-axes 10 mm along y, 16 mm along x.
    const c = voxelToPatient(vol, 20, 15, 3);
    const points: Vec3[] = [
      [c[0], c[1] + 10, z],
      [c[0], c[1] - 10, z],
      [c[0] - 16, c[1], z],
      [c[0] + 16, c[1], z],
    ];
    const s = planarRoiStats(vol, { shape: 'ellipse', points });
    expect(s.areaMm2).toBeCloseTo(Math.PI * 160, 6);
    expect(Math.abs(s.voxels - s.areaMm2 / 4)).toBeLessThan(0.15 * s.voxels);
    expect(s.mean).toBeCloseTo(30 + 20, 6); // symmetric about column 20
    expect(s.min).toBe(30 + 12);
    expect(s.max).toBe(30 + 28);
    expect(s.sd).toBeGreaterThan(0);
  });

  it('a rectangle counts exactly the voxels whose centres lie in it, corners in any order', () => {
    const a = voxelToPatient(vol, 4.5, 2.5, 1); // covers columns 5..9, rows 3..6
    const b = voxelToPatient(vol, 9.5, 6.5, 1);
    const corners: Vec3[] = [a, [b[0], a[1], a[2]], [a[0], b[1], a[2]], b];
    for (const points of [corners, [corners[0], corners[1], corners[3], corners[2]]]) {
      const s = planarRoiStats(vol, { shape: 'rectangle', points });
      expect(s.voxels).toBe(5 * 4);
      expect(s.mean).toBeCloseTo(10 + 7, 6);
      expect(s.sd).toBeCloseTo(Math.sqrt((4 * (4 + 1 + 0 + 1 + 4)) / 19), 6);
    }
  });

  it('works on a rotated grid (handles in patient mm)', () => {
    const rot = createVolume({ ...vol, dims: [40, 30, 6], direction: rotation([1, 2, 3], 0.5) });
    const corner = (i: number, j: number) => voxelToPatient(rot, i, j, 2);
    const s = planarRoiStats(rot, {
      shape: 'rectangle',
      points: [corner(9.5, 9.5), corner(20.5, 9.5), corner(9.5, 20.5), corner(20.5, 20.5)],
    });
    expect(s.voxels).toBe(11 * 11);
    expect(s.mean).toBeCloseTo(20 + 15, 5);
  });

  it('refuses degenerate or off-volume ROIs and bad points with one line', () => {
    const p: Vec3 = [0, 0, 10];
    expect(() => planarRoiStats(vol, { shape: 'ellipse', points: [p, p, p, p] })).toThrow('degenerate');
    const far: Vec3[] = [
      [500, 500, 500],
      [500, 520, 500],
      [490, 510, 500],
      [510, 510, 500],
    ];
    expect(() => planarRoiStats(vol, { shape: 'ellipse', points: far })).toThrow('no voxel centre');
    expect(() => planarRoiStats(vol, { shape: 'ellipse', points: [p, p] })).toThrow('four finite points');
  });
});

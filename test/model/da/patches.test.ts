// Patch layout and the reflect border, checked against explicit indexing on a phantom volume.
import { extractPatches, reflectIndex } from '../../../src/model/da/patches';
import { computeDAScale, normalisationRegion } from '../../../src/model/da/normalise';
import { phantomSubject } from '../../helpers/phantom';

describe('patches', () => {
  const subject = phantomSubject({ matrix: 20, voxelSizeMm: 12.8, seed: 5 });
  const vol = subject.acquisitions[0];
  const [nx, ny] = vol.dims;
  const at = (x: number, y: number, z: number) => vol.data[x + nx * (y + ny * z)];

  it('mirrors without repeating the edge', () => {
    expect([-2, -1, 0, 4, 5, 6].map((i) => reflectIndex(i, 5))).toEqual([2, 1, 0, 4, 3, 2]);
  });

  it('lays patches out z-major, then y, then x, divided by the scale, with reflected borders', () => {
    const centres = Int32Array.from([0 + nx * (10 + ny * 10), 19 + nx * (0 + ny * 18), 7 + nx * (8 + ny * 9)]);
    const out = extractPatches(vol.data, vol.dims, centres, 2, new Float32Array(3 * 125));
    // Interior centre: plain neighbourhood.
    expect(out[2 * 125 + 62]).toBeCloseTo(at(7, 8, 9) / 2, 6);
    expect(out[2 * 125 + (0 * 5 + 1) * 5 + 4]).toBeCloseTo(at(9, 7, 7) / 2, 6); // dz=0, dy=1, dx=4
    // Corner-ish centre (x = 0): x-offset -2 mirrors to x = 2.
    expect(out[0 * 125 + (2 * 5 + 2) * 5 + 0]).toBeCloseTo(at(2, 10, 10) / 2, 6);
    // x = 19 = nx-1, y = 0, z = 18: x+2 → 17, y-1 → 1, z+2 = 20 → 18.
    expect(out[1 * 125 + (4 * 5 + 1) * 5 + 4]).toBeCloseTo(at(17, 1, 18) / 2, 6);
  });

  it('rejects bad arguments', () => {
    const out = new Float32Array(125);
    expect(() => extractPatches(vol.data, [4, 4, 4], Int32Array.of(0), 1, out)).toThrow(/every dimension ≥ 5/);
    expect(() => extractPatches(vol.data, vol.dims, Int32Array.of(-1), 1, out)).toThrow(/outside the volume/);
    expect(() => extractPatches(vol.data, vol.dims, Int32Array.of(0, 1), 1, out)).toThrow(/2 patches need 250/);
    expect(() => extractPatches(vol.data, vol.dims, Int32Array.of(0), 0, out)).toThrow(/scale must be positive/);
  });

  it('normalises by the 99th percentile of the head, which lies in tissue signal, not noise', () => {
    const scale = computeDAScale(vol.data);
    const head = normalisationRegion(vol.data);
    const inHead = vol.data.filter((_, i) => head[i] === 1);
    const above = inHead.filter((v) => v > scale).length / inHead.length;
    expect(above).toBeGreaterThan(0.005);
    expect(above).toBeLessThan(0.015);
    // The head region contains the brain.
    let brainInHead = 0,
      brain = 0;
    subject.brainMask.forEach((m, i) => {
      brain += m;
      brainInHead += m & head[i];
    });
    expect(brainInHead / brain).toBeGreaterThan(0.95);
    expect(scale).toBeGreaterThan(subject.noiseSigma * 3);
  });
});

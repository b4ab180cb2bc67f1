// Calibration tubes found on phantom subjects of several kinds (default, three tubes + correlated noise + another
// anatomy, coarse voxels at low SNR) and refused where there are none; tubes given by position. The concentration map
// read over the phantom's own tube voxels (one voxel in from its edge) must give the known concentrations within 1 mM.
// Runtime ≈ 25 s (three 64³/48³ subjects).
import {
  checkTubePlacement,
  detectTubes,
  matchConcentrations,
  tubePlacementContext,
  tubesAtPositions,
} from '../../src/core/tubes';
import { concentrationMap, fitCalibration } from '../../src/core/calibration';
import { erode } from '../../src/core/mask';
import { createVolume, voxelToPatient, type Volume } from '../../src/core/volume';
import { uniformStream } from '../../src/core/random';
import type { PhantomSubject } from '../../src/phantom/types';
import { phantomSubject } from '../helpers/phantom';

/** Mean of the map over a phantom tube's voxels one voxel in from its edge (the reference ROI, not ours). */
function tubeReading(map: Volume, s: PhantomSubject, label: number): number {
  const core = erode(
    s.tubeMask.map((v) => (v === label ? 1 : 0)),
    map.dims,
    map.spacing,
    Math.min(...map.spacing),
  );
  let sum = 0;
  let n = 0;
  core.forEach((m, i) => {
    if (m) {
      sum += map.data[i];
      n++;
    }
  });
  return sum / n;
}

/** `toleranceMM`: 1 mM for white noise; correlated noise averages over fewer independent voxels, so more there. */
function expectPhantomTubes(s: PhantomSubject, toleranceMM = 1): void {
  const volume = s.acquisitions[0];
  const before = Float32Array.from(volume.data);
  const { tubes } = detectTubes(volume);
  expect(tubes).toHaveLength(s.tubes.length);
  // Each phantom tube is found on its axis (within a voxel), nowhere else.
  for (const t of s.tubes) {
    const hit = tubes.filter(
      (d) => Math.hypot(d.centreMm[0] - t.centreMm[0], d.centreMm[1] - t.centreMm[1]) < volume.spacing[0],
    );
    expect(hit).toHaveLength(1);
    expect(hit[0].radiusMm).toBeGreaterThan(0.7 * t.radiusMm);
    expect(hit[0].radiusMm).toBeLessThan(1.3 * t.radiusMm);
  }
  const cal = fitCalibration(
    matchConcentrations(
      tubes,
      s.tubes.map((t) => t.concentrationMM),
    ),
  );
  expect(cal.r2).toBeGreaterThan(0.999);
  const map = concentrationMap(volume, cal);
  // Read over the phantom's own tube voxels, the map gives each known concentration plus the fit's residual for
  // that tube (0 with two tubes), within 1 mM; residuals stay small (coil sensitivity differs between tubes).
  const byConcentration = [...s.tubes].sort((a, b) => a.concentrationMM - b.concentrationMM);
  byConcentration.forEach((t, i) => {
    expect(Math.abs(cal.residualsMM[i])).toBeLessThan(3);
    expect(Math.abs(tubeReading(map, s, t.label) - t.concentrationMM - cal.residualsMM[i])).toBeLessThan(toleranceMM);
  });
  expect(volume.data).toEqual(before);
}

describe('detectTubes on phantom subjects', () => {
  it('finds the two 50/100 mM tubes of the default subject; positions give the same calibration', () => {
    const s = phantomSubject({ seed: 1 });
    expectPhantomTubes(s);
    const volume = s.acquisitions[0];
    const detected = detectTubes(volume).tubes;
    const auto = fitCalibration(
      matchConcentrations(
        detected,
        s.tubes.map((t) => t.concentrationMM),
      ),
    );
    // A click on each tube's axis, anywhere along it, picks the same tube.
    const positions = s.tubes.map((t) => ({
      positionMm: [t.centreMm[0] + 2, t.centreMm[1] - 2, 20] as [number, number, number],
      concentrationMM: t.concentrationMM,
    }));
    const clicked = tubesAtPositions(volume, positions, { detected });
    expect(clicked.map((t) => t.kind)).toEqual(['detected', 'detected']);
    const byClick = fitCalibration(
      clicked.map((t, i) => ({ signal: t.meanSignal, concentrationMM: positions[i].concentrationMM })),
    );
    expect(byClick.slope).toBeCloseTo(auto.slope, 10);
    // A point inside the head (no tube there) measures a ball around it; points outside the volume or twice in one
    // tube are refused.
    const inHead = tubesAtPositions(volume, [{ positionMm: [0, 0, 0], concentrationMM: 30 }], { detected });
    expect(inHead[0].kind).toBe('ball');
    expect(inHead[0].voxels).toBeGreaterThan(1);
    expect(() => tubesAtPositions(volume, [{ positionMm: [0, 0, 900], concentrationMM: 30 }], { detected })).toThrow(
      'outside the volume',
    );
    expect(() =>
      tubesAtPositions(volume, [positions[0], { ...positions[0], concentrationMM: 70 }], { detected }),
    ).toThrow('same tube');
    expect(() => matchConcentrations(detected, [20, 50, 100])).toThrow('give the tubes');
  });

  it('checks click-placed tubes: a point in a tube is taken; air, outside, a duplicate and non-finite input are refused in one line', () => {
    const s = phantomSubject({ seed: 2, matrix: 48, voxelSizeMm: 5.5 });
    const volume = s.acquisitions[0];
    const before = Float32Array.from(volume.data);
    const ctx = tubePlacementContext(volume);
    const [a, b] = s.tubes.map((t) => [t.centreMm[0], t.centreMm[1], 0] as [number, number, number]);
    const ijk = checkTubePlacement(volume, ctx, a);
    for (let i = 0; i < 3; i++)
      expect(Math.abs(voxelToPatient(volume, ...ijk)[i] - a[i])).toBeLessThanOrEqual(volume.spacing[i] / 2);
    expect(() => checkTubePlacement(volume, ctx, b, [a])).not.toThrow();
    // The head is an object too (a reference inside the anatomy is allowed, as tubesAtPositions allows it).
    expect(() => checkTubePlacement(volume, ctx, [0, 0, 0], [a, b])).not.toThrow();
    // A corner of the field of view is air; a point beyond the grid is outside; the same tube again is a duplicate.
    const corner = voxelToPatient(volume, 1, 1, Math.floor(volume.dims[2] / 2));
    const single = (f: () => unknown, re: RegExp) => {
      let message = '';
      try {
        f();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(re);
      expect(message).not.toContain('\n');
    };
    single(
      () => checkTubePlacement(volume, ctx, corner, [a]),
      /^the point \(.* mm\) is in air \(signal .* ≤ object level .*\): click inside a tube$/,
    );
    single(() => checkTubePlacement(volume, ctx, [a[0], a[1], 900]), /lies outside the series \(48×48×\d+ voxels\)/);
    single(
      () => checkTubePlacement(volume, ctx, [a[0] + 1, a[1], a[2]], [b, a]),
      /within .* mm of tube #2: a tube is placed once/,
    );
    single(() => checkTubePlacement(volume, ctx, [a[0], NaN, 0]), /three finite numbers/);
    expect(volume.data).toEqual(before);
  });

  it('finds three tubes (20, 60, 120 mM) in correlated noise around another anatomy; the fit is linear', () => {
    expectPhantomTubes(
      phantomSubject({
        seed: 2,
        noise: 'apodised',
        anatomy: { variant: 'fine-texture' },
        tubes: [
          { concentrationMM: 20, side: 'left', yMm: -30 },
          { concentrationMM: 60, side: 'left', yMm: 30 },
          { concentrationMM: 120, side: 'right' },
        ],
      }),
      2.5,
    );
  });

  it('finds tubes with coarse voxels (5.5 mm) at SNR 6', () => {
    expectPhantomTubes(
      phantomSubject({ seed: 5, matrix: 48, voxelSizeMm: 5.5, snr: 6, anatomy: { variant: 'uniform-compartments' } }),
    );
  });
});

describe('detectTubes on hostile scenes', () => {
  /** 48³ × 4 mm, Rician noise σ = 15 around whatever `paint` puts at each patient position (mm). */
  function scene(paint: (x: number, y: number, z: number) => number): Volume {
    const random = uniformStream(7);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const v = createVolume({ dims: [48, 48, 48], spacing: [4, 4, 4], origin: [-94, -94, -94] });
    for (let k = 0, idx = 0; k < 48; k++)
      for (let j = 0; j < 48; j++)
        for (let i = 0; i < 48; i++, idx++) {
          const [x, y, z] = voxelToPatient(v, i, j, k);
          v.data[idx] = Math.hypot(paint(x, y, z) + 15 * gauss(), 15 * gauss());
        }
    return v;
  }
  const head = (x: number, y: number, z: number) => (x / 60) ** 2 + (y / 75) ** 2 + (z / 65) ** 2 <= 1;

  it('finds only the tube: not an eye inside the head, a flat pad, a thin rod or noise', () => {
    const v = scene((x, y, z) => {
      if (Math.hypot(x - 25, y + 55, z) <= 12) return 700; // an eye: bright, round, inside the head
      if (head(x, y, z)) return 200;
      if (Math.hypot(x - 80, y) <= 10 && Math.abs(z) <= 50) return 500; // the tube
      if (x < -70 && x > -76 && Math.abs(y) < 40 && Math.abs(z) < 40) return 400; // a flat pad
      if (Math.hypot(x - 60, y - 80) <= 2 && Math.abs(z) <= 60) return 500; // a thin rod
      return 0;
    });
    const { tubes, rejected } = detectTubes(v);
    expect(tubes).toHaveLength(1);
    expect(Math.abs(tubes[0].centreMm[0] - 80)).toBeLessThan(2);
    expect(Math.abs(tubes[0].meanSignal - 500)).toBeLessThan(15);
    expect(rejected.map((r) => r.reason)).toEqual(expect.arrayContaining(['larger than 250 ml']));
    // The pad is seen and refused (whatever the first reason).
    expect(rejected.some((r) => Math.abs(r.centreMm[0] + 74) < 4 && Math.abs(r.centreMm[1]) < 8)).toBe(true);
  });

  it('finds nothing in pure noise or beside a head alone, and says why a fit cannot be made', () => {
    expect(detectTubes(scene(() => 0)).tubes).toEqual([]);
    const headOnly = detectTubes(scene((x, y, z) => (head(x, y, z) ? 200 : 0)));
    expect(headOnly.tubes).toEqual([]);
    expect(() => matchConcentrations(headOnly.tubes, [50, 100])).toThrow('found 0 calibration tubes');
    const bad = scene(() => 0);
    bad.data[100] = Infinity;
    expect(() => detectTubes(bad)).toThrow('infinite');
    expect(() =>
      detectTubes(
        scene(() => 0),
        { minVolumeMl: 5, maxVolumeMl: 1 },
      ),
    ).toThrow('0 < min < max');
  });
});

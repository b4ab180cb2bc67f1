// TSC calibration with two tubes: exact on a linear synthetic image; on a phantom's noise-free truth the tubes are
// recovered exactly and CSF/GM/WM land near the manifest's concentrations; lesion contrast as a ratio of TSCs.
import {
  calibrateWithTubes,
  lesionContrast,
  roiConcentration,
  signalToConcentration,
  surroundingShell,
} from '../../../src/research/evaluate/tsc';
import { toEvaluationSubject } from '../../../src/research/evaluate/evaluationSubject';
import { createVolume } from '../../../src/core/volume';
import { resolvePhantomParams } from '../../../src/phantom/params';
import { generateSubject } from '../../../src/phantom/subject';

describe('tube calibration', () => {
  it('recovers concentrations exactly from a linear signal model', () => {
    const dims: [number, number, number] = [8, 8, 8];
    const conc = new Float32Array(512);
    const tube1 = new Uint8Array(512),
      tube2 = new Uint8Array(512),
      roi = new Uint8Array(512);
    for (let i = 0; i < 512; i++) {
      if (i < 64) {
        tube1[i] = 1;
        conc[i] = 50;
      } else if (i < 128) {
        tube2[i] = 1;
        conc[i] = 100;
      } else if (i < 200) {
        roi[i] = 1;
        conc[i] = 37;
      }
    }
    const image = createVolume({ dims, data: conc.map((c) => 3.5 * c + 12) });
    const cal = calibrateWithTubes(image, [
      { mask: tube1, concentrationMM: 50 },
      { mask: tube2, concentrationMM: 100 },
    ]);
    expect(cal.slope).toBeCloseTo(3.5, 10);
    expect(cal.intercept).toBeCloseTo(12, 8);
    expect(roiConcentration(image, roi, cal)).toBeCloseTo(37, 8);
    expect(signalToConcentration(3.5 * 140 + 12, cal)).toBeCloseTo(140, 8);
    expect(() => calibrateWithTubes(image, [{ mask: tube1, concentrationMM: 50 }])).toThrow(/at least two tubes/);
    expect(() =>
      calibrateWithTubes(image, [
        { mask: tube1, concentrationMM: 50 },
        { mask: new Uint8Array(512), concentrationMM: 100 },
      ]),
    ).toThrow(/tube #2 \(100 mM\) has no voxels/);
    expect(() =>
      calibrateWithTubes(image, [
        { mask: tube1, concentrationMM: 50 },
        { mask: tube2, concentrationMM: 50 },
      ]),
    ).toThrow(/different concentrations/);
  });

  it('reads the phantom truth: tubes exact, CSF > GM > WM as in the manifest, a lesion brighter than its surroundings', () => {
    const p = resolvePhantomParams({
      seed: 21,
      subjects: 1,
      matrix: 32,
      voxelSizeMm: 8,
      oversampling: 1,
      lesions: { count: [1, 1], radiusMm: [11, 11] },
    });
    const s = generateSubject(p, 0);
    const ev = toEvaluationSubject(s);
    const cal = calibrateWithTubes(s.truth, ev.tubes!);
    ev.tubes!.forEach((t, i) =>
      expect(signalToConcentration(cal.tubeSignals[i], cal)).toBeCloseTo(t.concentrationMM, 6),
    );
    const byName = Object.fromEntries(ev.rois!.map((r) => [r.name, roiConcentration(s.truth, r.mask, cal)!]));
    // Blur (8 mm voxels here), partial volume and coil sensitivity shift ROI means a lot, but the ordering holds.
    expect(byName.CSF).toBeGreaterThan(byName.GM);
    expect(byName.GM).toBeGreaterThan(byName.WM);
    const shell = surroundingShell(ev.lesion!.mask, s.truth.dims, 2, s.brainMask);
    expect(shell.some((v, i) => v && ev.lesion!.mask[i])).toBe(false);
    expect(lesionContrast(s.truth, ev.lesion!.mask, shell, cal)!).toBeGreaterThan(1);
  });
});

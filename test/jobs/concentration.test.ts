// The concentration-map and residual jobs the viewer and the CLI share: tubes found or given, the map in mM, its
// DICOM options (Real World Value Mapping), deterministic series keys, and the text forms of tubes and
// concentrations. Runtime ≈ 10 s (one 48³ subject).
import {
  concentrationMapJob,
  concentrationSeriesKey,
  concentrationSeriesOptions,
  describeCalibration,
  parseConcentrations,
  parseTubePositions,
  residualJob,
  residualSeriesKey,
} from '../../src/jobs/concentration';
import { derivedSeriesUid } from '../../src/jobs/derivedSeries';
import { parseDicomFiles, writeDicomSeries } from '../../src/io/dicom';
import { phantomSubject } from '../helpers/phantom';

describe('concentrationMapJob', () => {
  const s = phantomSubject({ seed: 5, matrix: 48, voxelSizeMm: 5.5 });
  const acq = s.acquisitions[0];

  it('maps an acquisition to mM through its detected tubes, or through tubes given by position', () => {
    const before = Float32Array.from(acq.data);
    const auto = concentrationMapJob(acq, { concentrationsMM: [100, 50] });
    expect(auto.tubeSource).toBe('detected');
    expect(auto.tubes.map((t) => t.concentrationMM)).toEqual([50, 100]);
    // Each tube, read in the map over the voxels the fit used, gives its concentration.
    for (const t of auto.tubes)
      expect(
        Math.abs((t.meanSignal - auto.calibration.intercept) / auto.calibration.slope - t.concentrationMM),
      ).toBeLessThan(1e-6);
    expect(auto.volume.dims).toEqual(acq.dims);
    expect(acq.data).toEqual(before);
    expect(describeCalibration(auto)).toMatch(/^2 tubes \(detected\): 50 mM .*r² 1\.0000/);

    const text = s.tubes.map((t) => `${t.centreMm[0]},${t.centreMm[1]},10:${t.concentrationMM}`).join('; ');
    const given = concentrationMapJob(acq, { tubes: parseTubePositions(text) });
    expect(given.tubeSource).toBe('positions');
    expect(given.calibration.slope).toBeCloseTo(auto.calibration.slope, 8);
    // Different calibrations name different series; the same one names the same series.
    expect(derivedSeriesUid(concentrationSeriesKey('1.2.3', auto))).toBe(
      derivedSeriesUid(concentrationSeriesKey('1.2.3', concentrationMapJob(acq, { concentrationsMM: [50, 100] }))),
    );
    expect(derivedSeriesUid(concentrationSeriesKey('1.2.3', auto))).not.toBe(
      derivedSeriesUid(concentrationSeriesKey('1.2.4', auto)),
    );
    expect(() => concentrationMapJob(acq, { concentrationsMM: [20, 50, 100] })).toThrow('found 2 calibration tubes');

    // Written with its options and read back: the voxels are the map in mM (within the 16-bit step).
    const opts = concentrationSeriesOptions(auto);
    const [series] = parseDicomFiles(writeDicomSeries(auto.volume, opts).map((bytes, i) => ({ name: `${i}`, bytes })));
    expect(series.header.RealWorldValueMappingSequence).toBeDefined();
    let worst = 0;
    series.volume.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - auto.volume.data[i]))));
    expect(worst).toBeLessThan(0.01);
  });

  it('gives the residual input − denoised and names it by the denoised series', () => {
    const r = residualJob(acq, s.truth);
    let worst = 0;
    r.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (acq.data[i] - s.truth.data[i])))));
    expect(worst).toBeLessThan(1e-3);
    expect(derivedSeriesUid(residualSeriesKey('1.2.3', '1.2.9'))).not.toBe(
      derivedSeriesUid(residualSeriesKey('1.2.3', '1.2.8')),
    );
  });

  it('reads tubes and concentrations from text, refusing malformed items with the item', () => {
    expect(parseTubePositions(' 104,0,0:50 ; -104,0.5,-3:100mM ')).toEqual([
      { positionMm: [104, 0, 0], concentrationMM: 50 },
      { positionMm: [-104, 0.5, -3], concentrationMM: 100 },
    ]);
    expect(() => parseTubePositions('104,0:50')).toThrow('"104,0:50"');
    expect(() => parseTubePositions('1,2,3:-5')).toThrow('≥ 0');
    expect(() => parseTubePositions(' ; ')).toThrow('no tube positions');
    expect(parseConcentrations('50, 100 140')).toEqual([50, 100, 140]);
    expect(() => parseConcentrations('50')).toThrow('at least two');
    expect(() => parseConcentrations('50,x')).toThrow('at least two');
  });
});

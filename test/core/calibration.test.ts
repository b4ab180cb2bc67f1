// The sodium calibration line: exact recovery, residuals and r², the concentration map, and every degenerate input
// with its one-line error. Runtime < 1 s.
import { concentrationMap, concentrationOf, fitCalibration } from '../../src/core/calibration';
import { residualVolume } from '../../src/core/residual';
import { createVolume } from '../../src/core/volume';

describe('fitCalibration', () => {
  it('recovers a line exactly through two or more collinear tubes', () => {
    const line = (c: number) => 4.3 * c + 38;
    const cal = fitCalibration([0, 25, 50, 100].map((c) => ({ signal: line(c), concentrationMM: c })));
    expect(cal.slope).toBeCloseTo(4.3, 10);
    expect(cal.intercept).toBeCloseTo(38, 8);
    expect(cal.r2).toBeCloseTo(1, 12);
    for (const r of cal.residualsMM) expect(Math.abs(r)).toBeLessThan(1e-9);
    expect(concentrationOf(line(140), cal)).toBeCloseTo(140, 8);
  });

  it('reports residuals in mM and r² below 1 for tubes off the line', () => {
    // 100 mM tube reads 10 signal units high: least squares spreads it over the three points.
    const cal = fitCalibration([
      { signal: 5 * 20, concentrationMM: 20 },
      { signal: 5 * 60, concentrationMM: 60 },
      { signal: 5 * 100 + 10, concentrationMM: 100 },
    ]);
    expect(cal.r2).toBeLessThan(1);
    expect(cal.r2).toBeGreaterThan(0.99);
    expect(cal.residualsMM.reduce((s, r) => s + r * cal.slope, 0)).toBeCloseTo(0, 8); // OLS residuals sum to 0
    expect(cal.residualsMM[2]).toBeGreaterThan(0);
    expect(cal.rmsResidualMM).toBeCloseTo(Math.sqrt(cal.residualsMM.reduce((s, r) => s + r * r, 0) / 3), 10);
  });

  it('refuses fewer than two tubes, equal concentrations, a falling or flat line, noise-level differences, bad values', () => {
    expect(() => fitCalibration([])).toThrow('at least two tubes');
    expect(() => fitCalibration([{ signal: 100, concentrationMM: 50 }])).toThrow('got 1');
    expect(() =>
      fitCalibration([
        { signal: 100, concentrationMM: 50 },
        { signal: 200, concentrationMM: 50 },
      ]),
    ).toThrow('different concentrations');
    expect(() =>
      fitCalibration([
        { signal: 300, concentrationMM: 50 },
        { signal: 200, concentrationMM: 100 },
      ]),
    ).toThrow('does not increase');
    expect(() =>
      fitCalibration([
        { signal: 200, concentrationMM: 50 },
        { signal: 200, concentrationMM: 100 },
      ]),
    ).toThrow('degenerate');
    expect(() =>
      fitCalibration([
        { signal: 200, concentrationMM: 50, signalStdError: 5 },
        { signal: 210, concentrationMM: 100, signalStdError: 5 },
      ]),
    ).toThrow('3 standard errors');
    expect(() =>
      fitCalibration([
        { signal: NaN, concentrationMM: 50 },
        { signal: 210, concentrationMM: 100 },
      ]),
    ).toThrow('must be finite');
    expect(() =>
      fitCalibration([
        { signal: 100, concentrationMM: -5 },
        { signal: 210, concentrationMM: 100 },
      ]),
    ).toThrow('≥ 0 mM');
  });
});

describe('concentrationMap and residualVolume', () => {
  const vol = createVolume({
    dims: [4, 3, 2],
    spacing: [2, 2, 3],
    data: Float32Array.from({ length: 24 }, (_, i) => 40 + 10 * i),
  });

  it('maps every voxel through (S − intercept) / slope on the same grid, leaving the input alone', () => {
    const before = Float32Array.from(vol.data);
    const map = concentrationMap(vol, { slope: 5, intercept: 40 });
    expect(map.dims).toEqual(vol.dims);
    expect(map.spacing).toEqual(vol.spacing);
    map.data.forEach((v, i) => expect(v).toBeCloseTo((vol.data[i] - 40) / 5, 5));
    expect(vol.data).toEqual(before);
    expect(() => concentrationMap(vol, { slope: 0, intercept: 1 })).toThrow('slope must be positive');
  });

  it('residual = input − denoised; refuses another grid or non-finite voxels', () => {
    const denoised = createVolume({ ...vol, dims: [4, 3, 2], data: vol.data.map((v) => v * 0.9) });
    const r = residualVolume(vol, denoised);
    r.data.forEach((v, i) => expect(v).toBeCloseTo(vol.data[i] * 0.1, 3));
    expect(() => residualVolume(vol, createVolume({ dims: [4, 3, 2], spacing: [1, 1, 1] }))).toThrow("input's grid");
    const bad = createVolume({ ...vol, dims: [4, 3, 2], data: Float32Array.from(vol.data) });
    bad.data[5] = NaN;
    expect(() => residualVolume(vol, bad)).toThrow('NaN');
  });
});

// Sodium quantification: the linear calibration signal = slope · concentration + intercept fitted through reference
// tubes of known concentration, its quality (residuals in mM, r²), and the map TSC = (S − intercept) / slope.
import { volumeLike, type Volume } from './volume';

/** One calibration point: a tube's mean signal and its known concentration. */
export interface CalibrationPoint {
  /** Mean signal in the tube (image units). */
  signal: number;
  /** Known concentration, mM. */
  concentrationMM: number;
  /** Standard error of the mean signal (SD / √n), when known: checks that the tubes' signals differ beyond noise. */
  signalStdError?: number;
}

/** signal = slope · concentration + intercept, and how well it fits. */
export interface SodiumCalibration {
  /** Signal per mM (> 0). */
  slope: number;
  /** Signal at 0 mM. */
  intercept: number;
  /** Coefficient of determination of the fit in signal space (1 for two points). */
  r2: number;
  /** Per point, in the order given: concentration read back through the fit − known concentration, mM. */
  residualsMM: number[];
  /** Root mean square of the residuals, mM. */
  rmsResidualMM: number;
  points: CalibrationPoint[];
}

/**
 * Fits signal = slope · c + intercept through the points by ordinary least squares (exact for two points).
 * @throws for fewer than two points, non-finite values, all concentrations equal, a slope that is not positive
 *   (sodium signal grows with concentration), or signals that differ by less than their noise (when standard errors
 *   are given): each a one-line reason
 * @example const cal = fitCalibration([{ signal: 260, concentrationMM: 50 }, { signal: 510, concentrationMM: 100 }]);
 *          concentrationOf(385, cal); // 75
 */
export function fitCalibration(points: readonly CalibrationPoint[]): SodiumCalibration {
  if (points.length < 2)
    throw new Error(`a sodium calibration needs at least two tubes of known concentration, got ${points.length}`);
  points.forEach((p, i) => {
    if (!Number.isFinite(p.signal) || !Number.isFinite(p.concentrationMM))
      throw new Error(
        `calibration tube #${i + 1}: signal ${p.signal} and concentration ${p.concentrationMM} must be finite`,
      );
    if (p.concentrationMM < 0)
      throw new Error(`calibration tube #${i + 1}: concentration must be ≥ 0 mM, got ${p.concentrationMM}`);
  });
  const n = points.length;
  const cMean = points.reduce((s, p) => s + p.concentrationMM, 0) / n;
  const sMean = points.reduce((s, p) => s + p.signal, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of points) {
    sxy += (p.concentrationMM - cMean) * (p.signal - sMean);
    sxx += (p.concentrationMM - cMean) ** 2;
    syy += (p.signal - sMean) ** 2;
  }
  if (!(sxx > 0))
    throw new Error(
      `calibration tubes must have at least two different concentrations (all are ${points[0].concentrationMM} mM)`,
    );
  const slope = sxy / sxx;
  if (!(slope > 0) || !Number.isFinite(slope))
    throw new Error(
      `calibration fit is degenerate: signal does not increase with concentration (slope ${slope.toPrecision(3)} per mM)`,
    );
  checkSignalsDifferBeyondNoise(points);
  const intercept = sMean - slope * cMean;
  const residualsMM = points.map((p) => (p.signal - intercept) / slope - p.concentrationMM);
  let ssRes = 0;
  for (const p of points) ssRes += (p.signal - (slope * p.concentrationMM + intercept)) ** 2;
  const r2 = syy > 0 ? 1 - ssRes / syy : 1;
  const rmsResidualMM = Math.sqrt(residualsMM.reduce((s, r) => s + r * r, 0) / n);
  return { slope, intercept, r2, residualsMM, rmsResidualMM, points: points.map((p) => ({ ...p })) };
}

/** The lowest and highest concentration tubes' signals must differ by more than 3 of their combined standard errors. */
function checkSignalsDifferBeyondNoise(points: readonly CalibrationPoint[]): void {
  const lo = points.reduce((a, b) => (b.concentrationMM < a.concentrationMM ? b : a));
  const hi = points.reduce((a, b) => (b.concentrationMM > a.concentrationMM ? b : a));
  if (lo.signalStdError === undefined || hi.signalStdError === undefined) return;
  const noise = Math.hypot(lo.signalStdError, hi.signalStdError);
  if (hi.signal - lo.signal <= 3 * noise)
    throw new Error(
      `calibration fit is degenerate: the ${lo.concentrationMM} mM and ${hi.concentrationMM} mM tubes' signals ` +
        `(${lo.signal.toPrecision(4)}, ${hi.signal.toPrecision(4)}) differ by less than 3 standard errors of their means`,
    );
}

/** Concentration (mM) of a signal under a calibration. */
export function concentrationOf(signal: number, cal: Pick<SodiumCalibration, 'slope' | 'intercept'>): number {
  return (signal - cal.intercept) / cal.slope;
}

/**
 * The concentration map: every voxel's TSC = (S − intercept) / slope, in mM, on the input's grid. The input is only
 * read. Air maps to about −intercept / slope plus noise, and may be negative.
 * @example const tsc = concentrationMap(acquisition, fitCalibration(points));
 */
export function concentrationMap(volume: Volume, cal: Pick<SodiumCalibration, 'slope' | 'intercept'>): Volume {
  if (!(cal.slope > 0) || !Number.isFinite(cal.slope) || !Number.isFinite(cal.intercept))
    throw new Error(
      `calibration slope must be positive and finite, got slope ${cal.slope}, intercept ${cal.intercept}`,
    );
  const out = new Float32Array(volume.data.length);
  const { slope, intercept } = cal;
  for (let i = 0; i < out.length; i++) out[i] = (volume.data[i] - intercept) / slope;
  return volumeLike(volume, out);
}

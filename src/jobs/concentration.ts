// The sodium quantification jobs shared by the viewer and the CLI: a concentration map in mM calibrated by tubes
// (found automatically or given by position), and the residual (input − denoised), each with what its derived DICOM
// series records. Knows nothing of OHIF or files.
import { concentrationMap, fitCalibration, type SodiumCalibration } from '../core/calibration';
import { residualVolume } from '../core/residual';
import {
  calibrationPoints,
  detectTubes,
  matchConcentrations,
  tubesAtPositions,
  type TubePosition,
  type TubeRegion,
} from '../core/tubes';
import type { Vec3, Volume } from '../core/volume';
import { UNITS_MILLIMOLAR, type DicomCode, type DicomWriteOptions } from '../io/dicom/write';
import type { DerivedSeriesKey } from './derivedSeries';

/** Two tubes of 50 and 100 mM beside the head, as in the seed paper. */
export const DEFAULT_TUBE_CONCENTRATIONS_MM: readonly number[] = [50, 100];

export interface ConcentrationRequest {
  /** Known concentrations (mM) of the tubes in the image, matched to the tubes found by signal (faintest = lowest). */
  concentrationsMM?: readonly number[];
  /** Tubes given by position with their concentrations: no matching by signal; a point inside no tube measures a
   * ball around it. Overrides `concentrationsMM`. */
  tubes?: readonly TubePosition[];
  /** Rician σ of the image (default: estimated from its background). */
  noiseSigma?: number;
}

/** One tube as used in the fit. */
export interface CalibrationTubeReport {
  centreMm: Vec3;
  radiusMm: number;
  lengthMm: number;
  voxels: number;
  meanSignal: number;
  sdSignal: number;
  concentrationMM: number;
  /** Concentration read back through the fit − known, mM. */
  residualMM: number;
  kind: TubeRegion['kind'];
}

export interface ConcentrationResult {
  /** TSC in mM on the input's grid. */
  volume: Volume;
  calibration: SodiumCalibration;
  tubes: CalibrationTubeReport[];
  /** 'detected': tubes found automatically; 'positions': tubes given by the caller. */
  tubeSource: 'detected' | 'positions';
  /** What defines the map, for DerivationDescription and the derived series key. */
  parameters: Record<string, string | number>;
}

/**
 * The concentration map of `volume`: calibration tubes found (or taken at the given positions), the line
 * signal = slope · mM + intercept fitted through them, and TSC = (S − intercept) / slope in every voxel.
 * The input is only read.
 * @throws with one line when tubes are missing, counts do not match, or the fit is degenerate
 * @example const { volume: tsc, calibration } = concentrationMapJob(acq, { concentrationsMM: [50, 100] });
 */
export function concentrationMapJob(volume: Volume, request: ConcentrationRequest = {}): ConcentrationResult {
  const byPosition = request.tubes !== undefined && request.tubes.length > 0;
  let regions: TubeRegion[];
  let points;
  if (byPosition) {
    regions = tubesAtPositions(volume, request.tubes!, { noiseSigma: request.noiseSigma });
    points = calibrationPoints(
      regions,
      request.tubes!.map((t) => t.concentrationMM),
    );
  } else {
    const concentrations = request.concentrationsMM ?? DEFAULT_TUBE_CONCENTRATIONS_MM;
    regions = detectTubes(volume, { noiseSigma: request.noiseSigma }).tubes;
    points = matchConcentrations(regions, concentrations);
    regions = [...regions].sort((a, b) => a.meanSignal - b.meanSignal);
  }
  const calibration = fitCalibration(points);
  const tubes = regions.map((r, i) => ({
    centreMm: r.centreMm,
    radiusMm: r.radiusMm,
    lengthMm: r.lengthMm,
    voxels: r.voxels,
    meanSignal: r.meanSignal,
    sdSignal: r.sdSignal,
    concentrationMM: points[i].concentrationMM,
    residualMM: calibration.residualsMM[i],
    kind: r.kind,
  }));
  const tubeSource = byPosition ? 'positions' : 'detected';
  return {
    volume: concentrationMap(volume, calibration),
    calibration,
    tubes,
    tubeSource,
    parameters: {
      tubes: tubes.map((t) => `${t.concentrationMM}mM@${t.centreMm.map((v) => v.toFixed(1)).join(',')}`).join(' '),
      tubeSource,
      slope: Number(calibration.slope.toPrecision(6)),
      intercept: Number(calibration.intercept.toPrecision(6)),
      r2: Number(calibration.r2.toFixed(6)),
    },
  };
}

/** One line on the fit, e.g. "2 tubes (detected): 50 mM → 49.8, 100 mM → 100.1; r² 1.0000; RMS residual 0.00 mM". */
export function describeCalibration(result: Pick<ConcentrationResult, 'tubes' | 'calibration' | 'tubeSource'>): string {
  const per = result.tubes
    .map((t) => `${t.concentrationMM} mM (signal ${t.meanSignal.toFixed(1)}, residual ${t.residualMM.toFixed(2)})`)
    .join(', ');
  const c = result.calibration;
  return (
    `${result.tubes.length} tubes (${result.tubeSource}): ${per}; signal = ${c.slope.toPrecision(4)}·mM + ` +
    `${c.intercept.toPrecision(4)}; r² ${c.r2.toFixed(4)}; RMS residual ${c.rmsResidualMM.toFixed(2)} mM`
  );
}

/**
 * input − denoised (the method noise): what a denoiser removed, to check that it looks like noise, not anatomy.
 * @example const residual = residualJob(acquisition, denoised);
 */
export function residualJob(input: Volume, denoised: Volume): Volume {
  return residualVolume(input, denoised);
}

/** Local codes for the two derivations (no DCM concept names them; a 99-prefixed scheme is the DICOM way). */
export const DERIVATION_CONCENTRATION_MAP: DicomCode = {
  value: 'NA-TSC-MAP',
  scheme: '99SODIUMDN',
  meaning: 'Tissue sodium concentration map from calibration tubes',
};
export const DERIVATION_RESIDUAL: DicomCode = {
  value: 'NA-RESIDUAL',
  scheme: '99SODIUMDN',
  meaning: 'Input minus denoised image (method noise)',
};

/**
 * What a concentration map's DICOM series carries: Real World Value Mapping in mmol/L (label 'TSC'), the derivation
 * with the fit, and a window over 0–150 mM (CSF and vitreous ≈ 140 mM).
 */
export function concentrationSeriesOptions(
  result: Pick<ConcentrationResult, 'parameters' | 'tubes'>,
  sourceDescription = '23Na',
): Pick<DicomWriteOptions, 'realWorldValue' | 'derivation' | 'windowCenter' | 'windowWidth' | 'seriesDescription'> {
  return {
    realWorldValue: {
      label: 'TSC',
      explanation: `Tissue sodium concentration (mM), ${result.tubes.length}-tube calibration`,
      units: UNITS_MILLIMOLAR,
    },
    derivation: { method: 'Na concentration (mM)', parameters: result.parameters, code: DERIVATION_CONCENTRATION_MAP },
    windowCenter: 75,
    windowWidth: 150,
    seriesDescription: `${sourceDescription} (Na mM)`,
  };
}

/** What a residual series carries: its derivation (the denoised series it subtracts). */
export function residualSeriesOptions(
  denoisedSeriesInstanceUid: string,
  sourceDescription = '23Na',
): Pick<DicomWriteOptions, 'derivation' | 'seriesDescription'> {
  return {
    derivation: {
      method: 'Residual (input − denoised)',
      parameters: { denoised: denoisedSeriesInstanceUid },
      code: DERIVATION_RESIDUAL,
    },
    seriesDescription: `${sourceDescription} (residual)`,
  };
}

/** The derived-series key of a concentration map of `sourceSeriesInstanceUid` (an original or a denoised series). */
export function concentrationSeriesKey(
  sourceSeriesInstanceUid: string,
  result: Pick<ConcentrationResult, 'parameters'>,
): DerivedSeriesKey {
  return { sourceSeriesInstanceUid, method: 'tsc', parameters: { ...result.parameters } };
}

/** The derived-series key of the residual of `sourceSeriesInstanceUid` against one denoised series. */
export function residualSeriesKey(
  sourceSeriesInstanceUid: string,
  denoisedSeriesInstanceUid: string,
): DerivedSeriesKey {
  return { sourceSeriesInstanceUid, method: 'residual', parameters: { denoised: denoisedSeriesInstanceUid } };
}

/**
 * Tube positions from text: "x,y,z:mM" items separated by ';' (patient mm, LPS).
 * @example parseTubePositions('104,0,0:50; -104,0,0:100')
 */
export function parseTubePositions(text: string): TubePosition[] {
  const items = text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`no tube positions in "${text}" (expected "x,y,z:mM; x,y,z:mM")`);
  return items.map((item) => {
    const m = /^([^:]+):([^:]+)$/.exec(item);
    const xyz = m ? m[1].split(',').map((v) => Number(v.trim())) : [];
    const mM = m ? Number(m[2].trim().replace(/\s*mM$/i, '')) : NaN;
    if (xyz.length !== 3 || xyz.some((v) => !Number.isFinite(v)) || !Number.isFinite(mM) || mM < 0)
      throw new Error(`tube "${item}" is not "x,y,z:mM" with finite millimetres and a concentration ≥ 0`);
    return { positionMm: xyz as Vec3, concentrationMM: mM };
  });
}

/**
 * Concentrations from text: numbers (mM) separated by commas or spaces.
 * @example parseConcentrations('50, 100') // [50, 100]
 */
export function parseConcentrations(text: string): number[] {
  const values = text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((v) => Number(v.replace(/mM$/i, '')));
  if (values.length < 2 || values.some((v) => !Number.isFinite(v) || v < 0))
    throw new Error(`tube concentrations must be at least two numbers ≥ 0 (mM), got "${text}"`);
  return values;
}

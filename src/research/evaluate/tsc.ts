// Tissue sodium concentration (TSC) from an image and its two reference tubes: fit signal = a·c + b through the tubes'
// mean signals, map TSC = (S − b)/a, then read ROI concentrations and the lesion's contrast to its surroundings.
import type { Mask, Volume } from '../../core/volume';
import { concentrationOf, fitCalibration } from '../../core/calibration';

export interface CalibrationTube {
  /** Voxels of the tube (non-zero = inside). */
  mask: Mask;
  /** Known concentration in mM. */
  concentrationMM: number;
}

/** signal = slope · concentration + intercept. */
export interface TubeCalibration {
  slope: number;
  intercept: number;
  /** Mean signal in each tube, in the order given. */
  tubeSignals: number[];
}

/** Fits signal = a·c + b through the tubes' mean signals (core's fitCalibration: least squares; exact for two tubes). */
export function calibrateWithTubes(image: Volume, tubes: readonly CalibrationTube[]): TubeCalibration {
  if (tubes.length < 2) throw new Error(`TSC calibration needs at least two tubes, got ${tubes.length}`);
  const signals = tubes.map((t, i) => {
    const m = maskedMean(image.data, t.mask);
    if (m === null) throw new Error(`calibration tube #${i + 1} (${t.concentrationMM} mM) has no voxels`);
    return m;
  });
  const { slope, intercept } = fitCalibration(
    tubes.map((t, i) => ({ signal: signals[i], concentrationMM: t.concentrationMM })),
  );
  return { slope, intercept, tubeSignals: signals };
}

/** Concentration (mM) of a mean signal under a calibration. */
export function signalToConcentration(signal: number, cal: TubeCalibration): number {
  return concentrationOf(signal, cal);
}

/** Mean TSC (mM) inside a mask; null when the mask is empty. The map is linear, so the ROI mean of TSC = TSC of the mean. */
export function roiConcentration(image: Volume, mask: Mask, cal: TubeCalibration): number | null {
  const m = maskedMean(image.data, mask);
  return m === null ? null : signalToConcentration(m, cal);
}

/** Mean of data over mask voxels; null if none. */
export function maskedMean(data: Float32Array, mask: Mask): number | null {
  if (mask.length !== data.length) throw new Error(`mask has ${mask.length} voxels but the image has ${data.length}`);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    if (mask[i]) {
      sum += data[i];
      n++;
    }
  }
  return n ? sum / n : null;
}

/**
 * A shell of `thickness` voxels around a region (26-neighbour dilation, repeated), restricted to `within` and excluding
 * the region itself: the lesion's surrounding tissue.
 */
export function surroundingShell(
  region: Mask,
  dims: readonly [number, number, number],
  thickness: number,
  within?: Mask,
): Mask {
  if (!Number.isInteger(thickness) || thickness < 1)
    throw new Error(`shell thickness must be a positive integer, got ${thickness}`);
  const [nx, ny, nz] = dims;
  let grown = Uint8Array.from(region);
  for (let step = 0; step < thickness; step++) {
    const next = Uint8Array.from(grown);
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          if (!grown[i + nx * (j + ny * k)]) continue;
          for (let dk = -1; dk <= 1; dk++)
            for (let dj = -1; dj <= 1; dj++)
              for (let di = -1; di <= 1; di++) {
                const x = i + di,
                  y = j + dj,
                  z = k + dk;
                if (x >= 0 && y >= 0 && z >= 0 && x < nx && y < ny && z < nz) next[x + nx * (y + ny * z)] = 1;
              }
        }
    grown = next;
  }
  const shell = new Uint8Array(grown.length);
  for (let i = 0; i < grown.length; i++) shell[i] = grown[i] && !region[i] && (!within || within[i]) ? 1 : 0;
  return shell;
}

/** Lesion contrast = mean lesion signal / mean surrounding signal (calibration-free: a ratio of signals above b). */
export function lesionContrast(image: Volume, lesion: Mask, surround: Mask, cal: TubeCalibration): number | null {
  const inside = roiConcentration(image, lesion, cal);
  const around = roiConcentration(image, surround, cal);
  if (inside === null || around === null || around === 0) return null;
  return inside / around;
}

// Float → 16-bit stored values with a Rescale Slope/Intercept chosen from the data range (error ≤ range / 131070).
import { formatDS } from './values';

export interface Rescale {
  /** PixelRepresentation 1 (Int16) when the data has negative values, else 0 (Uint16). */
  signed: boolean;
  /** As written (already rounded to a DICOM decimal string), so reader and writer agree exactly. */
  slope: number;
  intercept: number;
  /** slope, intercept formatted as DS. */
  slopeDS: string;
  interceptDS: string;
}

/**
 * Maps [min, max] onto the full 16-bit range: stored = round((v − intercept) / slope), so the quantisation error is at
 * most slope / 2 = (max − min) / 131070, within the (max − min) / 65535 bound promised to callers.
 */
export function chooseRescale(min: number, max: number): Rescale {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min)
    throw new Error(`Invalid data range [${min}, ${max}]`);
  const signed = min < 0;
  const range = max - min;
  // Constant data: any slope works; 1 keeps stored values readable.
  const rawSlope = range > 0 ? range / 65535 : 1;
  const slopeDS = formatDS(rawSlope);
  const slope = Number(slopeDS);
  // Unsigned: stored 0 ↔ min. Signed: stored −32768 ↔ min.
  const interceptDS = formatDS(signed ? min + 32768 * slope : min);
  return { signed, slope, intercept: Number(interceptDS), slopeDS, interceptDS };
}

/** Stored 16-bit values of `values` under `rescale` (clamped to the type's range). */
export function quantize(values: Float32Array, rescale: Rescale): Int16Array | Uint16Array {
  const out = rescale.signed ? new Int16Array(values.length) : new Uint16Array(values.length);
  const lo = rescale.signed ? -32768 : 0;
  const hi = rescale.signed ? 32767 : 65535;
  const { slope, intercept } = rescale;
  for (let i = 0; i < values.length; i++) {
    const s = Math.round((values[i] - intercept) / slope);
    out[i] = s < lo ? lo : s > hi ? hi : s;
  }
  return out;
}

// Typed access to naturalized dcmjs datasets and formatting of DICOM value representations (DS, DA, TM).
// No dcmjs import: series rules (sodiumSeries) use these without loading the parser.
import type { DicomSeries } from './types';

/** A naturalized dcmjs dataset: attribute keyword → value (strings, numbers, arrays, nested item arrays). */
export type DicomDataset = Record<string, unknown>;

/** First value of an attribute as a string (undefined when absent or empty). */
export function getString(ds: DicomDataset, key: string): string | undefined {
  let v = ds[key];
  if (Array.isArray(v)) v = v[0];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    // PN values naturalize to { Alphabetic: '...' }.
    const alphabetic = (v as { Alphabetic?: unknown }).Alphabetic;
    return typeof alphabetic === 'string' && alphabetic !== '' ? alphabetic : undefined;
  }
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** All values of a multi-valued string attribute (e.g. ImageType). */
export function getStrings(ds: DicomDataset, key: string): string[] {
  const v = ds[key];
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x).trim());
}

/** ImageType values, e.g. ['DERIVED', 'SECONDARY', 'OTHER']. */
export function imageTypeOf(series: DicomSeries): string[] {
  return getStrings(series.header, 'ImageType');
}

/** All values of a numeric attribute (DS/IS strings are parsed); undefined when absent or not all finite. */
export function getNumbers(ds: DicomDataset, key: string): number[] | undefined {
  const v = ds[key];
  if (v === undefined || v === null || v === '') return undefined;
  const list = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'number' ? x : Number(String(x).trim())));
  return list.length > 0 && list.every(Number.isFinite) ? list : undefined;
}

export function getNumber(ds: DicomDataset, key: string): number | undefined {
  return getNumbers(ds, key)?.[0];
}

/** Items of a sequence attribute (dcmjs gives an array of items, or a lone item for some inputs). */
export function getItems(ds: DicomDataset | undefined, key: string): DicomDataset[] {
  const v = ds?.[key];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is DicomDataset => typeof x === 'object' && x !== null && !(x instanceof ArrayBuffer));
}

/** First item of a sequence, if any. */
export function getItem(ds: DicomDataset | undefined, key: string): DicomDataset | undefined {
  return getItems(ds, key)[0];
}

/**
 * Decimal String: at most 16 characters (PS3.5 6.2). Picks the most precise representation that fits, so values
 * written and read back differ by at most one unit in the 15th–16th significant digit.
 */
export function formatDS(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`Cannot write ${x} as a DICOM decimal string`);
  if (Object.is(x, -0) || x === 0) return '0';
  const plain = String(x);
  if (plain.length <= 16) return plain;
  for (let digits = 15; digits >= 1; digits--) {
    const s = trimMantissa(x.toPrecision(digits));
    if (s.length <= 16) return s;
  }
  throw new Error(`Cannot write ${x} as a DICOM decimal string`);
}

function trimMantissa(s: string): string {
  const [mantissa, exponent] = s.split('e');
  let m = mantissa;
  if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
  if (exponent === undefined) return m;
  return `${m}e${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

/** Integer String: at most 12 characters. */
export function formatIS(x: number): string {
  if (!Number.isInteger(x) || Math.abs(x) > 2 ** 31 - 1) throw new Error(`Cannot write ${x} as a DICOM integer string`);
  return String(x);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** DA: YYYYMMDD (UTC). */
export function formatDA(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`;
}

/** TM: HHMMSS (UTC). */
export function formatTM(d: Date): string {
  return `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}`;
}

// Repeated acquisitions of a sodium series: the study's other 23Na series on the same grid (pure).
import type { DisplaySet, NaturalInstance } from './ohif';
import { checkSodiumSeries, sliceCount } from './sodium';
import { DERIVED_FLAG } from './id';
import { isDerivedImageType } from '../io/sodiumSeries';

function nums(v: unknown): number[] {
  if (Array.isArray(v)) return v.map(Number);
  if (typeof v === 'string') return v.split('\\').map(Number);
  return v === undefined || v === null ? [] : [Number(v)];
}

function close(a: number[], b: number[], tol: number): boolean {
  return a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= tol);
}

function first(ds: DisplaySet): NaturalInstance | undefined {
  return ds.instance ?? ds.instances?.[0];
}

/** Whether a display set is one of our derived outputs (in memory or saved: ImageType DERIVED). */
export function isDerived(ds: DisplaySet): boolean {
  if (ds[DERIVED_FLAG]) return true;
  return isDerivedImageType(first(ds)?.ImageType);
}

/** Same voxel grid: dims, spacing, orientation, frame of reference and first-slice position (0.01 mm). */
export function sameGeometry(a: DisplaySet, b: DisplaySet): boolean {
  const ia = first(a),
    ib = first(b);
  if (!ia || !ib) return false;
  if (sliceCount(a) !== sliceCount(b)) return false;
  if (Number(ia.Rows) !== Number(ib.Rows) || Number(ia.Columns) !== Number(ib.Columns)) return false;
  if ((a.FrameOfReferenceUID ?? ia.FrameOfReferenceUID) !== (b.FrameOfReferenceUID ?? ib.FrameOfReferenceUID))
    return false;
  if (!close(nums(ia.PixelSpacing), nums(ib.PixelSpacing), 1e-3)) return false;
  if (!close(nums(ia.ImageOrientationPatient), nums(ib.ImageOrientationPatient), 1e-4)) return false;
  const pa = positions(a),
    pb = positions(b);
  return close(pa, pb, 1e-2);
}

/** Sorted-by-position corner of the stack: the min over slices of each IPP component, tolerant of slice order. */
function positions(ds: DisplaySet): number[] {
  const all = (ds.instances ?? []).map((i) => nums(i.ImagePositionPatient)).filter((p) => p.length === 3);
  if (all.length === 0) return [];
  return [0, 1, 2].map((c) => Math.min(...all.map((p) => p[c])));
}

/**
 * The other acquisitions of `source`: sodium, not derived, same study and same geometry, in series-number order.
 * Their mean with the source is the paper's reference image.
 */
export function findRepeats(source: DisplaySet, all: readonly DisplaySet[]): DisplaySet[] {
  return all
    .filter(
      (ds) =>
        ds.displaySetInstanceUID !== source.displaySetInstanceUID &&
        ds.SeriesInstanceUID !== source.SeriesInstanceUID &&
        ds.StudyInstanceUID === source.StudyInstanceUID &&
        !isDerived(ds) &&
        checkSodiumSeries(ds).ok &&
        sameGeometry(source, ds),
    )
    .sort((a, b) => Number(a.SeriesNumber ?? 0) - Number(b.SeriesNumber ?? 0));
}

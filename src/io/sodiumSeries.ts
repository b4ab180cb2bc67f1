// Which series are sodium (23Na) acquisitions, which are derived rather than acquired, and which repeat one another:
// the one rule the viewer (OHIF display sets) and the CLI (DICOM folders: cohorts, adaptation) share, so both pick the
// same series of a study.
import { sameGrid } from '../core/volume';
import { imageTypeOf } from './dicom/values';
import type { DicomSeries } from './dicom/types';

/** How a series was recognised as sodium, strongest evidence first. */
export type SodiumEvidence = 'ImagedNucleus' | 'ResonantNucleus' | 'SeriesDescription';

/** The attributes the rule reads, as DICOM values (strings, or multi-valued arrays). */
export interface SeriesNucleusFacts {
  imagedNucleus?: unknown;
  /** Enhanced MR puts the nucleus here. */
  resonantNucleus?: unknown;
  seriesDescription?: unknown;
}

const NA_NUCLEUS = /^\s*23\s*NA\s*$/i;
/** Fallback when the scanner omits the nucleus tags (some vendors' exports, anonymisers). */
const NA_DESCRIPTION = /sodium|23\s*na|\bna[-_ ]?(mri|image|3d|tpi|ute)?\b/i;

function text(v: unknown): string {
  if (Array.isArray(v)) return v.map(String).join('\\');
  return v === undefined || v === null ? '' : String(v);
}

/** The nucleus a series states (ImagedNucleus, else ResonantNucleus), trimmed; '' when it states none. */
export function statedNucleus(f: SeriesNucleusFacts): string {
  return text(f.imagedNucleus || f.resonantNucleus).trim();
}

/**
 * The evidence that a series images sodium, or null. A nucleus tag of 23Na (any case or spacing) decides; a stated
 * other nucleus (1H, 31P) wins over a hopeful description; with no nucleus at all, the description decides.
 * @example sodiumEvidence({ imagedNucleus: '23Na' }) // 'ImagedNucleus'
 */
export function sodiumEvidence(f: SeriesNucleusFacts): SodiumEvidence | null {
  if (NA_NUCLEUS.test(text(f.imagedNucleus))) return 'ImagedNucleus';
  if (NA_NUCLEUS.test(text(f.resonantNucleus))) return 'ResonantNucleus';
  if (statedNucleus(f)) return null;
  return NA_DESCRIPTION.test(text(f.seriesDescription)) ? 'SeriesDescription' : null;
}

/** Whether an ImageType value (e.g. ['DERIVED', 'SECONDARY'] or 'ORIGINAL\\PRIMARY') marks a derived image. */
export function isDerivedImageType(imageType: unknown): boolean {
  return /DERIVED/i.test(text(imageType));
}

/**
 * The acquisitions among a scanned folder's series: not DERIVED, and sodium by `sodiumEvidence` — unless no series
 * states or suggests sodium at all, when every original series is taken (untagged exports).
 */
export function originalSodiumSeries(series: readonly DicomSeries[]): DicomSeries[] {
  const originals = series.filter((s) => !isDerivedImageType(imageTypeOf(s)));
  const isSodium = (s: DicomSeries) =>
    sodiumEvidence({
      imagedNucleus: s.imagedNucleus,
      resonantNucleus: s.header.ResonantNucleus,
      seriesDescription: s.seriesDescription,
    }) !== null;
  return originals.some(isSodium) ? originals.filter(isSodium) : originals;
}

/**
 * Sets of repeated acquisitions: series of one study on one voxel grid, each set in input order, largest set first.
 * @example const [repeats] = groupRepeats(originalSodiumSeries(scan.series));
 */
export function groupRepeats(series: readonly DicomSeries[]): DicomSeries[][] {
  const groups: DicomSeries[][] = [];
  for (const s of series) {
    const g = groups.find((grp) => grp[0].studyInstanceUID === s.studyInstanceUID && sameGrid(grp[0].volume, s.volume));
    if (g) g.push(s);
    else groups.push([s]);
  }
  return groups.sort((a, b) => b.length - a.length);
}

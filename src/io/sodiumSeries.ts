// Which series are sodium (23Na) acquisitions, and which are derived rather than acquired: the one rule the viewer
// (OHIF display sets) and the CLI (DICOM folders, cohorts) share, so both pick the same series of a study.

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

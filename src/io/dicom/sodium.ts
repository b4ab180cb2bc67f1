// Which DICOM series are sodium (23Na) MR, and which may be denoised: pure checks on naturalized attributes, so a
// file header, a QIDO-RS answer and OHIF's metadata are judged by the same rule.
import { getString, getStrings, type DicomDataset } from './values';

/** How a series was recognised as sodium, strongest evidence first. */
export type SodiumEvidence = 'ImagedNucleus' | 'ResonantNucleus' | 'SeriesDescription';

const NA_NUCLEUS = /^\s*23\s*NA\s*$/i;
/** Fallback when the scanner omits the nucleus tags (some vendors' exports, anonymisers). */
const NA_DESCRIPTION = /sodium|23\s*na|\bna[-_ ]?(mri|image|3d|tpi|ute)?\b/i;

/**
 * The evidence that a series is sodium MR, or null. A stated other nucleus (1H, 31P) wins over a hopeful
 * description; Enhanced MR states the nucleus in ResonantNucleus.
 * @example sodiumEvidenceOf({ ImagedNucleus: '23Na' }) // 'ImagedNucleus'
 */
export function sodiumEvidenceOf(ds: DicomDataset): SodiumEvidence | null {
  const modality = getString(ds, 'Modality');
  if (modality && modality.toUpperCase() !== 'MR') return null;
  const imaged = getString(ds, 'ImagedNucleus');
  const resonant = getString(ds, 'ResonantNucleus');
  if (imaged && NA_NUCLEUS.test(imaged)) return 'ImagedNucleus';
  if (resonant && NA_NUCLEUS.test(resonant)) return 'ResonantNucleus';
  if (imaged || resonant) return null;
  return NA_DESCRIPTION.test(getString(ds, 'SeriesDescription') ?? '') ? 'SeriesDescription' : null;
}

/**
 * True when ImageType's first value is ORIGINAL: only such series are denoising sources, never a DERIVED one (ours
 * or anyone's). A series without ImageType is not a source either: nothing says it was acquired.
 */
export function isOriginalImage(ds: DicomDataset): boolean {
  return getStrings(ds, 'ImageType')[0]?.toUpperCase() === 'ORIGINAL';
}

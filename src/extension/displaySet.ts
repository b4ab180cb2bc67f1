// Builds the in-memory display sets we add to the study browser: the denoised series and the reference (pure).
import type { DisplaySet, NaturalInstance } from './ohif';
import { DERIVED_FLAG } from './id';
import { OVERLAY_FIELD } from './customizations/overlay';
import type { MethodLabel, NaOverlayInfo } from './metricsText';

/** Routes the set to OHIF's cornerstone viewport (the stock stack SOP class handler's id). */
export const STACK_SOP_CLASS_HANDLER = '@ohif/extension-default.sopClassHandlerModule.stack';
export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';

export type DerivedRole = 'denoised' | 'reference' | 'concentration' | 'residual';

export interface DerivedDisplaySetInput {
  source: DisplaySet;
  role: DerivedRole;
  method: MethodLabel;
  /** Overrides the role's standard description (concentration maps and residuals name what they were made from). */
  seriesDescription?: string;
  displaySetInstanceUID: string;
  seriesInstanceUID: string;
  /** Image ids the viewport may use for this set (the derived volume's, or the source's as referenced ids). */
  imageIds: string[];
  overlay: NaOverlayInfo;
  /** From nextSeriesNumber, or the number of the earlier result this set replaces. */
  seriesNumber: number;
  thumbnailSrc?: string;
  /** Extra fields (e.g. the engine's result summary for Save). */
  extra?: Record<string, unknown>;
}

export function derivedSeriesDescription(role: DerivedRole, method: MethodLabel, repeats = 0, adapted = false): string {
  if (role === 'reference') return `Na reference (mean of ${repeats} acquisitions)`;
  if (role === 'concentration') return `Na mM (${method} denoised)`;
  if (role === 'residual') return `Na residual (input − ${method} denoised)`;
  return adapted ? `Na ${method} adapted denoised` : `Na ${method} denoised`;
}

/** The number after the highest SeriesNumber among `sets` (the study's series, saved derived ones included). */
export function nextSeriesNumber(sets: readonly DisplaySet[]): number {
  const numbers = sets.map((d) => Number(d.SeriesNumber)).filter((n) => Number.isFinite(n));
  return (numbers.length ? Math.max(...numbers) : 0) + 1;
}

export function buildDerivedDisplaySet(input: DerivedDisplaySetInput): DisplaySet {
  const { source, role, method } = input;
  const repeats = input.overlay.referenceCount ?? 0;
  const SeriesDescription =
    input.seriesDescription ?? derivedSeriesDescription(role, method, repeats, input.overlay.adaptation?.adapted);
  const SeriesNumber = input.seriesNumber;
  // Patched copies: the overlay and hanging-protocol matching read the instance's own series attributes.
  const instances: NaturalInstance[] = (source.instances ?? []).map((inst, k) => ({
    ...inst,
    SeriesInstanceUID: input.seriesInstanceUID,
    SeriesDescription,
    SeriesNumber,
    ImageType: ['DERIVED', 'SECONDARY', 'OTHER'],
    imageId: input.imageIds[k] ?? inst.imageId,
  }));
  const instance = instances[Math.floor(instances.length / 2)] ?? instances[0];
  return {
    displaySetInstanceUID: input.displaySetInstanceUID,
    StudyInstanceUID: source.StudyInstanceUID,
    SeriesInstanceUID: input.seriesInstanceUID,
    SeriesDescription,
    SeriesNumber,
    SeriesDate: source.SeriesDate,
    SeriesTime: source.SeriesTime,
    Modality: 'MR',
    SOPClassUID: source.SOPClassUID ?? MR_IMAGE_STORAGE,
    SOPClassHandlerId: STACK_SOP_CLASS_HANDLER,
    FrameOfReferenceUID: source.FrameOfReferenceUID ?? instance?.FrameOfReferenceUID,
    isReconstructable: true,
    isMultiFrame: false,
    numImageFrames: input.imageIds.length,
    madeInClient: true,
    imageIds: input.imageIds,
    instances,
    instance,
    thumbnailSrc: input.thumbnailSrc,
    [DERIVED_FLAG]: role === 'denoised',
    naRole: role,
    isNaReference: role === 'reference',
    [OVERLAY_FIELD]: input.overlay,
    naSourceDisplaySetInstanceUID: source.displaySetInstanceUID,
    ...input.extra,
  };
}

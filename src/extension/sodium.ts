// Is this display set a 23Na MR series the denoiser can take? Pure checks on OHIF's naturalized metadata.
import type { DisplaySet, NaturalInstance } from './ohif';
import { sodiumEvidence as seriesSodiumEvidence, statedNucleus, type SodiumEvidence } from '../io/sodiumSeries';

export type { SodiumEvidence };

export type SodiumCheck = { ok: true; evidence: SodiumEvidence; slices: number } | { ok: false; reason: string };

/** The evidence that an instance is sodium MR, or null (the shared rule of io/sodiumSeries on OHIF's metadata). */
export function sodiumEvidence(
  instance: NaturalInstance | undefined,
  seriesDescription?: string,
): SodiumEvidence | null {
  return seriesSodiumEvidence({
    imagedNucleus: instance?.ImagedNucleus,
    resonantNucleus: instance?.ResonantNucleus,
    seriesDescription: seriesDescription ?? instance?.SeriesDescription,
  });
}

/** Number of slices of a display set (instances, or frames of a multi-frame). */
export function sliceCount(ds: DisplaySet): number {
  return ds.numImageFrames ?? ds.instances?.length ?? 0;
}

/** Whether the display set can be denoised, with a reason a radiologist can act on when not. */
export function checkSodiumSeries(ds: DisplaySet | undefined): SodiumCheck {
  if (!ds) return { ok: false, reason: 'Select a viewport showing a sodium (23Na) MR series.' };
  if (ds.Modality && ds.Modality !== 'MR') {
    return { ok: false, reason: `This series is ${ds.Modality}, not a sodium (23Na) MR series.` };
  }
  const instance = ds.instance ?? ds.instances?.[0];
  const evidence = sodiumEvidence(instance, ds.SeriesDescription);
  if (!evidence) {
    const nucleus = statedNucleus({
      imagedNucleus: instance?.ImagedNucleus,
      resonantNucleus: instance?.ResonantNucleus,
    });
    return {
      ok: false,
      reason: nucleus
        ? `This series images ${nucleus}, not 23Na: the denoiser is trained for sodium MRI only.`
        : 'Not a sodium series: ImagedNucleus is not 23Na and the description does not mention sodium.',
    };
  }
  const slices = sliceCount(ds);
  if (slices < 2) {
    return { ok: false, reason: 'This series has a single slice: the denoiser needs a 3D volume (at least 2 slices).' };
  }
  if (ds.isReconstructable === false) {
    return {
      ok: false,
      reason: 'The slices of this series are not evenly spaced and parallel, so they do not form a volume.',
    };
  }
  return { ok: true, evidence, slices };
}

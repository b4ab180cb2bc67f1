// Scores of one test subject: pSNR and SSIM (brain mask) of the noisy input, NLM and DA against the mean of three and
// the noise-free truth, their relative improvements, and the sodium-quantification checks (ROI TSC error, tube bias,
// lesion contrast) with each image calibrated by its own two tubes.
import { psnr, relativeImprovement, ssim3d } from '../../core/metrics';
import type { Mask, Volume } from '../../core/volume';
import {
  calibrateWithTubes,
  lesionContrast,
  roiConcentration,
  signalToConcentration,
  maskedMean,
  surroundingShell,
  type CalibrationTube,
  type TubeCalibration,
} from './tsc';

export const METHODS = ['noisy', 'nlm', 'da'] as const;
export type Method = (typeof METHODS)[number];
export type Reference = 'mean3' | 'truth';

/** A region with a known true sodium concentration (from the cohort manifest). */
export interface QuantRoi {
  name: string;
  mask: Mask;
  trueMM: number;
}

export interface EvaluationSubject {
  id: string;
  /** The noisy input (acquisition 1). */
  input: Volume;
  mean3: Volume;
  truth?: Volume;
  brainMask: Mask;
  tubes?: CalibrationTube[];
  rois?: QuantRoi[];
  /** All lesions (non-zero = lesion) and their true concentration, for the contrast check. */
  lesion?: { mask: Mask; trueMM: number };
}

export interface ImageQuality {
  psnr: number;
  ssim: number;
  /** Percent over the noisy input (0 for the noisy input itself). */
  psnrGainPct: number;
  ssimGainPct: number;
}

export interface Quantification {
  calibration: { slope: number; intercept: number };
  /** Measured − true concentration per ROI (mM), own-tube calibration. */
  roiErrorMM: Record<string, number>;
  /** Measured concentration per ROI (mM). */
  roiMM: Record<string, number>;
  /** Measured − the same ROI measured on the reference image (truth when present), mM: the part the method causes. */
  roiShiftMM: Record<string, number>;
  /** Tube concentration read with the reference image's calibration − nominal (mM): how much the method shifts the tubes. */
  tubeBiasMM: number[];
  /** Lesion TSC / surrounding TSC. */
  lesionContrast: number | null;
  /** lesionContrast / the same contrast in the reference image (truth if present). 1 = contrast kept. */
  lesionContrastRatio: number | null;
}

export interface SubjectScores {
  id: string;
  quality: Record<Reference, Record<Method, ImageQuality> | null>;
  quant: Record<Method | 'truth' | 'mean3', Quantification> | null;
  seconds: Record<'nlm' | 'da', number>;
}

/** Thickness (voxels) of the tissue shell around a lesion used as its background. */
const LESION_SHELL_VOXELS = 2;

export function scoreSubject(
  subject: EvaluationSubject,
  denoised: { nlm: Volume; da: Volume },
  seconds: Record<'nlm' | 'da', number>,
): SubjectScores {
  const images: Record<Method, Volume> = { noisy: subject.input, nlm: denoised.nlm, da: denoised.da };
  const quality = (ref: Volume): Record<Method, ImageQuality> => {
    const raw = Object.fromEntries(
      METHODS.map((m) => [
        m,
        {
          psnr: psnr(ref, images[m], subject.brainMask),
          ssim: ssim3d(ref, images[m], { mask: subject.brainMask }).mean,
        },
      ]),
    ) as Record<Method, { psnr: number; ssim: number }>;
    return Object.fromEntries(
      METHODS.map((m) => [
        m,
        {
          ...raw[m],
          psnrGainPct: relativeImprovement(raw.noisy.psnr, raw[m].psnr),
          ssimGainPct: relativeImprovement(raw.noisy.ssim, raw[m].ssim),
        },
      ]),
    ) as Record<Method, ImageQuality>;
  };
  return {
    id: subject.id,
    quality: { mean3: quality(subject.mean3), truth: subject.truth ? quality(subject.truth) : null },
    quant: quantify(subject, images),
    seconds,
  };
}

function quantify(subject: EvaluationSubject, images: Record<Method, Volume>): SubjectScores['quant'] {
  if (!subject.tubes || subject.tubes.length < 2) return null;
  const tubes = subject.tubes;
  const all: Record<Method | 'truth' | 'mean3', Volume | undefined> = {
    ...images,
    mean3: subject.mean3,
    truth: subject.truth,
  };
  const reference = subject.truth ?? subject.mean3;
  const refCal = calibrateWithTubes(reference, tubes);
  const surround = subject.lesion
    ? surroundingShell(subject.lesion.mask, reference.dims, LESION_SHELL_VOXELS, subject.brainMask)
    : null;
  const contrastOf = (img: Volume, cal: TubeCalibration) =>
    subject.lesion && surround ? lesionContrast(img, subject.lesion.mask, surround, cal) : null;
  const refContrast = contrastOf(reference, refCal);
  const refRoiMM = Object.fromEntries(
    (subject.rois ?? []).map((r) => [r.name, roiConcentration(reference, r.mask, refCal)]),
  );
  const out = {} as Record<Method | 'truth' | 'mean3', Quantification>;
  for (const [name, img] of Object.entries(all) as [Method | 'truth' | 'mean3', Volume | undefined][]) {
    if (!img) continue;
    const cal = calibrateWithTubes(img, tubes);
    const roiMM: Record<string, number> = {};
    const roiErrorMM: Record<string, number> = {};
    const roiShiftMM: Record<string, number> = {};
    for (const roi of subject.rois ?? []) {
      const c = roiConcentration(img, roi.mask, cal);
      if (c === null) continue;
      roiMM[roi.name] = c;
      roiErrorMM[roi.name] = c - roi.trueMM;
      const r = refRoiMM[roi.name];
      if (r !== null && r !== undefined) roiShiftMM[roi.name] = c - r;
    }
    const tubeBiasMM = tubes.map(
      (t) => signalToConcentration(maskedMean(img.data, t.mask) as number, refCal) - t.concentrationMM,
    );
    const contrast = contrastOf(img, cal);
    out[name] = {
      calibration: { slope: cal.slope, intercept: cal.intercept },
      roiErrorMM,
      roiMM,
      roiShiftMM,
      tubeBiasMM,
      lesionContrast: contrast,
      lesionContrastRatio: contrast !== null && refContrast ? contrast / refContrast : null,
    };
  }
  return out;
}

// Turns a cohort subject (acquisitions, mean of three, truth, masks, labels, manifest concentrations) into what the
// scorer needs: the noisy input, references, brain mask, calibration tubes and quantification ROIs.
import { TISSUE_LABEL } from '../../phantom/types';
import type { Mask, Volume } from '../../core/volume';
import type { EvaluationSubject, QuantRoi } from './subjectScores';

/** The cohort fields evaluation reads; all but id, acquisitions and mean3 are optional (a real cohort may lack them). */
export interface CohortSubjectData {
  id: string;
  acquisitions: readonly Volume[];
  mean3: Volume;
  truth?: Volume;
  brainMask: Mask;
  labels?: Uint8Array;
  lesionMask?: Uint8Array;
  tubeMask?: Uint8Array;
  tubes?: readonly { label: number; concentrationMM: number }[];
  lesions?: readonly { label: number; concentrationMM: number; voxels: number }[];
  tissueConcentrationsMM?: Partial<Record<string, number>>;
}

const ROI_TISSUES = [
  ['GM', 'gm', TISSUE_LABEL.gm],
  ['WM', 'wm', TISSUE_LABEL.wm],
  ['CSF', 'csf', TISSUE_LABEL.csf],
] as const;

export function toEvaluationSubject(s: CohortSubjectData): EvaluationSubject {
  if (s.acquisitions.length < 1) throw new Error(`subject ${s.id} has no acquisitions to denoise`);
  const n = s.mean3.data.length;
  const selectLabel = (labels: Uint8Array, value: number): Mask => {
    const m = new Uint8Array(n);
    for (let i = 0; i < n; i++) m[i] = labels[i] === value ? 1 : 0;
    return m;
  };
  const tubes =
    s.tubeMask && s.tubes && s.tubes.length >= 2
      ? s.tubes.map((t) => ({ mask: selectLabel(s.tubeMask!, t.label), concentrationMM: t.concentrationMM }))
      : undefined;
  const rois: QuantRoi[] = [];
  if (s.labels && s.tissueConcentrationsMM) {
    for (const [name, key, label] of ROI_TISSUES) {
      const trueMM = s.tissueConcentrationsMM[key];
      if (trueMM !== undefined) rois.push({ name, mask: selectLabel(s.labels, label), trueMM });
    }
  }
  // The largest lesion (by voxels) is the lesion ROI: smaller ones are mostly partial volume at 4 mm.
  let lesion: EvaluationSubject['lesion'];
  const biggest = s.lesions?.filter((l) => l.voxels > 0).sort((a, b) => b.voxels - a.voxels)[0];
  if (biggest && s.lesionMask) {
    const mask = selectLabel(s.lesionMask, biggest.label);
    lesion = { mask, trueMM: biggest.concentrationMM };
    rois.push({ name: 'lesion', mask, trueMM: biggest.concentrationMM });
  }
  return {
    id: s.id,
    input: s.acquisitions[0],
    mean3: s.mean3,
    truth: s.truth,
    brainMask: s.brainMask,
    tubes,
    rois,
    lesion,
  };
}

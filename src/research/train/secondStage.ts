// Training subjects for a second DA stage (da-wide): the frozen first stage denoises every acquisition once, in the
// scale inference uses (the raw acquisition's), and each acquisition's label is the mean of the *other* acquisitions,
// whose noise is independent of the input's (Noise2Noise): the second stage learns to remove what the first left
// without learning to keep any of the input's own noise. Patches are centred in the head (SECOND_STAGE_SHARE), so
// the first stage runs only there plus the patch margin.
import { findHead } from '../../core/brain-mask';
import { volumeLike, type Volume } from '../../core/volume';
import { PATCH_RADIUS } from '../../model/da/architecture';
import { denoiseDA } from '../../model/da/infer';
import type { DARunner } from '../../jobs/denoise';
import { growMask } from '../../model/da/stages';
import type { LoadedDA } from '../../model/da/weights-io';
import type { CohortSubjectData } from '../evaluate/evaluationSubject';
import { prepareTrainingSubject, type TrainingSubject } from './trainingSubject';

/** Per acquisition i, the voxelwise mean of every acquisition but i. Needs at least two acquisitions. */
export function meansOfOthers(acquisitions: readonly Volume[]): Volume[] {
  const n = acquisitions.length;
  if (n < 2) throw new Error(`a label from the other acquisitions needs at least 2, got ${n}`);
  const len = acquisitions[0].data.length;
  const sum = new Float64Array(len);
  for (const a of acquisitions) for (let v = 0; v < len; v++) sum[v] += a.data[v];
  return acquisitions.map((a) => {
    const out = new Float32Array(len);
    for (let v = 0; v < len; v++) out[v] = (sum[v] - a.data[v]) / (n - 1);
    return volumeLike(a, out);
  });
}

/**
 * A cohort subject as the second stage trains on it.
 * @example const s = await prepareSecondStageSubject(await cohort.load('sub-01'), await loadDA('weights/da-wide/stage1'));
 */
export async function prepareSecondStageSubject(
  s: CohortSubjectData,
  stage1: LoadedDA,
  log?: (line: string) => void,
  run: DARunner = denoiseDA,
): Promise<TrainingSubject> {
  const t0 = performance.now();
  const base = prepareTrainingSubject(s, stage1.card.normalisation);
  // The head as inference finds it (on the input; here on the mean of the repeats), so low-SNR noise above the
  // intensity threshold does not count as head; the brain always does.
  const head = findHead(s.mean3);
  const centres = new Uint8Array(s.brainMask.length);
  for (let i = 0; i < centres.length; i++) centres[i] = s.brainMask[i] ? 1 : 0;
  const rest = Int32Array.from((base.pools?.head ?? []).filter((v) => head[v] !== 0));
  for (const v of rest) centres[v] = 1;
  const mask = growMask(centres, s.mean3.dims, PATCH_RADIUS);
  const acquisitions = [];
  for (const a of base.acquisitions) {
    // The runner computes the same scale from the same acquisition (a worker pool splits it over cores).
    const out = await run(a.volume, stage1, { mask });
    if (Math.abs(out.scale - a.scale) > 1e-6 * a.scale)
      throw new Error(`${s.id}: the first stage ran at scale ${out.scale}, the training at ${a.scale}`);
    acquisitions.push({ ...a, volume: out.volume });
  }
  log?.(
    `${s.id}: first stage on ${acquisitions.length} × ${mask.reduce((n, m) => n + m, 0)} voxels in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const pools = { head: rest, tube: new Int32Array(0), background: new Int32Array(0) };
  return { ...base, pools, acquisitions, labels: meansOfOthers(s.acquisitions) };
}

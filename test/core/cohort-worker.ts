// Worker thread for the brain-mask cohort test: generates phantom subjects and measures the automatic mask on them.
import { parentPort, workerData } from 'node:worker_threads';
import { computeBrainMask } from '../../src/core/brain-mask';
import { and, countMask, dice } from '../../src/core/mask';
import { psnr, ssim3d } from '../../src/core/metrics';
import { estimateNoiseSigma, estimateSnr } from '../../src/core/noise';
import { resolvePhantomParams } from '../../src/phantom/params';
import { generateSubject } from '../../src/phantom/subject';
import { TISSUE_LABEL } from '../../src/phantom/types';

export interface CohortRow {
  id: string;
  diceMean3: number;
  diceAcq1: number;
  eyeVoxelsInMask: number;
  tubeVoxelsInMask: number;
  psnrAcq1: number;
  ssimAcq1: number;
  sigmaTrue: number;
  sigmaEstimated: number;
  snrTrue: number;
  /** Reference-free SNR of acquisition 1 over its own automatic brain mask. */
  snrEstimated: number;
  ms: number;
}

const { indices } = workerData as { indices: number[] };
const params = resolvePhantomParams();
const rows: CohortRow[] = indices.map((index) => {
  const t0 = performance.now();
  const sub = generateSubject(params, index);
  const mask = computeBrainMask(sub.mean3);
  const maskAcq1 = computeBrainMask(sub.acquisitions[0]);
  const eyes = sub.labels.map((l) => (l === TISSUE_LABEL.eye ? 1 : 0));
  return {
    id: sub.id,
    diceMean3: dice(mask, sub.brainMask),
    diceAcq1: dice(maskAcq1, sub.brainMask),
    eyeVoxelsInMask: countMask(and(mask, eyes)),
    tubeVoxelsInMask: countMask(and(mask, sub.tubeMask)),
    psnrAcq1: psnr(sub.mean3, sub.acquisitions[0], sub.brainMask),
    ssimAcq1: ssim3d(sub.mean3, sub.acquisitions[0], { mask: sub.brainMask }).mean,
    sigmaTrue: sub.noiseSigma,
    sigmaEstimated: estimateNoiseSigma(sub.acquisitions[0]).sigma,
    snrTrue: sub.snr,
    snrEstimated: estimateSnr(sub.acquisitions[0], maskAcq1).snr,
    ms: performance.now() - t0,
  };
});
parentPort!.postMessage(rows);

// From fine labels to the acquisition grid: dominant tissue, brain mask (≥ 50 % brain), lesion and tube masks.
import type { FineModel } from './model';
import { TISSUE_LABEL } from './types';

/** Label numbers copied into plain locals: hot loops read them millions of times. */
const L = { ...TISSUE_LABEL } as const;
const { lesion: LESION, csf: CSF, gm: GM, wm: WM, tube: TUBE } = L;

export interface GridMasks {
  labels: Uint8Array;
  brainMask: Uint8Array;
  lesionMask: Uint8Array;
  tubeMask: Uint8Array;
}

/** Candidate labels in tie-break order (earlier wins). */
const BRAIN = Int32Array.from([L.lesion, L.csf, L.gm, L.wm]);
const NON_BRAIN = Int32Array.from([L.tube, L.eye, L.bone, L.scalp, L.background]);

function argmax(counts: Int32Array, candidates: Int32Array): number {
  let best = candidates[0];
  for (let c = 1; c < candidates.length; c++) if (counts[candidates[c]] > counts[best]) best = candidates[c];
  return best;
}

function mostFrequent(values: number[]): number {
  let best = values[0] ?? 0;
  let bestCount = 0;
  for (const v of values) {
    let c = 0;
    for (const w of values) if (w === v) c++;
    if (c > bestCount) [best, bestCount] = [v, c];
  }
  return best;
}

/**
 * Each acquisition voxel covers oversampling³ fine voxels. It is brain when at least half of them are brain tissue
 * (GM, WM, intracranial CSF, lesion); its label is then the most frequent brain tissue, otherwise the most frequent
 * other label, so that brainMask and labels always agree.
 */
export function downsampleMasks(model: FineModel, m: number, oversampling: number): GridMasks {
  const n = model.n;
  const os = oversampling;
  const size = m * m * m;
  const out: GridMasks = {
    labels: new Uint8Array(size),
    brainMask: new Uint8Array(size),
    lesionMask: new Uint8Array(size),
    tubeMask: new Uint8Array(size),
  };
  const counts = new Int32Array(9);
  const fineLabels = model.labels;
  const fineParts = model.partIds;
  const half = os ** 3 / 2;
  // Lesion/tube numbers seen in the current block (few distinct values, so a short list beats a table).
  const parts: number[] = [];
  for (let k = 0, idx = 0; k < m; k++) {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < m; i++, idx++) {
        counts.fill(0);
        parts.length = 0;
        for (let c = 0; c < os; c++) {
          for (let b = 0; b < os; b++) {
            let f = os * i + n * (os * j + b + n * (os * k + c));
            for (let a = 0; a < os; a++, f++) {
              counts[fineLabels[f]]++;
              if (fineParts[f]) parts.push(fineParts[f]);
            }
          }
        }
        const brain = counts[LESION] + counts[CSF] + counts[GM] + counts[WM];
        const isBrain = brain >= half;
        const label = isBrain ? argmax(counts, BRAIN) : argmax(counts, NON_BRAIN);
        out.labels[idx] = label;
        out.brainMask[idx] = isBrain ? 1 : 0;
        if (label === LESION) out.lesionMask[idx] = mostFrequent(parts);
        else if (label === TUBE) out.tubeMask[idx] = mostFrequent(parts);
      }
    }
  }
  return out;
}

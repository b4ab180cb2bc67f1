// The regime check's words: no warning inside the card's training range, one plain sentence per axis outside it,
// and the shipped card's trainingRange (what the weights were trained on). Pure: runs in well under a second.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RegimeEstimate } from '../../src/core/regime';
import { regimeWarnings } from '../../src/jobs/regime';
import { parseModelCard, type TrainingRange } from '../../src/model/da/card';

const card = parseModelCard(
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'weights', 'da', 'model-card.json'), 'utf8')),
);
const range = card.trainingRange as TrainingRange;
const inside: RegimeEstimate = {
  sigma: 19.6,
  brainSnr: 13,
  noiseCorrelation: [0.05, 0, 0.03],
  voxelSizeMm: [4, 4, 4],
  matrix: [64, 64, 64],
};

describe("the shipped card's trainingRange", () => {
  it('holds what the weights were trained on: white noise, brain SNR 13 (9.2 with the added noise), 4 mm, 64³', () => {
    expect(card.training.data).toMatch(/64³ voxels of 4 mm, brain SNR 13 .*white Rician noise/);
    const holds = (v: number, [lo, hi]: [number, number]) => v >= lo && v <= hi;
    expect(holds(13, range.brainSnr) && holds(13 / Math.SQRT2, range.brainSnr)).toBe(true);
    expect(holds(0, range.noiseCorrelation) && range.noiseCorrelation[1] <= 0.3).toBe(true);
    expect(holds(4, range.voxelSizeMm)).toBe(true);
    expect(range.matrix).toEqual([64, 64]);
  });

  it('is validated when a card carries one', () => {
    const json = JSON.parse(JSON.stringify(card));
    json.trainingRange.brainSnr = [15, 8];
    expect(() => parseModelCard(json)).toThrow(/trainingRange\.brainSnr must be \[min, max\] with min ≤ max/);
  });
});

describe('regimeWarnings', () => {
  it('says nothing inside the range', () => {
    expect(regimeWarnings(inside, range)).toEqual([]);
  });

  it('names each axis outside the range in plain words', () => {
    const outside = { ...inside, noiseCorrelation: [0.63, 0.62, 0.6], brainSnr: 4.2, voxelSizeMm: [2, 2, 2] };
    expect(regimeWarnings(outside as RegimeEstimate, range)).toEqual([
      'noise is spatially correlated (0.63); this model was trained on ≤ 0.3: compare with NLM',
      'brain SNR is 4.2, lower than the 8–15 this model was trained on: compare with NLM',
      'voxels are 2 mm; this model was trained on 3.5–4.5 mm: compare with NLM',
    ]);
    expect(regimeWarnings({ ...inside, matrix: [128, 128, 96] }, range)).toEqual([
      'the matrix is 128×128×96; this model was trained on 64³: compare with NLM',
    ]);
  });

  it('says when it cannot check', () => {
    expect(regimeWarnings(inside, undefined)).toEqual([
      "this model's card records no training range, so its regime cannot be checked",
    ]);
    expect(regimeWarnings(null, range)[0]).toMatch(/could not be estimated/);
  });
});

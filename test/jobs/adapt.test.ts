// Study adaptation (jobs/adapt): Noise2Noise pairs whose label never holds the input acquisition, held-out slabs no
// training patch touches (5³ footprint included, and the whitening kernel's reach), the refusal path, cancel, the
// time budget, whitening for correlated noise, and the card.
// Runtime: ~1 min on the shared 2-core machine (a 32³ phantom, runs of a few seconds).
import { createVolume, type Volume } from '../../src/core/volume';
import { splitmix32Words } from '../../src/core/random';
import {
  adaptDA,
  BLEND_MIN_GAIN_PERCENT,
  centreRegions,
  leaveOneOutMeans,
  PairSampler,
  splitSlabs,
  studyHash,
  NOT_ADAPTED_NOTE,
  heldOutDAMse,
  heldOutNlmComparison,
  nlmComparisonText,
  slabMasks,
  type NlmComparison,
} from '../../src/jobs/adapt';
import { fitBlendWeight } from '../../src/core/blend';
import { NLM_DEFAULTS } from '../../src/model/nlm/params';
import { denoiseDA } from '../../src/model/da/infer';
import { nlmeans } from '../../src/model/nlm/nlm-cpu';
import { growMask } from '../../src/model/da/stages';
import { adaptedCard, studyTrainingRange, type StudyRegime } from '../../src/jobs/adapt/card';
import { regimeWarnings } from '../../src/jobs/regime';
import type { TrainingRange } from '../../src/model/da/card';
import { footprintSlices, voxelsOnSlices } from '../../src/jobs/adapt/split';
import { filterSeparable } from '../../src/core/whitening';
import { studyWhitening, WHITENING_DEFAULTS } from '../../src/jobs/adapt/whitening';
import { HAMMING_WHITENING } from '../model/da/helpers';
import { PATCH_VOXELS } from '../../src/model/da/architecture';
import { loadDA } from '../../src/model/da/weights-io';
import { modelWeightsSource } from '../../src/model/da/models';
import { weightsChecksum } from '../../src/model/da/weights-bytes';
import { generateSubject, resolvePhantomParams } from '../../src/phantom';

const dims: [number, number, number] = [9, 8, 40];
const n = dims[0] * dims[1] * dims[2];
const constant = (value: number): Volume => createVolume({ dims, data: new Float32Array(n).fill(value) });

describe('pairs', () => {
  it('labels are the mean of the OTHER acquisitions: the input acquisition never enters its label', () => {
    // Markers 1, 10, 100, 1000: any share of the input's own marker in its label would show in the digits.
    const markers = [1, 10, 100, 1000];
    const acqs = markers.map(constant);
    const labels = leaveOneOutMeans(acqs);
    markers.forEach((m, i) => {
      const others = markers.filter((_, j) => j !== i);
      expect(labels[i][0]).toBeCloseTo(others.reduce((a, b) => a + b, 0) / others.length, 3);
    });
    const prepared = acqs.map((volume, i) => ({ volume, sigma: 1, scale: markers[i] }));
    const all = new Int32Array(n).map((_, i) => i);
    const sampler = new PairSampler(prepared, [{ name: 'all', voxels: all, share: 1 }], 0, splitmix32Words(4));
    const count = 400;
    const patches = new Float32Array(count * PATCH_VOXELS);
    const targets = new Float32Array(count);
    const sources = new Int32Array(count);
    sampler.fill(patches, targets, count, true, sources);
    const seen = new Set<number>();
    for (let b = 0; b < count; b++) {
      const i = sources[b];
      seen.add(i);
      // The input is acquisition i (normalised by its scale, k = 0: no added noise) …
      expect(patches[b * PATCH_VOXELS + 62] * markers[i]).toBeCloseTo(markers[i], 3);
      // … and its label is exactly the mean of the others, in the same units.
      expect(targets[b] * markers[i]).toBeCloseTo(labels[i][0], 2);
    }
    expect(seen.size).toBe(markers.length);
  });

  it('a label does not change when the input acquisition changes', () => {
    const acqs = [constant(5), constant(7), constant(11)];
    const before = leaveOneOutMeans(acqs);
    acqs[1].data.fill(1e6);
    const after = leaveOneOutMeans(acqs);
    expect(after[1]).toEqual(before[1]);
    expect(after[0][0]).not.toBeCloseTo(before[0][0]);
  });
});

describe('held-out slabs', () => {
  it('hold out every fourth block of 8 slices', () => {
    const s = splitSlabs(64);
    const held = [...s.heldOut.keys()].filter((k) => s.heldOut[k]);
    expect(held).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 48, 49, 50, 51, 52, 53, 54, 55]);
    expect(s.trainSlices[13]).toBe(1);
    expect(s.trainSlices[14]).toBe(0); // its 5³ footprint reaches slice 16
    expect(s.trainSlices[26]).toBe(1);
    expect(s.trainSlices[25]).toBe(0);
  });

  it.each([40, 64, 21])('no training patch reads a held-out voxel (%i slices, borders reflected)', (nz) => {
    const d: [number, number, number] = [7, 6, nz];
    const split = splitSlabs(nz);
    const vol = createVolume({ dims: d });
    const plane = d[0] * d[1];
    const MARK = 1e6;
    for (let i = 0; i < vol.data.length; i++) vol.data[i] = split.heldOut[Math.floor(i / plane)] ? MARK : 1;
    const everywhere = new Uint8Array(vol.data.length).fill(1);
    const pool = voxelsOnSlices(everywhere, d, split.trainSlices);
    expect(pool.length).toBeGreaterThan(0);
    const acqs = [vol, createVolume({ dims: d, data: vol.data.slice() })];
    const sampler = new PairSampler(
      acqs.map((volume) => ({ volume, sigma: 0.1, scale: 1 })),
      [{ name: 'train', voxels: pool, share: 1 }],
      1,
      splitmix32Words(9),
    );
    const count = 3000;
    const patches = new Float32Array(count * PATCH_VOXELS);
    const targets = new Float32Array(count);
    sampler.fill(patches, targets, count);
    expect(patches.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(MARK / 2);
    expect(targets.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(MARK / 2);
  });

  it('with whitening, no training patch reads a held-out voxel through the filter either (radius 4 along z)', () => {
    const radius = 4;
    const nz = 64;
    const d: [number, number, number] = [7, 6, nz];
    const split = splitSlabs(nz, {}, 1, radius);
    // Slices 16–23 are held out: a 5-slice patch through a 9-slice filter reaches 6 slices either side.
    expect(split.trainSlices[9]).toBe(1);
    expect(split.trainSlices[10]).toBe(0);
    expect(split.trainSlices[30]).toBe(1);
    expect(split.trainSlices[29]).toBe(0);
    expect(footprintSlices(1, nz, 1, radius)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const vol = createVolume({ dims: d });
    const plane = d[0] * d[1];
    const MARK = 1e6;
    for (let i = 0; i < vol.data.length; i++) vol.data[i] = split.heldOut[Math.floor(i / plane)] ? MARK : 1;
    const identity = Float64Array.of(1);
    const box = new Float64Array(2 * radius + 1).fill(1 / (2 * radius + 1));
    const whitened = [vol, vol].map((a) => filterSeparable(a, [identity, identity, box]));
    const everywhere = new Uint8Array(vol.data.length).fill(1);
    const sampler = new PairSampler(
      whitened.map((volume) => ({ volume, sigma: 0.1, scale: 1 })),
      [{ name: 'train', voxels: voxelsOnSlices(everywhere, d, split.trainSlices), share: 1 }],
      0,
      splitmix32Words(9),
    );
    const count = 3000;
    const patches = new Float32Array(count * PATCH_VOXELS);
    const targets = new Float32Array(count);
    sampler.fill(patches, targets, count);
    // One held-out voxel in a filter's reach would add MARK / 9 ≈ 1e5.
    expect(patches.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(1.01);
    expect(targets.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(1.01);
  });

  it('refuses a volume too thin to hold out a slab and train', () => {
    expect(() => splitSlabs(12)).toThrow(/too few/);
  });
});

describe("the adapted card's training range", () => {
  it("widens the parent's range to hold the study's regime check, so that study no longer warns", () => {
    const parent: TrainingRange = {
      description: 'white noise, SNR 13',
      brainSnr: [8, 15],
      noiseCorrelation: [0, 0.3],
      voxelSizeMm: [3.5, 4.5],
      matrix: [64, 64],
    };
    const regime: StudyRegime = {
      sigma: [10, 10],
      brainSnr: 19,
      voxelSizeMm: [2, 2, 2],
      matrix: [128, 128, 128],
      acquisitions: 2,
      method: 'test',
      check: { brainSnr: 20, noiseCorrelation: 0.6, warnings: [] },
    };
    const range = studyTrainingRange(parent, regime);
    expect(range).toMatchObject({
      brainSnr: [8, 22],
      noiseCorrelation: [0, 0.65],
      voxelSizeMm: [2, 4.5],
      matrix: [64, 128],
    });
    expect(range.description).toMatch(
      /^white noise, SNR 13; then adapted to one study \(2 acquisitions; acquisition 1: brain SNR 20\.0, noise correlation 0\.60, 2 mm voxels, 128×128×128 matrix\)$/,
    );
    const estimate = {
      sigma: 10,
      brainSnr: 20,
      noiseCorrelation: [0.6, 0.5, 0.4] as [number, number, number],
      voxelSizeMm: [2, 2, 2] as [number, number, number],
      matrix: [128, 128, 128] as [number, number, number],
    };
    expect(regimeWarnings(estimate, parent)).toHaveLength(4);
    expect(regimeWarnings(estimate, range)).toEqual([]);
    // Nothing measured: the parent's range, only the voxel size and matrix added.
    const bare = studyTrainingRange(parent, {
      ...regime,
      check: { brainSnr: null, noiseCorrelation: null, warnings: [] },
    });
    expect(bare).toMatchObject({ brainSnr: [8, 15], noiseCorrelation: [0, 0.3] });
  });
});

describe('centre regions', () => {
  it("da-wide's first stage runs on the head grown by 2 voxels; its background centres stay inside that margin", () => {
    const d: [number, number, number] = [20, 20, 20];
    const head = new Uint8Array(8000);
    const brain = new Uint8Array(8000);
    for (let z = 6; z < 14; z++)
      for (let y = 6; y < 14; y++)
        for (let x = 6; x < 14; x++) {
          head[(z * 20 + y) * 20 + x] = 1;
          if (x > 7 && x < 12 && y > 7 && y < 12 && z > 7 && z < 12) brain[(z * 20 + y) * 20 + x] = 1;
        }
    const one = centreRegions(head, brain, d, 1);
    const two = centreRegions(head, brain, d, 2);
    expect(one.firstStageMask).toBeUndefined();
    expect(two.firstStageMask).toEqual(growMask(head, d, 2));
    const count = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);
    expect(count(two.firstStageMask!)).toBe(12 ** 3);
    for (const r of [one, two]) {
      expect(count(r.brain)).toBe(64);
      expect(count(r.rest)).toBe(512 - 64);
      for (let i = 0; i < 8000; i++) expect(r.brain[i] + r.rest[i] + r.background[i]).toBeLessThanOrEqual(1);
    }
    // One stage: all of the background; two: only the ring the second stage's patches read around the head.
    expect(count(one.background)).toBe(8000 - 512);
    expect(count(two.background)).toBe(12 ** 3 - 512);
    for (let i = 0; i < 8000; i++) if (two.background[i]) expect(two.firstStageMask![i]).toBe(1);
    expect(() => centreRegions(head, brain.subarray(1), d, 2)).toThrow(/not on one grid/);
  });
});

describe('adaptDA on a phantom study', () => {
  const subject = generateSubject(resolvePhantomParams({ matrix: 32, voxelSizeMm: 8, subjects: 1, seed: 7 }), 0);
  const acqs = subject.acquisitions;
  const study = studyHash(['1.2.826.0.1', '1.2.826.0.1.1', '1.2.826.0.1.2']);

  it('refuses fewer than two repeats with one line', async () => {
    const parent = await loadDA();
    await expect(adaptDA([acqs[0]], parent, { study })).rejects.toThrow(/^adaptation needs at least 2 repeated/);
  });

  it('stops at its time budget (a driven clock: every reading advances 0.25 s) and records the comparison', async () => {
    const parent = await loadDA();
    let ms = 0;
    const clock = () => (ms += 250);
    const seconds = 12;
    const r = await adaptDA(acqs, parent, { study, seconds, stepsPerEpoch: 3, validationSamples: 256, clock });
    expect(r.record.stopped).toBe('time');
    // The held-out scores are taken before training, inside the budget: a run the budget stops still has them.
    const c = r.record.nlm;
    expect(c && 'voxels' in c ? c.seconds : undefined).toBeLessThan(seconds);
    // A budget spent before the scores: the comparison is skipped, and says why.
    ms = 0;
    const short = await adaptDA(acqs, parent, { study, seconds: 1, validationSamples: 256, clock });
    expect(short.record.nlm).toEqual({ skipped: 'no time left in the budget' });
    expect(short.adapted).toBe(false);
    // Nothing starts that would end past the budget; the closing bookkeeping reads the clock a few more times.
    expect(r.record.seconds).toBeLessThanOrEqual(seconds + 1);
    expect(r.history.length).toBeGreaterThan(0);
    expect(r.history.every((h) => h.elapsedSeconds <= seconds + 0.5)).toBe(true);
    expect(r.record.parent).toMatchObject({ name: parent.card.name, version: parent.card.version });
    expect(r.record.study).toBe(study);
    expect(r.record.regime.acquisitions).toBe(3);
    expect(r.record.regime.sigma).toHaveLength(3);
    expect(r.record.regime.brainSnr).toBeGreaterThan(3);
    // The regime check of every acquisition, and acquisition 1's warnings against the parent's range.
    expect(r.record.regime.check?.brainSnr).toBeGreaterThan(3);
    expect(r.record.regime.check?.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/voxels are 8 mm|the matrix is 32×32×32/)]),
    );
    expect(r.record.split.heldOutSlices).toBe(8);
    const v = r.record.validation;
    expect(v.region).toBe('brain');
    expect(v.gainPercent).toBeCloseTo((100 * (v.parentLoss - v.adaptedLoss)) / v.parentLoss, 2);
    expect(r.record.parent.sha256).toBe(parent.checksum);
    if (r.adapted) {
      expect(r.model.card.name).toBe(`${parent.card.name}-adapted`);
      expect(v.adaptedLoss).toBeLessThan(v.parentLoss);
      expect(r.model.checksum).toBe(weightsChecksum(r.model.weights));
    } else {
      expect(r.model.weights).toBe(parent.weights);
      expect(r.model.checksum).toBe(parent.checksum);
      expect(r.model.card.notes?.join(' ')).toContain(NOT_ADAPTED_NOTE);
    }
  });

  it("a budget that runs out during da-wide's first-stage pass stops there and keeps the parent", async () => {
    const parent = await loadDA(modelWeightsSource('da-wide'));
    let ms = 0;
    const clock = () => (ms += 250);
    const r = await adaptDA(acqs, parent, { study, seconds: 3, validationSamples: 256, clock });
    expect(r.adapted).toBe(false);
    expect(r.record).toMatchObject({ stopped: 'time', epochs: 0, samples: 0 });
    expect(r.record.validation.gainPercent).toBe(0);
    // Stopped by the first check past the budget (the clock reads 0.25 s more each time), not after the whole pass.
    expect(r.record.seconds).toBeLessThanOrEqual(3 + 2);
    expect(r.model.stage2).toBe(parent.stage2);
    expect(r.model.checksum).toBe(parent.checksum);
  });

  it('cancels: rejects with the abort reason soon after Cancel, leaving the parent untouched', async () => {
    const parent = await loadDA();
    const before = Float32Array.from(parent.weights['conv1/kernel']);
    const controller = new AbortController();
    let at = 0;
    const run = adaptDA(acqs, parent, {
      study,
      seconds: 120,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage === 'training' && !controller.signal.aborted) {
          at = performance.now();
          controller.abort(new Error('cancelled by the user'));
        }
      },
    });
    await expect(run).rejects.toThrow('cancelled by the user');
    expect((performance.now() - at) / 1000).toBeLessThan(10);
    expect(parent.weights['conv1/kernel']).toEqual(before);
  });
});

describe('held-out comparison with NLM', () => {
  const subject = generateSubject(resolvePhantomParams({ matrix: 32, voxelSizeMm: 8, subjects: 1, seed: 7 }), 0);
  const acqs = subject.acquisitions;
  const brain = subject.brainMask;
  const split = splitSlabs(acqs[0].dims[2]);
  const plane = acqs[0].dims[0] * acqs[0].dims[1];
  const heldOut = Uint8Array.from(brain, (m, v) => (m && split.validationSlices[Math.floor(v / plane)] ? 1 : 0));
  const mse = (a: Float32Array, b: Float32Array, mask: Uint8Array) => {
    let sum = 0;
    let count = 0;
    for (let v = 0; v < mask.length; v++) {
      if (!mask[v]) continue;
      sum += (a[v] - b[v]) ** 2;
      count++;
    }
    return sum / count;
  };

  it('slabMasks splits a mask into runs of slices: disjoint, and together the mask', () => {
    const slabs = slabMasks(heldOut, acqs[0].dims);
    expect(slabs.length).toBe(1); // 32 slices: one held-out block (16–23)
    // The held-out slab plus the brain on one slice well below it: two runs of slices.
    const slice = (v: number) => Math.floor(v / plane);
    const z = slice(brain.findIndex((m) => m !== 0));
    expect(z).toBeLessThan(14);
    const both = Uint8Array.from(heldOut, (m, v) => (m || (brain[v] && slice(v) === z) ? 1 : 0));
    const two = slabMasks(both, acqs[0].dims);
    expect(two.length).toBe(2);
    const union = new Uint8Array(brain.length);
    for (const m of two) m.forEach((x, v) => (union[v] += x));
    expect(union).toEqual(both);
  });

  it("scores the DA and NLM against the other acquisitions' mean, exactly as a whole-volume run would", async () => {
    const model = await loadDA();
    const labels = leaveOneOutMeans(acqs);
    const sigmas = [20, 21, 22];
    const c = await heldOutNlmComparison(acqs, labels, model, heldOut, sigmas);
    let da = 0;
    let nlm = 0;
    const outputs: { da: Float32Array[]; nlm: Float32Array[] } = { da: [], nlm: [] };
    for (let i = 0; i < 3; i++) {
      outputs.da.push((await denoiseDA(acqs[i], model, { mask: brain })).volume.data);
      outputs.nlm.push((await nlmeans(acqs[i], { sigma: sigmas[i] }, { mask: brain })).data);
      da += mse(outputs.da[i], labels[i], heldOut) / 3;
      nlm += mse(outputs.nlm[i], labels[i], heldOut) / 3;
    }
    expect(c.voxels).toBe(3 * heldOut.reduce((a, b) => a + b, 0));
    expect(c.daMse).toBeCloseTo(da, 2);
    expect(c.nlmMse).toBeCloseTo(nlm, 2);
    // Var(mean of the other two) = (σⱼ² + σₖ²)/4, averaged over the three inputs.
    expect(c.labelNoise).toBeCloseTo((21 ** 2 + 22 ** 2 + 20 ** 2 + 22 ** 2 + 20 ** 2 + 21 ** 2) / 4 / 3, 6);
    expect(c.daAheadDb).toBeCloseTo(10 * Math.log10((c.nlmMse - c.labelNoise) / (c.daMse - c.labelNoise)), 2);
    // The blend: the least-squares weight on the same voxels, its MSE below both, its gain against the truth estimate.
    const b = c.blend!;
    expect(b.weight).toBeCloseTo(fitBlendWeight(outputs.da, outputs.nlm, labels, heldOut).weight, 3);
    expect(b.mse).toBeLessThanOrEqual(Math.min(c.daMse, c.nlmMse) + 1e-3);
    const [daErr, blendErr] = [c.daMse - c.labelNoise, b.mse - c.labelNoise];
    expect(b.gainPercent).toBeCloseTo((100 * (daErr - blendErr)) / daErr, 2);
    expect(b.kept).toBe(b.weight > 0 && b.gainPercent >= BLEND_MIN_GAIN_PERCENT);
    const text = nlmComparisonText({ nlm: { ...c, blend: { ...b, kept: false } } })!;
    expect(text).toMatch(c.daAheadDb! >= 0 ? /^the DA is [\d.]+ dB ahead of NLM/ : /^NLM is [\d.]+ dB ahead/);
    expect(nlmComparisonText({ nlm: { ...c, blend: { ...b, kept: true } } })).toMatch(
      /^blended with NLM \(weight [\d.]+\): ([\d.]+ dB (ahead of|behind) NLM|within the label noise of NLM) on the held-out slabs \(the DA alone: /,
    );
  });

  it('an adaptation with time left records the comparison in its card', async () => {
    const parent = await loadDA();
    const study = studyHash(['1.2.826.0.1']);
    const r = await adaptDA(acqs, parent, {
      study,
      seconds: 120,
      stepsPerEpoch: 2,
      patience: 1,
      validationSamples: 256,
      brainMask: brain,
    });
    const c = r.record.nlm;
    expect(c && 'voxels' in c ? c.voxels : 0).toBe(3 * heldOut.reduce((a, b) => a + b, 0));
    const seconds = c && 'seconds' in c ? c.seconds : undefined;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(r.record.seconds);
    expect(r.model.card.notes).toContain(nlmComparisonText(r.record));
    // The card blends NLM in exactly when the held-out slabs kept the blend, with the NLM the slabs ran.
    const blend = c && 'blend' in c ? c.blend : undefined;
    expect(blend).toBeDefined();
    // Not kept: no blend on the card, so SURE picks the weight on each input, as for every DA run.
    expect(r.model.card.nlmBlend).toEqual(blend!.kept ? { weight: blend!.weight, ...NLM_DEFAULTS } : undefined);
    const kept = { ...r.record, nlm: { ...(c as NlmComparison), blend: { ...blend!, kept: true, weight: 0.5 } } };
    expect(adaptedCard(parent.card, kept, 'now').nlmBlend).toEqual({ weight: 0.5, ...NLM_DEFAULTS });
    const dropped = { ...r.record, nlm: { ...(c as NlmComparison), blend: { ...blend!, kept: false } } };
    expect(adaptedCard(parent.card, dropped, 'now').nlmBlend).toBeUndefined();
    // A parent's own blend (fitted to its study) never carries over to another study's card.
    const blendedParent = { ...parent.card, nlmBlend: { weight: 0.9, ...NLM_DEFAULTS } };
    expect(adaptedCard(blendedParent, dropped, 'now').nlmBlend).toBeUndefined();
    const skipped = { ...r.record, nlm: { skipped: 'no time left in the budget' } };
    expect(adaptedCard(blendedParent, skipped, 'now').nlmBlend).toBeUndefined();
    expect(adaptedCard(blendedParent, kept, 'now').nlmBlend).toEqual({ weight: 0.5, ...NLM_DEFAULTS });
    // The card states the noise model: by default the input carries only the study's own noise.
    const protocol = (k: number) =>
      adaptedCard(parent.card, { ...r.record, result: 'adapted', noiseLevel: k }, 'now').training.protocol;
    expect(protocol(r.record.noiseLevel)).toMatch(/as acquired .*k = 0: no noise added/);
    expect(protocol(0.5)).toMatch(/^input = one acquisition \+ white Gaussian noise σ_add = 0\.5·σ̂;/);
    expect(r.record.seconds).toBeLessThan(120);
  });
});

describe('whitening for spatially correlated noise', () => {
  const apodised = generateSubject(
    resolvePhantomParams({ matrix: 32, voxelSizeMm: 8, subjects: 1, seed: 7, noise: 'apodised' }),
    0,
  );
  const white = generateSubject(resolvePhantomParams({ matrix: 32, voxelSizeMm: 8, subjects: 1, seed: 7 }), 0);
  const split = splitSlabs(32, {}, 1, WHITENING_DEFAULTS.radius);
  const study = studyHash(['1.2.826.0.1.9']);
  const plane = 32 * 32;
  const heldOutOf = (sp: typeof split) =>
    Uint8Array.from(apodised.brainMask, (m, v) => (m && sp.validationSlices[Math.floor(v / plane)] ? 1 : 0));

  it('is measured on the training slices: correlated for apodised repeats, none for white noise or equal repeats', () => {
    const w = studyWhitening(apodised.acquisitions, apodised.brainMask, split)!;
    expect(w.lag1).toBeGreaterThan(0.4);
    expect(w.spec).toMatchObject({ floor: 0.25, strength: 0.5, radius: WHITENING_DEFAULTS.radius });
    for (const r of w.spec.correlations) expect(r).toHaveLength(WHITENING_DEFAULTS.maxLag + 1);
    expect(studyWhitening(white.acquisitions, white.brainMask, split)).toBeUndefined();
    const same = apodised.acquisitions[0];
    expect(studyWhitening([same, same], apodised.brainMask, split)).toBeUndefined();
  });

  it('trains a whitened candidate beside the plain one, keeps the better on the held-out slabs, and its card says so', async () => {
    const parent = await loadDA();
    const opts = {
      study,
      seconds: 60,
      stepsPerEpoch: 4,
      patience: 2,
      validationSamples: 256,
      brainMask: apodised.brainMask,
    };
    const r = await adaptDA(apodised.acquisitions, parent, opts);
    const w = r.record.whitening!;
    expect(w.lag1).toBeGreaterThan(0.4);
    expect(r.record.split.heldOutSlices).toBe(8);
    // The regime check sees the correlated noise too; an adapted card's range then holds it (no warning on its study).
    expect(r.record.regime.check?.noiseCorrelation).toBeGreaterThan(0.3);
    expect(r.record.regime.check?.warnings.join(' ')).toMatch(/noise is spatially correlated/);
    if (r.adapted) expect(r.model.card.trainingRange!.noiseCorrelation[1]).toBeGreaterThan(0.35);
    expect(w.candidates.map((c) => c.name)).toEqual(['plain', 'whitened']);
    expect(r.history.some((h) => h.candidate === 'whitened')).toBe(true);
    const v = r.record.validation;
    expect(v.gainPercent).toBeCloseTo((100 * (v.parentLoss - v.adaptedLoss)) / v.parentLoss, 2);
    // The kept result is the candidate with the lowest held-out loss (or the parent when neither beats it).
    const losses = w.candidates.map((c) => c.bestLoss ?? Infinity);
    const winner = losses[0] <= losses[1] ? 'plain' : 'whitened';
    if (r.adapted) {
      expect(v.adaptedLoss).toBe(Math.min(...losses));
      expect(w.kept).toBe(winner === 'whitened');
    } else expect(w.kept).toBe(false);
    if (w.kept) {
      expect(r.model.card.whitening).toEqual({
        correlations: w.correlations,
        floor: w.floor,
        strength: w.strength,
        radius: w.radius,
      });
      expect(r.model.card.training.protocol).toMatch(/input whitened with the study's own noise spectrum/);
    } else expect(r.model.card.whitening).toBeUndefined();
    // The comparison with NLM scores the kept model (with its whitening) on the held-out brain voxels.
    const c = r.record.nlm;
    expect(c && 'daMse' in c ? c.daMse : NaN).toBeCloseTo(
      (
        await heldOutDAMse(
          apodised.acquisitions,
          leaveOneOutMeans(apodised.acquisitions),
          r.model,
          heldOutOf(split),
          {},
        )
      ).mse,
      3,
    );
    // Off by request: the plain run alone.
    const plain = await adaptDA(apodised.acquisitions, parent, { ...opts, whiten: false });
    expect(plain.record.whitening).toBeUndefined();
    expect(plain.history.every((h) => h.candidate === 'plain')).toBe(true);
    expect(plain.model.card.whitening).toBeUndefined();
  });

  it('refuses a parent that already carries whitening', async () => {
    const parent = await loadDA();
    const adapted = { ...parent, card: { ...parent.card, whitening: HAMMING_WHITENING } };
    await expect(adaptDA(apodised.acquisitions, adapted, { study })).rejects.toThrow(
      /already adapted .* adapt the shipped model/,
    );
  });
});

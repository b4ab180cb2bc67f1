// The record an adapted model carries: which parent it came from, which study (a hash of its UIDs, never names),
// the study's regime, how long it trained and what the held-out slabs said.
import { sha256Hex } from '../../core/sha256';
import type { ModelCard, TrainingRange } from '../../model/da/card';
import type { WhiteningSpec } from '../../core/whitening';
import { NLM_DEFAULTS } from '../../model/nlm/params';
import type { NlmCheck } from './nlm-check';

/** The note a card carries when the held-out slabs showed no gain and the parent's weights were kept. */
export const NOT_ADAPTED_NOTE = 'not adapted: no gain on held-out slabs';

/** The study's noise regime as measured on its own acquisitions. */
export interface StudyRegime {
  /** Rician σ̂ of each acquisition (background Rayleigh estimate). */
  sigma: number[];
  /** Mean brain signal of the mean of repeats ÷ mean σ̂ (one acquisition's brain SNR). */
  brainSnr: number;
  voxelSizeMm: [number, number, number];
  matrix: [number, number, number];
  acquisitions: number;
  /** How σ̂ was found. */
  method: string;
  /**
   * The regime check every run does (core/regime) on acquisition 1, as `denoise` will measure it: brain SNR (null: no
   * brain found), the largest lag-1 noise correlation (null: too little background to tell), and the warnings
   * against the parent's training range.
   */
  check?: { brainSnr: number | null; noiseCorrelation: number | null; warnings: string[] };
}

/**
 * The parent's training range widened to hold the study an adaptation trained on (its regime check, with margins for
 * the estimators and the other repeats: ±10 % SNR, +0.05 correlation), so that denoising that study with
 * its adapted weights does not warn that the study is outside what they were trained on.
 */
export function studyTrainingRange(parent: TrainingRange, regime: StudyRegime): TrainingRange {
  const known = (x: number | null | undefined): number[] => (typeof x === 'number' ? [x] : []);
  const snr = known(regime.check?.brainSnr);
  const rho = known(regime.check?.noiseCorrelation);
  // [lo, hi] grown to hold every value's own interval [low(v), high(v)].
  const widen = (
    [lo, hi]: [number, number],
    values: number[],
    low: (v: number) => number,
    high: (v: number) => number,
  ) =>
    [Math.min(lo, ...values.map(low)), Math.max(hi, ...values.map(high))].map((x) => Number(x.toPrecision(3))) as [
      number,
      number,
    ];
  const voxel = Math.max(...regime.voxelSizeMm);
  const matrix = Math.max(...regime.matrix);
  const said = [
    snr.length ? `brain SNR ${snr[0].toFixed(1)}` : '',
    rho.length ? `noise correlation ${rho[0].toFixed(2)}` : '',
    `${voxel} mm voxels`,
    `${regime.matrix.join('×')} matrix`,
  ].filter(Boolean);
  return {
    description: `${parent.description}; then adapted to one study (${regime.acquisitions} acquisitions; acquisition 1: ${said.join(', ')})`,
    brainSnr: widen(
      parent.brainSnr,
      snr,
      (v) => 0.9 * v,
      (v) => 1.1 * v,
    ),
    noiseCorrelation: widen(
      parent.noiseCorrelation,
      rho,
      (v) => v,
      (v) => v + 0.05,
    ),
    voxelSizeMm: [Math.min(parent.voxelSizeMm[0], voxel), Math.max(parent.voxelSizeMm[1], voxel)],
    matrix: [Math.min(parent.matrix[0], matrix), Math.max(parent.matrix[1], matrix)],
  };
}

export interface AdaptationRecord {
  result: 'adapted' | typeof NOT_ADAPTED_NOTE;
  parent: { name: string; version: string; sha256?: string; source: string };
  /** sha256 of the study's identifiers (sorted UIDs, or the voxel data when there are none), hex. */
  study: string;
  regime: StudyRegime;
  epochs: number;
  bestEpoch: number;
  samples: number;
  seconds: number;
  stopped: 'early-stopping' | 'time' | 'max-epochs';
  /** Held-out-slab MSE (normalised units) of the parent and of the best adapted weights, in the decisive region. */
  validation: {
    parentLoss: number;
    adaptedLoss: number;
    gainPercent: number;
    region: string;
    samples: number;
    byRegion: Record<string, { parentLoss: number; adaptedLoss: number; samples: number }>;
  };
  /**
   * The study's noise was spatially correlated (largest lag-1 correlation `lag1`): a second candidate trained on
   * inputs whitened by this spec, beside the plain one; `kept` when it won (the adapted card then carries the spec
   * for inference). Each candidate's best held-out loss (same patches and targets as the parent's; null: no epoch).
   */
  whitening?: WhiteningSpec & {
    lag1: number;
    kept: boolean;
    candidates: {
      name: 'plain' | 'whitened';
      bestLoss: number | null;
      bestEpoch: number;
      epochs: number;
      stopped: 'early-stopping' | 'time' | 'max-epochs';
    }[];
  };
  split: { blockSlices: number; period: number; phase: number; heldOutSlices: number; slices: number };
  noiseLevel: number;
  learningRate: number;
  batchSize: number;
  /** Decay of the running weight average that validation judged and the result kept (0: the last iterate). */
  averaging?: number;
  /** The result against NLM on the held-out slabs (nlm-check.ts), or why that was skipped. */
  nlm?: NlmCheck;
}

/**
 * What the held-out slabs say about the result against NLM, for summaries and notes; undefined when not compared.
 * @example nlmComparisonText(record) // 'NLM is 0.26 dB ahead on the held-out slabs: consider NLM for this study'
 */
export function nlmComparisonText(record: Pick<AdaptationRecord, 'nlm'>): string | undefined {
  const c = record.nlm;
  if (!c) return undefined;
  if ('skipped' in c) return `held-out comparison with NLM skipped: ${c.skipped}`;
  const b = c.blend;
  if (b?.kept) {
    const versus = (db: number | null) =>
      db === null
        ? 'within the label noise of NLM'
        : db >= 0
          ? `${db.toFixed(2)} dB ahead of NLM`
          : `${(-db).toFixed(2)} dB behind NLM`;
    return `blended with NLM (weight ${b.weight.toFixed(2)}): ${versus(b.aheadDb)} on the held-out slabs (the DA alone: ${versus(c.daAheadDb)})`;
  }
  if (c.daAheadDb === null) return 'held-out slabs: the DA and NLM are within the label noise';
  return c.daAheadDb >= 0
    ? `the DA is ${c.daAheadDb.toFixed(2)} dB ahead of NLM on the held-out slabs`
    : `NLM is ${(-c.daAheadDb).toFixed(2)} dB ahead on the held-out slabs: consider NLM for this study`;
}

/**
 * The study's identity for a card: sha256 of its sorted, de-duplicated identifiers (StudyInstanceUID and the
 * repeats' SeriesInstanceUIDs). Never pass names or other patient data.
 * @example studyHash(['1.2.3', '1.2.3.4']) // 64 hex digits
 */
export function studyHash(identifiers: readonly string[]): string {
  const ids = [...new Set(identifiers.filter((s) => s.length > 0))].sort();
  if (ids.length === 0) throw new Error('studyHash needs at least one identifier');
  return sha256Hex(`sodium-denoise/study/v1|${ids.join('|')}`);
}

/** sha256 of the acquisitions' voxel data, for studies without UIDs (NIfTI). */
export function voxelDataHash(volumes: readonly { data: Float32Array }[]): string {
  const parts = volumes.map((v) => sha256Hex(new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength)));
  return sha256Hex(`sodium-denoise/study-voxels/v1|${parts.join('|')}`);
}

/** The card of an adaptation's output: the parent's card with the adaptation recorded (and renamed when adapted). */
export function adaptedCard(parent: ModelCard, record: AdaptationRecord, created: string): ModelCard {
  const adapted = record.result === 'adapted';
  const gain = record.validation.gainPercent;
  const w = record.whitening;
  // The held-out NLM ran with the product's defaults: the blend reproduces them wherever the card goes. Without a
  // clear held-out gain the card carries none, and the per-input SURE weight (every DA run's default) applies.
  const blend = record.nlm && !('skipped' in record.nlm) && record.nlm.blend?.kept ? record.nlm.blend : undefined;
  const card: ModelCard = {
    ...parent,
    ...(adapted && parent.trainingRange && record.regime.check
      ? { trainingRange: studyTrainingRange(parent.trainingRange, record.regime) }
      : {}),
    ...(adapted && w?.kept
      ? { whitening: { correlations: w.correlations, floor: w.floor, strength: w.strength, radius: w.radius } }
      : {}),
    ...(blend ? { nlmBlend: { weight: blend.weight, ...NLM_DEFAULTS } } : {}),
    ...(adapted
      ? {
          name: `${parent.name}-adapted`,
          version: `${parent.version}+study.${record.study.slice(0, 12)}`,
          created,
        }
      : {}),
    training: {
      ...parent.training,
      ...(adapted
        ? {
            data: `one study's own ${record.regime.acquisitions} repeated acquisitions (study sha256 ${record.study}), starting from ${parent.name} ${parent.version}`,
            protocol: `input = one acquisition ${record.noiseLevel > 0 ? `+ white Gaussian noise σ_add = ${record.noiseLevel}·σ̂` : 'as acquired (its own noise, spatial correlation included; k = 0: no noise added)'}; label = centre voxel of the mean of the OTHER acquisitions (independent noise); ${w?.kept ? `input whitened with the study's own noise spectrum (lag-1 correlation ${w.lag1}; strength ${w.strength}, floor ${w.floor}, kernels of radius ${w.radius}; chosen over the plain run on the held-out slabs); ` : ''}patches from brain, rest of head and background; slabs held out (footprint-free); early stopping on the held-out slabs, judged on a running average of the weights; the best average kept`,
            learningRate: record.learningRate,
            batchSize: record.batchSize,
            epochs: record.epochs,
          }
        : {}),
      adaptation: record,
    },
    metrics: adapted
      ? {
          heldOutMseParent: record.validation.parentLoss,
          heldOutMse: record.validation.adaptedLoss,
          heldOutGainPercent: gain,
        }
      : parent.metrics,
    notes: [
      ...(parent.notes ?? []),
      adapted
        ? `adapted to one study in ${record.seconds.toFixed(1)} s (${record.epochs} epochs): held-out-slab MSE ${gain.toFixed(2)} % lower than ${parent.name} ${parent.version}`
        : `${NOT_ADAPTED_NOTE} (${gain.toFixed(2)} % after ${record.seconds.toFixed(1)} s); these are ${parent.name} ${parent.version}'s weights unchanged`,
      ...(nlmComparisonText(record) ? [nlmComparisonText(record)!] : []),
    ],
  };
  // The parent's checksum describes the parent's shards; the caller sets the output's own. A parent's own blend (an
  // adapted model adapted again) was fitted to its study, not this one.
  delete (card as { sha256?: string }).sha256;
  if (!blend) delete card.nlmBlend;
  return card;
}

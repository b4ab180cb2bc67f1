// Training across regimes: every training subject is a phantom drawn from a random regime (noise model, brain SNR,
// voxel size), so each batch mixes regimes. Subject i's regime depends only on (seed, i): resumes and reruns see the
// same subjects. The mixture and where patches are centred (brain / rest of head / tubes / background) go in the card.
import { resolvePhantomParams, minimumFovMm } from '../../phantom/params';
import { generateSubject, subjectId } from '../../phantom/subject';
import type { AnatomyVariant, PhantomParamsInput } from '../../phantom/types';
import type { KspaceWindow } from '../../phantom/acquisition';
import type { TrainingRange } from '../../model/da/card';
import type { CohortSubjectData } from '../evaluate/evaluationSubject';
import type { CohortSource } from './crossValidation';
import { SeededRng } from './rng';

/** A noise model of the mixture: the phantom's white or apodised (k-space windowed, correlated) noise. */
export type MixtureNoise = 'white' | 'apodised';

/** Where patch centres fall, as shares summing to 1 (brain: the paper's only choice). */
export interface CentreShare {
  brain: number;
  /** Head voxels outside the brain (scalp, bone, eyes). */
  head: number;
  tube: number;
  background: number;
}

export interface RegimeMixture {
  noise: readonly MixtureNoise[];
  /** Brain SNR per acquisition, drawn log-uniformly in [lo, hi]. */
  snr: readonly [number, number];
  /** Voxel sizes (mm), one drawn uniformly per subject; the matrix covers the phantom's minimum field of view. */
  voxelSizeMm: readonly number[];
  share: CentreShare;
  /** k-space windows of the reconstruction (signal, and the noise when apodised), one drawn per subject; absent: Hamming. */
  window?: readonly KspaceWindow[];
  /** Share of subjects reconstructed with 2× zero-filling (acquired at twice the drawn voxel size); absent: 0. */
  zeroFillShare?: number;
  /** Anatomy variants, one drawn per subject; absent: the default anatomy. */
  anatomy?: readonly AnatomyVariant[];
}

/** The default mixture: the robustness matrix's axes (white and correlated noise, SNR 3–30, 3–6 mm). */
export const DEFAULT_MIXTURE: Readonly<RegimeMixture> = Object.freeze({
  noise: ['white', 'apodised'] as const,
  snr: [3, 30] as const,
  voxelSizeMm: [3, 4, 5, 6],
  share: { brain: 0.7, head: 0.15, tube: 0.05, background: 0.1 },
});

/**
 * Where a second stage's patches are centred (da-wide): the head, which is all the product denoises (jobs/denoise
 * leaves air and calibration tubes as acquired), so the first stage needs to run only there.
 */
export const SECOND_STAGE_SHARE: Readonly<CentreShare> = Object.freeze({
  brain: 0.8,
  head: 0.2,
  tube: 0,
  background: 0,
});

/**
 * Every axis of the robustness matrix: white or apodised noise through a Hamming, Kaiser or Fermi window, 2×
 * zero-filling for a sixth of the subjects, the three anatomy variants, SNR 3–30, 3–6 mm (da-wide's mixture).
 */
export const MATRIX_MIXTURE: Readonly<RegimeMixture> = Object.freeze({
  ...DEFAULT_MIXTURE,
  window: ['hamming', 'kaiser', 'fermi'] as const,
  zeroFillShare: 1 / 6,
  anatomy: ['default', 'uniform-compartments', 'fine-texture'] as const,
});

/** The named mixtures `train --regimes` accepts. */
export const MIXTURES: Readonly<Record<string, Readonly<RegimeMixture>>> = {
  mixture: DEFAULT_MIXTURE,
  matrix: MATRIX_MIXTURE,
};

/** One subject's regime. */
export interface RegimeDraw {
  noise: MixtureNoise;
  snr: number;
  voxelSizeMm: number;
  matrix: number;
  window?: KspaceWindow;
  /** 2: the subject is zero-filled (acquired at 2 × voxelSizeMm; voxelSizeMm and matrix are the reconstruction's). */
  zeroFill?: number;
  anatomy?: AnatomyVariant;
}

/** Throws one line for a mixture that cannot be sampled. */
export function validateMixture(m: RegimeMixture): void {
  if (m.noise.length === 0) throw new Error('the regime mixture needs at least one noise model');
  const [lo, hi] = m.snr;
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi)))
    throw new Error(`mixture SNR range must be 0 < lo ≤ hi, got ${lo}–${hi}`);
  if (m.voxelSizeMm.length === 0 || m.voxelSizeMm.some((v) => !(v > 0)))
    throw new Error('mixture voxel sizes must be positive numbers');
  const s = m.share;
  const parts = [s.brain, s.head, s.tube, s.background];
  if (parts.some((p) => !(p >= 0)) || Math.abs(parts.reduce((a, b) => a + b, 0) - 1) > 1e-6)
    throw new Error(`patch centre shares must be ≥ 0 and sum to 1, got ${parts.join(' + ')}`);
  if (m.window !== undefined && m.window.length === 0)
    throw new Error('mixture windows, when given, must not be empty');
  if (m.anatomy !== undefined && m.anatomy.length === 0)
    throw new Error('mixture anatomy, when given, must not be empty');
  if (m.zeroFillShare !== undefined && !(m.zeroFillShare >= 0 && m.zeroFillShare <= 1))
    throw new Error(`mixture zero-fill share must be in [0, 1], got ${m.zeroFillShare}`);
}

/** Subject i's regime under (mixture, seed): deterministic. */
export function drawRegime(m: RegimeMixture, seed: number, index: number): RegimeDraw {
  const rng = new SeededRng(seed * 7919 + index * 104729 + 17);
  const noise = m.noise[rng.int(m.noise.length)];
  const [lo, hi] = m.snr;
  const snr = Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
  const voxelSizeMm = m.voxelSizeMm[rng.int(m.voxelSizeMm.length)];
  // The added axes draw after the original three, so a mixture without them keeps its subjects.
  const window = m.window ? m.window[rng.int(m.window.length)] : undefined;
  const anatomy = m.anatomy ? m.anatomy[rng.int(m.anatomy.length)] : undefined;
  // A zero-filled subject keeps the drawn voxel size and acquires at twice it: the noise correlates as in any 2×
  // zero-filling (0.65) while the matrix, and the cost of a training subject, stays that of the drawn size.
  const zeroFill = m.zeroFillShare !== undefined && rng.next() < m.zeroFillShare ? 2 : undefined;
  return regimeDraw({ noise, snr, voxelSizeMm, window, zeroFill, anatomy });
}

/** A draw from its parts: SNR rounded to 0.01, the matrix covering the phantom's field of view at that voxel size. */
function regimeDraw(p: Omit<RegimeDraw, 'matrix'>): RegimeDraw {
  const fov = minimumFovMm(resolvePhantomParams({}));
  return {
    noise: p.noise,
    snr: Math.round(p.snr * 100) / 100,
    voxelSizeMm: p.voxelSizeMm,
    matrix: 2 * Math.ceil(fov / p.voxelSizeMm / 2),
    ...(p.window ? { window: p.window } : {}),
    ...(p.zeroFill ? { zeroFill: p.zeroFill } : {}),
    ...(p.anatomy ? { anatomy: p.anatomy } : {}),
  };
}

/** Which stratified set of a cohort: its training subjects or the ones held out for early stopping. */
export type RegimeSet = 'train' | 'validation';

/**
 * Regimes for a group of `count` subjects spread evenly over the mixture: each noise model in equal share (±1), and
 * within each noise model the brain SNR one draw per equal log-stratum of the range and the voxel sizes in turn; the
 * windows and anatomy variants in equal shares and zero-filling for round(share × count) subjects. Independent draws
 * leave gaps a small cohort cannot afford (seed 7's first 24 subjects hold no white-noise subject above SNR 10).
 * @example stratifiedRegimes(DEFAULT_MIXTURE, 7, 6, 'validation') // 3 white + 3 apodised, SNR one per log-tercile each
 */
export function stratifiedRegimes(m: RegimeMixture, seed: number, count: number, set: RegimeSet): RegimeDraw[] {
  validateMixture(m);
  if (!(Number.isInteger(count) && count >= 1))
    throw new Error(`a stratified regime set needs ≥ 1 subject, got ${count}`);
  const rng = new SeededRng(seed * 7919 + count * 131 + (set === 'train' ? 1 : 2) * 1_000_003);
  // Balanced list of `count` values cycling through the choices (a random start), then shuffled.
  const balanced = <T>(choices: readonly T[], n: number): T[] => {
    const start = rng.int(choices.length);
    return rng.shuffled(Array.from({ length: n }, (_, i) => choices[(start + i) % choices.length]));
  };
  const noise = balanced(m.noise, count);
  const window = m.window ? balanced(m.window, count) : undefined;
  const anatomy = m.anatomy ? balanced(m.anatomy, count) : undefined;
  const zeroFilled = Math.round((m.zeroFillShare ?? 0) * count);
  const zeroFill = rng.shuffled(Array.from({ length: count }, (_, i) => i < zeroFilled));
  const [lo, hi] = m.snr;
  const snr = new Array<number>(count);
  const voxel = new Array<number>(count);
  for (const kind of m.noise) {
    const members = noise.flatMap((n, i) => (n === kind ? [i] : []));
    const strata = rng.shuffled(members.map((_, j) => j));
    const sizes = balanced(m.voxelSizeMm, members.length);
    members.forEach((i, j) => {
      const u = (strata[j] + rng.next()) / members.length;
      snr[i] = Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
      voxel[i] = sizes[j];
    });
  }
  return noise.map((n, i) =>
    regimeDraw({
      noise: n,
      snr: snr[i],
      voxelSizeMm: voxel[i],
      window: window?.[i],
      zeroFill: zeroFill[i] ? 2 : undefined,
      anatomy: anatomy?.[i],
    }),
  );
}

/** The phantom parameters of a regime draw (the oversampled anatomy is kept coarse above 64³ to bound memory). */
export function regimeParams(d: RegimeDraw, subjects: number, seed: number): PhantomParamsInput {
  return {
    subjects,
    seed,
    noise: d.noise,
    snr: d.snr,
    voxelSizeMm: d.voxelSizeMm,
    matrix: d.matrix,
    oversampling: d.matrix > 64 ? 1 : 2,
    ...(d.window ? { window: d.window } : {}),
    ...(d.zeroFill ? { zeroFill: d.zeroFill } : {}),
    ...(d.anatomy ? { anatomy: { variant: d.anatomy } } : {}),
  };
}

/**
 * A cohort whose subject i is the phantom's subject i generated under its own random regime.
 * @example mixtureCohort(24, 1).load('sub-03') // a phantom subject at, say, SNR 5.2, 6 mm, apodised noise
 */
export function mixtureCohort(
  subjects: number,
  seed: number,
  m: RegimeMixture = DEFAULT_MIXTURE,
  opts: MixtureCohortOptions = {},
): CohortSource {
  validateMixture(m);
  if (!(Number.isInteger(subjects) && subjects >= 2))
    throw new Error(`a mixture cohort needs ≥ 2 subjects, got ${subjects}`);
  const ids = Array.from({ length: subjects }, (_, i) => subjectId(i, subjects));
  const held = opts.validation ?? 0;
  if (opts.stratified && !(Number.isInteger(held) && held >= 1 && held < subjects))
    throw new Error(`a stratified mixture cohort holds out 1 to ${subjects - 1} validation subjects, got ${held}`);
  // Stratified: the training subjects and the validation subjects (the last ones) are each spread over the mixture.
  const draws = opts.stratified
    ? [...stratifiedRegimes(m, seed, subjects - held, 'train'), ...stratifiedRegimes(m, seed, held, 'validation')]
    : undefined;
  const how = opts.stratified
    ? `regimes stratified (each noise model in equal share, within each the brain SNR one per log-stratum of ${m.snr[0]}–${m.snr[1]} and the voxel sizes ${m.voxelSizeMm.join(' | ')} mm in turn${addedAxes(m)}), the training subjects and the ${held} validation subjects (${ids.slice(-held)[0]} on) each spread so`
    : `each subject draws its noise (${m.noise.join(' | ')}), brain SNR log-uniform ${m.snr[0]}–${m.snr[1]} and voxel size (${m.voxelSizeMm.join(' | ')} mm)${addedAxes(m)}`;
  return {
    dir: `mixture:${subjects}:${seed}`,
    ids,
    ...(opts.stratified ? { validationIds: ids.slice(-held) } : {}),
    description: `synthetic sodium phantom across regimes, ${subjects} subjects, seed ${seed}: ${how}; generated in memory`,
    async load(id: string): Promise<CohortSubjectData> {
      const index = ids.indexOf(id);
      if (index < 0) throw new Error(`subject ${id} is not in mixture:${subjects}:${seed}`);
      const draw = draws ? draws[index] : drawRegime(m, seed, index);
      const params = resolvePhantomParams(regimeParams(draw, subjects, seed));
      return generateSubject(params, index);
    },
  };
}

/** How a mixture cohort draws its subjects' regimes. */
export interface MixtureCohortOptions {
  /** Spread the regimes evenly (stratifiedRegimes) instead of drawing each subject independently. */
  stratified?: boolean;
  /** With stratified: the last `validation` subjects form their own stratified set, held out for early stopping. */
  validation?: number;
}

/** The mixture in one line (model card, run config). */
export function mixtureSummary(m: RegimeMixture = DEFAULT_MIXTURE): string {
  const s = m.share;
  return `per subject: noise ${m.noise.join(' | ')}, brain SNR log-uniform ${m.snr[0]}–${m.snr[1]}, voxel ${m.voxelSizeMm.join(' | ')} mm (uniform)${addedAxes(m)}; patch centres: brain ${s.brain}, rest of head ${s.head}, tubes ${s.tube}, background ${s.background}`;
}

/** The matrix axes a mixture adds to noise, SNR and voxel size, in words ('' for none). */
function addedAxes(m: RegimeMixture): string {
  const parts = [
    m.window ? `window ${m.window.join(' | ')}` : '',
    m.zeroFillShare ? `2× zero-filling for ${(m.zeroFillShare * 100).toFixed(0)} % of subjects` : '',
    m.anatomy ? `anatomy ${m.anatomy.join(' | ')}` : '',
  ].filter(Boolean);
  return parts.length ? `, ${parts.join(', ')}` : '';
}

/**
 * The regime check's range for weights trained on this mixture with added noise k·σ̂: the inputs' brain SNR runs
 * from the lowest drawn SNR with the added noise (÷ √(1 + k²)) to the highest; noise correlation up to the apodised
 * (Hamming) 0.63 when the mixture holds it; voxel sizes ± 0.5 mm; the matrices the field of view gives.
 */
export function mixtureTrainingRange(noiseLevel: number, m: RegimeMixture = DEFAULT_MIXTURE): TrainingRange {
  const fov = minimumFovMm(resolvePhantomParams({}));
  const sizes = [...m.voxelSizeMm];
  const matrices = sizes.map((v) => 2 * Math.ceil(fov / v / 2));
  const lo = +(m.snr[0] / Math.sqrt(1 + noiseLevel * noiseLevel)).toFixed(1);
  // Kaiser (β 8) correlates the noise most (0.74 measured), zero-filling 0.65, Hamming 0.63.
  const correlated = m.noise.includes('apodised') || Boolean(m.zeroFillShare);
  const maxCorrelation = m.noise.includes('apodised') && m.window?.includes('kaiser') ? 0.8 : correlated ? 0.7 : 0.3;
  return {
    description: `mixture: ${m.noise.join(' | ')} noise, brain SNR ${m.snr[0]}–${m.snr[1]} (${lo} at the low end with the added noise), ${Math.min(...sizes)}–${Math.max(...sizes)} mm${addedAxes(m)}`,
    brainSnr: [lo, m.snr[1]],
    noiseCorrelation: [0, maxCorrelation],
    voxelSizeMm: [Math.min(...sizes) - 0.5, Math.max(...sizes) + 0.5],
    matrix: [Math.min(...matrices), Math.max(...matrices)],
  };
}

/** Parses `mixture:<subjects>:<seed>`; undefined for any other cohort spec. */
export function parseMixtureSpec(spec: string): CohortSource | undefined {
  const m = /^mixture:(\d+):(\d+)$/.exec(spec);
  return m ? mixtureCohort(Number(m[1]), Number(m[2])) : undefined;
}

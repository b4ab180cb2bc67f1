// The DA model card: what the weights are, how inputs are normalised, how they were trained. Machine-read by loadDA.
import { DA_LAYER_SUMMARY, DA_PARAMETER_COUNT, PATCH_SIZE } from './architecture';
import { type DANormalisation, validateNormalisation } from './normalise';
import { validateWhiteningSpec, type WhiteningSpec } from '../../core/whitening';

export const MODEL_CARD_FORMAT = 'sodium-denoise/da-model-card@1';

export interface ModelCardTraining {
  /** Where the training subjects came from (e.g. "synthetic phantom cohort, seeds 1-8"). */
  data: string;
  /** Input/label construction and stopping rule, one or two sentences. */
  protocol: string;
  optimizer: string;
  learningRate: number;
  batchSize: number;
  steps?: number;
  epochs?: number;
  seed?: number;
  /** Anything else worth keeping (durations, backend, sample counts). */
  [extra: string]: unknown;
}

/**
 * The regime a model was trained on, as the regime check (core/regime.ts) measures it on an input: inside every
 * interval no warning is given. Intervals are the training data's values widened by the estimators' spread.
 */
export interface TrainingRange {
  /** What the training inputs were, in words (e.g. "white noise, brain SNR 13 (9.2 with the added noise), 4 mm, 64³"). */
  description: string;
  /** Mean brain magnitude / σ of the inputs. */
  brainSnr: [number, number];
  /** Lag-1 correlation of the complex noise, largest over the three axes (0: white). */
  noiseCorrelation: [number, number];
  /** Voxel size, largest over the axes, mm. */
  voxelSizeMm: [number, number];
  /** Matrix, largest over the axes, voxels. */
  matrix: [number, number];
}

export interface ModelCard {
  format: typeof MODEL_CARD_FORMAT;
  name: string;
  version: string;
  /** 'provisional': trained briefly so software can run; not for reading images. */
  status: 'provisional' | 'trained';
  created: string;
  architecture: {
    name: 'paper-table-1';
    patchSize: typeof PATCH_SIZE;
    layers: string[];
    parameters: number;
    /** How voxels within 2 of the volume edge get a full patch. */
    border: 'reflect';
    /** The patch layout the network expects. */
    inputLayout: string;
    /**
     * 2 for da-wide: a second copy of the network (own weights, in stage2/) runs on the first one's output in the
     * same scale, so one output voxel sees 9³ input voxels at exactly twice the compute. Absent: 1, the paper's.
     */
    stages?: number;
  };
  normalisation: DANormalisation;
  /**
   * A model adapted to one study with spatially correlated noise: its network reads the input whitened with the
   * study's own noise spectrum (stages.ts), and gives the raw image. Absent: the network reads the input.
   */
  whitening?: WhiteningSpec;
  /**
   * A model adapted to one study whose held-out slabs showed a clear gain from blending with NLM carries that blend:
   * the job runs NLM (these parameters, σ̂ from the input's background) beside the network and returns
   * da + weight·(nlm − da) on the denoised region (jobs/denoise.ts); weight 0 pins the network alone. Absent: the
   * weight is chosen per input by SURE (jobs/sure-blend.ts).
   */
  nlmBlend?: NlmBlendSpec;
  training: ModelCardTraining;
  /** Where the model was trained; absent on older cards (the regime check then says so). */
  trainingRange?: TrainingRange;
  /** Validation numbers (e.g. mse, psnr, ssim), by name; a 'trained' card must carry at least one. */
  metrics: Record<string, number | string | null>;
  /**
   * The model checksum: SHA-256 (hex) of the weight shards concatenated in manifest order. loadDA refuses weights
   * that do not match it; derived series record it. Always present on a card read from disk; saveDA fills it in.
   */
  sha256?: string;
  notes?: string[];
}

/** What a card's NLM blend needs to be reproduced on any runner: the weight and NLM's parameters (DIPY's names). */
export interface NlmBlendSpec {
  /** In [0, 1]: the share of NLM's output (0: the network alone, no SURE blend either). */
  weight: number;
  patchRadius: number;
  blockRadius: number;
  rician: boolean;
}

/** Throws a one-line message naming the first bad field of a card's NLM blend. */
export function validateNlmBlendSpec(spec: unknown): asserts spec is NlmBlendSpec {
  if (!spec || typeof spec !== 'object') throw new Error('nlmBlend must be an object');
  const b = spec as Record<string, unknown>;
  if (!(typeof b.weight === 'number' && b.weight >= 0 && b.weight <= 1))
    throw new Error(`nlmBlend.weight must be a number in [0, 1], got ${JSON.stringify(b.weight)}`);
  for (const key of ['patchRadius', 'blockRadius'] as const)
    if (!(Number.isInteger(b[key]) && (b[key] as number) >= 0 && (b[key] as number) <= 8))
      throw new Error(`nlmBlend.${key} must be an integer in [0, 8], got ${JSON.stringify(b[key])}`);
  if ((b.blockRadius as number) <= (b.patchRadius as number))
    throw new Error('nlmBlend.blockRadius must exceed nlmBlend.patchRadius');
  if (typeof b.rician !== 'boolean')
    throw new Error(`nlmBlend.rician must be true or false, got ${JSON.stringify(b.rician)}`);
}

export const PATCH_LAYOUT_DESCRIPTION = '[5,5,5,1] z-major, then y, then x (index (dz*5+dy)*5+dx); centre index 62';

/** The architecture block every card for this network carries (stages 2: da-wide, the network twice in a row). */
export function architectureSection(stages = 1): ModelCard['architecture'] {
  return {
    name: 'paper-table-1',
    patchSize: PATCH_SIZE,
    layers: [...DA_LAYER_SUMMARY],
    parameters: DA_PARAMETER_COUNT * stages,
    border: 'reflect',
    inputLayout: PATCH_LAYOUT_DESCRIPTION,
    ...(stages === 1 ? {} : { stages }),
  };
}

/**
 * A card as its first network alone, without the whitening around the networks: what one network run needs (a
 * worker's part, a first stage), after the caller has applied the rest.
 */
export function firstStageCard(card: ModelCard): ModelCard {
  return {
    ...card,
    architecture: { ...card.architecture, stages: undefined, parameters: DA_PARAMETER_COUNT },
    whitening: undefined,
    nlmBlend: undefined,
  };
}

/** Stages of the network a card describes: 1 (the paper's DA) or 2 (da-wide). */
export function cardStages(card: Pick<ModelCard, 'architecture'>): number {
  return card.architecture.stages ?? 1;
}

/** Validates parsed JSON as a ModelCard for this network; every problem gets a message naming the field. */
export function parseModelCard(
  json: unknown,
  where = 'model card',
  opts: { requireChecksum?: boolean } = {},
): ModelCard {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (!json || typeof json !== 'object') fail('is not a JSON object');
  const card = json as Partial<ModelCard>;
  if (card.format !== MODEL_CARD_FORMAT)
    fail(`format must be "${MODEL_CARD_FORMAT}", got ${JSON.stringify(card.format)}`);
  for (const key of ['name', 'version', 'created'] as const) {
    if (typeof card[key] !== 'string' || !card[key]) fail(`${key} must be a non-empty string`);
  }
  if (card.status !== 'provisional' && card.status !== 'trained')
    fail(`status must be "provisional" or "trained", got ${JSON.stringify(card.status)}`);
  const arch = card.architecture;
  if (!arch || typeof arch !== 'object') return fail('architecture is missing');
  if (arch.patchSize !== PATCH_SIZE)
    fail(`architecture.patchSize is ${arch.patchSize}; this engine runs ${PATCH_SIZE}`);
  const stages = arch.stages ?? 1;
  if (stages !== 1 && stages !== 2) fail(`architecture.stages must be 1 or 2, got ${JSON.stringify(arch.stages)}`);
  if (arch.parameters !== DA_PARAMETER_COUNT * stages)
    fail(`architecture.parameters is ${arch.parameters}; this network has ${DA_PARAMETER_COUNT * stages}`);
  if (arch.border !== 'reflect') fail(`architecture.border must be "reflect", got ${JSON.stringify(arch.border)}`);
  if (!card.normalisation) fail('normalisation is missing');
  try {
    validateNormalisation(card.normalisation as DANormalisation);
  } catch (err) {
    fail((err as Error).message);
  }
  const t = card.training;
  if (!t || typeof t !== 'object') return fail('training is missing');
  if (typeof t.data !== 'string' || typeof t.protocol !== 'string')
    fail('training.data and training.protocol must be strings');
  if (!(typeof t.learningRate === 'number' && t.learningRate > 0))
    fail('training.learningRate must be a positive number');
  if (!(Number.isInteger(t.batchSize) && t.batchSize > 0)) fail('training.batchSize must be a positive integer');
  if (card.trainingRange !== undefined) validateTrainingRange(card.trainingRange, fail);
  if (card.whitening !== undefined) {
    try {
      validateWhiteningSpec(card.whitening);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  if (card.nlmBlend !== undefined) {
    try {
      validateNlmBlendSpec(card.nlmBlend);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  if (!card.metrics || typeof card.metrics !== 'object' || Array.isArray(card.metrics))
    fail('metrics must be an object');
  if (card.status === 'trained' && Object.keys(card.metrics!).length === 0)
    fail('status is "trained" but metrics is empty; a trained model must say how well it does');
  if ((opts.requireChecksum ?? true) && (typeof card.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(card.sha256)))
    fail(
      `sha256 must be the SHA-256 (64 lowercase hex digits) of the weight shards in manifest order, got ${JSON.stringify(card.sha256)}`,
    );
  return card as ModelCard;
}

function validateTrainingRange(range: unknown, fail: (msg: string) => never): void {
  if (!range || typeof range !== 'object') fail('trainingRange must be an object');
  const r = range as Record<string, unknown>;
  if (typeof r.description !== 'string') fail('trainingRange.description must be a string');
  for (const key of ['brainSnr', 'noiseCorrelation', 'voxelSizeMm', 'matrix'] as const) {
    const v = r[key];
    if (!(
      Array.isArray(v) &&
      v.length === 2 &&
      v.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
      v[0] <= v[1]
    ))
      fail(`trainingRange.${key} must be [min, max] with min ≤ max, got ${JSON.stringify(v)}`);
  }
}

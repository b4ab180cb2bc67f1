// The training loop of one run (a CV fold or the final model): batches drawn on the fly, Adam steps, validation loss
// per epoch, early stopping with best-weight restore, a checkpoint every epoch and on interruption, exact resume.
import type { Checkpoint, EpochRecord, LoopState, TensorRecord } from './checkpoint';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { writeEpochLog } from './csvLog';
import type { ProgressReporter } from './progressReporter';
import { SeededRng } from './rng';
import { yieldToEventLoop } from '../../model/eventLoop';

/** What the loop needs from a model: the DA trainer behind an adapter (see daTrainer.ts). */
export interface PatchTrainer {
  /** One optimiser step on a batch; returns the batch's mean loss. patches: [B × patchVoxels], targets: [B]. */
  step(patches: Float32Array, targets: Float32Array, batchSize: number): number;
  /** Mean loss on a batch without updating. */
  evaluate(patches: Float32Array, targets: Float32Array, batchSize: number): number;
  getWeights(): TensorRecord[];
  setWeights(weights: TensorRecord[]): void;
  getOptimizerState(): TensorRecord[];
  setOptimizerState(state: TensorRecord[]): void;
}

/** Draws training batches; its state (beyond the shared RNG) is checkpointed. */
export interface BatchSampler {
  readonly patchVoxels: number;
  fill(rng: SeededRng, patches: Float32Array, targets: Float32Array, batchSize: number): Promise<void>;
  getState(): unknown;
  setState(state: unknown): void;
}

export interface ValidationSet {
  patches: Float32Array;
  targets: Float32Array;
  count: number;
  /** Samples grouped per validation subject: the loss is then the geometric mean of the subjects' MSEs. */
  groups?: readonly { id: string; start: number; count: number }[];
}

export interface TrainRunOptions {
  label: string;
  seed: number;
  batchSize: number;
  samplesPerEpoch: number;
  maxEpochs: number;
  /** Stop after this many epochs without a lower validation loss (the paper: 8). */
  patience: number;
  checkpointDir: string;
  logFile: string;
  resume: boolean;
  /** Options recorded in the checkpoint; a resume with different ones is refused. */
  config: Record<string, unknown>;
}

/** Set `requested` (e.g. from a SIGINT handler) to stop after the current batch, with a checkpoint. */
export interface StopSignal {
  requested: boolean;
}

export type StopReason = 'early-stopping' | 'max-epochs' | 'interrupted';

export interface TrainRunResult {
  history: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  bestWeights: TensorRecord[];
  stopped: StopReason;
  /** Training seconds summed over all sessions of this run (resumes included). */
  seconds: number;
}

/** Validation patches per evaluate call: large chunks amortise the per-call weight upload. */
const VALIDATION_CHUNK = 2048;

/**
 * Loss over a fixed validation set, in chunks: the mean over samples, or with groups the geometric mean of the groups'
 * means, so each validation subject (regime) weighs alike as a change in dB, as the robustness matrix's cells do.
 */
export function validationLoss(trainer: PatchTrainer, val: ValidationSet): number {
  if (!val.groups) return meanLoss(trainer, val, 0, val.count);
  const logs = val.groups.map((g) => Math.log(meanLoss(trainer, val, g.start, g.count)));
  return Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
}

/** Mean loss of samples [start, start + count). */
function meanLoss(trainer: PatchTrainer, val: ValidationSet, start: number, count: number): number {
  let sum = 0;
  const pv = val.patches.length / val.count;
  for (let at = start; at < start + count; at += VALIDATION_CHUNK) {
    const n = Math.min(VALIDATION_CHUNK, start + count - at);
    const loss = trainer.evaluate(val.patches.subarray(at * pv, (at + n) * pv), val.targets.subarray(at, at + n), n);
    sum += loss * n;
  }
  return sum / count;
}

export async function trainRun(
  trainer: PatchTrainer,
  sampler: BatchSampler,
  val: ValidationSet,
  opts: TrainRunOptions,
  progress: ProgressReporter,
  stop: StopSignal = { requested: false },
): Promise<TrainRunResult> {
  checkOptions(opts);
  const stepsPerEpoch = Math.ceil(opts.samplesPerEpoch / opts.batchSize);
  let rng = new SeededRng(opts.seed);
  let state: LoopState;
  let bestWeights: TensorRecord[];

  if (opts.resume && hasCheckpoint(opts.checkpointDir)) {
    const ckpt = loadCheckpoint(opts.checkpointDir);
    assertSameConfig(ckpt.state.config, opts.config, opts.checkpointDir);
    state = ckpt.state;
    trainer.setWeights(ckpt.weights);
    trainer.setOptimizerState(ckpt.optimizer);
    bestWeights = ckpt.bestWeights;
    rng = SeededRng.fromState(state.rng);
    sampler.setState(state.sampler);
    progress.message(
      `${opts.label}: resumed at epoch ${state.epochsDone + 1}${state.stepInEpoch ? `, batch ${state.stepInEpoch}` : ''} (best val ${state.bestValLoss.toExponential(4)} at epoch ${state.bestEpoch})`,
    );
  } else {
    state = {
      version: 1,
      epochsDone: 0,
      stepInEpoch: 0,
      partialLossSum: 0,
      partialSamples: 0,
      partialSeconds: 0,
      rng: rng.getState(),
      sampler: sampler.getState(),
      bestValLoss: Infinity,
      bestEpoch: 0,
      epochsWithoutImprovement: 0,
      stopped: null,
      history: [],
      config: opts.config,
    };
    bestWeights = trainer.getWeights();
  }

  const save = () => {
    state.rng = rng.getState();
    state.sampler = sampler.getState();
    const ckpt: Checkpoint = {
      state,
      weights: trainer.getWeights(),
      optimizer: trainer.getOptimizerState(),
      bestWeights,
    };
    saveCheckpoint(opts.checkpointDir, ckpt);
  };
  const finish = (stopped: StopReason): TrainRunResult => ({
    history: state.history,
    bestEpoch: state.bestEpoch,
    bestValLoss: state.bestValLoss,
    bestWeights,
    stopped,
    seconds: state.history.reduce((s, h) => s + h.seconds, 0) + state.partialSeconds,
  });

  // A run capped by --max-epochs continues when resumed with a higher cap; any other finished run just reports.
  if (state.stopped === 'max-epochs' && state.epochsDone < opts.maxEpochs) state.stopped = null;
  if (state.stopped) return finish(state.stopped);

  let lastYield = performance.now();
  const patches = new Float32Array(opts.batchSize * sampler.patchVoxels);
  const targets = new Float32Array(opts.batchSize);
  while (state.epochsDone < opts.maxEpochs) {
    const epoch = state.epochsDone + 1;
    progress.startEpoch(opts.label, epoch, opts.maxEpochs, stepsPerEpoch, state.stepInEpoch);
    let sessionStart = performance.now();
    let sessionSeconds = state.partialSeconds;
    for (let step = state.stepInEpoch; step < stepsPerEpoch; step++) {
      const n = Math.min(opts.batchSize, opts.samplesPerEpoch - step * opts.batchSize);
      await sampler.fill(rng, patches, targets, n);
      const loss = trainer.step(patches.subarray(0, n * sampler.patchVoxels), targets.subarray(0, n), n);
      if (!Number.isFinite(loss))
        throw new Error(
          `${opts.label}: training loss became ${loss} at epoch ${epoch}, batch ${step + 1} (try a lower --lr)`,
        );
      state.partialLossSum += loss * n;
      state.partialSamples += n;
      state.stepInEpoch = step + 1;
      const elapsed = sessionSeconds + (performance.now() - sessionStart) / 1000;
      progress.step(
        step + 1,
        state.partialLossSum / state.partialSamples,
        state.partialSamples / Math.max(elapsed, 1e-9),
      );
      // Yield to the event loop every ~50 ms so SIGINT handlers and stderr writes run.
      if (performance.now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (stop.requested) {
        state.partialSeconds = elapsed;
        save();
        progress.message(
          `${opts.label}: interrupted at epoch ${epoch}, batch ${step + 1}/${stepsPerEpoch}; checkpoint saved in ${opts.checkpointDir} (continue with --resume)`,
        );
        return finish('interrupted');
      }
    }
    const trainSeconds = sessionSeconds + (performance.now() - sessionStart) / 1000;
    const valLoss = validationLoss(trainer, val);
    if (!Number.isFinite(valLoss))
      throw new Error(`${opts.label}: validation loss became ${valLoss} at epoch ${epoch}`);
    const record: EpochRecord = {
      epoch,
      trainLoss: state.partialLossSum / state.partialSamples,
      valLoss,
      samples: state.partialSamples,
      seconds: trainSeconds,
      samplesPerSecond: state.partialSamples / Math.max(trainSeconds, 1e-9),
    };
    const improved = valLoss < state.bestValLoss;
    if (improved) {
      state.bestValLoss = valLoss;
      state.bestEpoch = epoch;
      state.epochsWithoutImprovement = 0;
      bestWeights = trainer.getWeights();
    } else {
      state.epochsWithoutImprovement++;
    }
    state.history.push(record);
    state.epochsDone = epoch;
    state.stepInEpoch = 0;
    state.partialLossSum = 0;
    state.partialSamples = 0;
    state.partialSeconds = 0;
    sessionStart = performance.now();
    sessionSeconds = 0;
    const early = state.epochsWithoutImprovement >= opts.patience;
    if (early) state.stopped = 'early-stopping';
    else if (state.epochsDone >= opts.maxEpochs) state.stopped = 'max-epochs';
    save();
    writeEpochLog(opts.logFile, state.history, state.bestEpoch);
    progress.endEpoch({
      trainLoss: record.trainLoss,
      valLoss,
      samplesPerSecond: record.samplesPerSecond,
      seconds: record.seconds,
      best: improved,
      note: early
        ? `no validation gain for ${opts.patience} epochs: early stop, best epoch ${state.bestEpoch}`
        : undefined,
    });
    if (state.stopped) break;
    await yieldToEventLoop();
    if (stop.requested) {
      progress.message(
        `${opts.label}: interrupted after epoch ${epoch}; checkpoint saved in ${opts.checkpointDir} (continue with --resume)`,
      );
      return finish('interrupted');
    }
  }
  return finish(state.stopped ?? 'max-epochs');
}

function checkOptions(o: TrainRunOptions): void {
  const positiveInt = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt(o.batchSize, 'batch size');
  positiveInt(o.samplesPerEpoch, 'samples per epoch');
  positiveInt(o.maxEpochs, 'max epochs');
  positiveInt(o.patience, 'patience');
}

/** A resume must continue the same run: the options that shape the result must match. */
function assertSameConfig(saved: Record<string, unknown>, now: Record<string, unknown>, dir: string): void {
  const diffs = Object.keys({ ...saved, ...now })
    .filter((k) => k !== 'maxEpochs' && JSON.stringify(saved[k]) !== JSON.stringify(now[k]))
    .map((k) => `${k}: checkpoint ${JSON.stringify(saved[k])}, now ${JSON.stringify(now[k])}`);
  if (diffs.length)
    throw new Error(
      `cannot resume from ${dir} with different options (${diffs.join('; ')}); use another --out or the original options`,
    );
}

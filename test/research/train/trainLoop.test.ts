// CI smoke test of real training on a tiny phantom cohort: a few hundred Adam steps make the loss fall, the best
// weights are restored, and a run interrupted mid-epoch and resumed from its checkpoint ends bit-identical to an
// uninterrupted run with the same seeds.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint, type TensorRecord } from '../../../src/research/train/checkpoint';
import { readEpochLog } from '../../../src/research/train/csvLog';
import { createPatchTrainer } from '../../../src/research/train/daTrainer';
import { drawValidationSet, PatchSampler } from '../../../src/research/train/patchSampler';
import { createProgressReporter, type ProgressReporter } from '../../../src/cli/trainProgress';
import { SeededRng } from '../../../src/research/train/rng';
import { prepareTrainingSubject, type TrainingSubject } from '../../../src/research/train/trainingSubject';
import {
  trainRun,
  validationLoss,
  type PatchTrainer,
  type StopSignal,
  type TrainRunOptions,
} from '../../../src/research/train/trainLoop';
import { activateBackend } from '../../../src/model/backend';
import { resolvePhantomParams } from '../../../src/phantom/params';
import { generateSubject } from '../../../src/phantom/subject';

const params = resolvePhantomParams({ seed: 31, subjects: 3, matrix: 32, voxelSizeMm: 8, oversampling: 1 });
let subjects: TrainingSubject[];
const load = async (id: string) => subjects.find((s) => s.id === id)!;

beforeAll(async () => {
  expect(await activateBackend('wasm')).toBeUndefined();
  subjects = [0, 1, 2].map((i) => prepareTrainingSubject(generateSubject(params, i)));
});

const quiet = createProgressReporter(process.stderr, true);

/** Bit-for-bit equality of named tensors, as a list of the ones that differ (jest's toEqual walks 10⁶ floats: slow). */
function differing(a: TensorRecord[], b: TensorRecord[]): string[] {
  const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  if (a.length !== b.length) return [`${a.length} vs ${b.length} tensors`];
  return a
    .filter(
      (r, i) => r.name !== b[i].name || `${r.shape}` !== `${b[i].shape}` || !bytes(r.data).equals(bytes(b[i].data)),
    )
    .map((r) => r.name);
}

async function run(
  dir: string,
  opts: Partial<TrainRunOptions>,
  stop?: StopSignal,
  progress: ProgressReporter = quiet,
  threads = 1,
) {
  const trainer = await createPatchTrainer({ learningRate: 1e-3, seed: 4, threads });
  const sampler = new PatchSampler([subjects[0].id, subjects[1].id], load, { noiseLevel: 0.5 });
  const val = drawValidationSet([subjects[2]], 256, 0.5, new SeededRng(99));
  try {
    const result = await trainRun(
      trainer,
      sampler,
      val,
      {
        label: 'smoke',
        seed: 7,
        batchSize: 16,
        samplesPerEpoch: 16 * 40,
        maxEpochs: 5,
        patience: 8,
        checkpointDir: path.join(dir, 'checkpoint'),
        logFile: path.join(dir, 'log.csv'),
        resume: false,
        config: { test: 1 },
        ...opts,
      },
      progress,
      stop,
    );
    return { result, weights: trainer.getWeights(), optimizer: trainer.getOptimizerState() };
  } finally {
    trainer.dispose();
  }
}

describe('trainRun (real DA trainer, tiny phantom cohort)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'train-smoke-'));

  it('makes training and validation loss fall over 200 steps and logs every epoch', async () => {
    const { result } = await run(path.join(root, 'a'), {});
    expect(result.stopped).toBe('max-epochs');
    expect(result.history).toHaveLength(5);
    const first = result.history[0],
      last = result.history[4];
    expect(last.trainLoss).toBeLessThan(first.trainLoss * 0.7);
    expect(result.bestValLoss).toBeLessThan(first.valLoss);
    expect(readEpochLog(path.join(root, 'a', 'log.csv')).map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
    // The best weights are the ones the checkpoint keeps for restoring.
    const ckpt = loadCheckpoint(path.join(root, 'a', 'checkpoint'));
    expect(ckpt.state.bestEpoch).toBe(result.bestEpoch);
    expect(differing(ckpt.bestWeights, result.bestWeights)).toEqual([]);
  });

  // 2 threads: the data-parallel trainer (node-parallel-trainer) under the same loop, checkpoint and stop signal.
  it.each([1, 2])(
    'resumes an interrupted run (mid-epoch checkpoint) to the same weights as an uninterrupted run, %i thread(s)',
    async (threads) => {
      const short = { maxEpochs: 2, samplesPerEpoch: 16 * 15 };
      const full = await run(path.join(root, `full-${threads}`), short, undefined, quiet, threads);
      const stop: StopSignal = { requested: false };
      let steps = 0;
      // Interrupt in the middle of epoch 2, as a SIGINT handler would.
      const interrupting: ProgressReporter = {
        ...quiet,
        step: () => {
          if (++steps === 15 + 7) stop.requested = true;
        },
      };
      const dir = path.join(root, `resumed-${threads}`);
      const first = await run(dir, short, stop, interrupting, threads);
      expect(first.result.stopped).toBe('interrupted');
      expect(loadCheckpoint(path.join(dir, 'checkpoint')).state.stepInEpoch).toBe(7);
      const resumed = await run(dir, { ...short, resume: true }, undefined, quiet, threads);
      expect(resumed.result.stopped).toBe('max-epochs');
      expect(resumed.result.history.map((h) => h.trainLoss)).toEqual(full.result.history.map((h) => h.trainLoss));
      expect(resumed.result.history.map((h) => h.valLoss)).toEqual(full.result.history.map((h) => h.valLoss));
      expect(differing(resumed.weights, full.weights)).toEqual([]);
      expect(differing(resumed.optimizer, full.optimizer)).toEqual([]);
    },
  );

  it('refuses to resume with different options', async () => {
    await expect(
      run(path.join(root, 'full-1'), { maxEpochs: 2, samplesPerEpoch: 16 * 15, resume: true, config: { test: 2 } }),
    ).rejects.toThrow(/cannot resume .* with different options \(test: checkpoint 1, now 2\)/);
  });

  it('stops early after `patience` epochs without validation gain', async () => {
    // Epochs of 4 batches: the validation loss soon stops falling every epoch, so patience 1 ends the run early.
    const { result } = await run(path.join(root, 'early'), { patience: 1, maxEpochs: 30, samplesPerEpoch: 16 * 4 });
    expect(result.stopped).toBe('early-stopping');
    expect(result.history.length).toBe(result.bestEpoch + 1);
  });
});

describe('validationLoss', () => {
  it('pools samples, or with groups takes the geometric mean of the groups’ MSEs (each regime weighs alike)', () => {
    // A model that predicts 0: its MSE on a chunk is the mean of the squared targets.
    const zero = {
      evaluate: (_p: Float32Array, t: Float32Array, n: number) => t.subarray(0, n).reduce((a, x) => a + x * x, 0) / n,
    } as unknown as PatchTrainer;
    const targets = Float32Array.of(1, 1, 1, 2, 2, 2, 2, 2, 2, 2);
    const val = { patches: new Float32Array(targets.length), targets, count: targets.length };
    expect(validationLoss(zero, val)).toBeCloseTo((3 * 1 + 7 * 4) / 10, 6);
    const groups = [
      { id: 'sub-01', start: 0, count: 3 },
      { id: 'sub-02', start: 3, count: 7 },
    ];
    expect(validationLoss(zero, { ...val, groups })).toBeCloseTo(Math.sqrt(1 * 4), 6);
  });
});

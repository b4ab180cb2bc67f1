// Checkpoint files: tensors round-trip bit-exactly, a missing or truncated file fails with a clear message, and the
// epoch CSV log is rewritten whole (no duplicate rows after a resume).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  decodeTensors,
  encodeTensors,
  hasCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
} from '../../../src/research/train/checkpoint';
import { readEpochLog, writeEpochLog } from '../../../src/research/train/csvLog';
import { SeededRng } from '../../../src/research/train/rng';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));

function randomTensor(name: string, shape: number[], rng: SeededRng) {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, data: Float32Array.from({ length: n }, () => rng.gaussian()) };
}

describe('checkpoint', () => {
  it('round-trips weights, optimizer state, best weights and loop state exactly', () => {
    const rng = new SeededRng(5);
    const ckpt: Checkpoint = {
      state: {
        version: 1,
        epochsDone: 3,
        stepInEpoch: 7,
        partialLossSum: 1.5,
        partialSamples: 896,
        partialSeconds: 2.5,
        rng: rng.getState(),
        sampler: { workingSet: ['sub-01'], batchesSinceRotation: 2 },
        bestValLoss: 0.01,
        bestEpoch: 2,
        epochsWithoutImprovement: 1,
        stopped: null,
        history: [{ epoch: 1, trainLoss: 0.1, valLoss: 0.2, samples: 100, seconds: 1, samplesPerSecond: 100 }],
        config: { lr: 1e-4 },
      },
      weights: [randomTensor('conv1/kernel', [3, 3, 3, 1, 4], rng), randomTensor('conv1/bias', [4], rng)],
      optimizer: [randomTensor('m', [5, 2], rng), randomTensor('iterations', [1], rng)],
      bestWeights: [randomTensor('conv1/kernel', [3, 3, 3, 1, 4], rng)],
    };
    const dir = tmp();
    expect(hasCheckpoint(dir)).toBe(false);
    saveCheckpoint(dir, ckpt);
    expect(hasCheckpoint(dir)).toBe(true);
    expect(loadCheckpoint(dir)).toEqual(ckpt);
    // No temp files are left behind.
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses missing, truncated or inconsistent files with a clear message', () => {
    const dir = tmp();
    expect(() => loadCheckpoint(dir)).toThrow(/no checkpoint/);
    const good = encodeTensors([{ name: 'w', shape: [4], data: new Float32Array([1, 2, 3, 4]) }]);
    expect(() => decodeTensors(good.subarray(0, good.length - 4), 'w.bin')).toThrow(
      /w\.bin: tensor w runs past the end/,
    );
    expect(() => decodeTensors(Buffer.alloc(2), 'x.bin')).toThrow(/x\.bin is truncated/);
    expect(() => encodeTensors([{ name: 'w', shape: [3], data: new Float32Array(4) }])).toThrow(
      /4 values but shape \[3\]/,
    );
  });
});

describe('epoch log', () => {
  it('writes one row per epoch, marks the best, and reads back', () => {
    const file = path.join(tmp(), 'log.csv');
    const history = [1, 2, 3].map((e) => ({
      epoch: e,
      trainLoss: 1 / e,
      valLoss: 2 / e,
      samples: 1000,
      seconds: 2,
      samplesPerSecond: 500,
    }));
    writeEpochLog(file, history.slice(0, 2), 2);
    writeEpochLog(file, history, 3);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3].endsWith(',1')).toBe(true);
    const back = readEpochLog(file);
    expect(back.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(back[2].valLoss).toBeCloseTo(2 / 3, 6);
    fs.writeFileSync(file, 'nope\n');
    expect(() => readEpochLog(file)).toThrow(/not a training log/);
  });
});

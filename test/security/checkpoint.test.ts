// Training checkpoints are checksummed (a corrupted one is refused, naming the file), a corrupt state.json names the
// file and the field, --resume without a checkpoint is an error, and one Ctrl-C — delivered as a terminal or
// `timeout -s INT` delivers it, to the whole process group through the bin/ wrapper — saves the partial epoch
// instead of quitting. Runtime: ~60 s (two short trainings in parallel, on a 32³ in-memory cohort).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../src/research/train/checkpoint';
import { SeededRng } from '../../src/research/train/rng';
import { BIN, ROOT, runCli } from './cliHarness';

jest.setTimeout(300_000);

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sec-ckpt-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function checkpoint(): Checkpoint {
  const tensor = (name: string, seed: number) => ({
    name,
    shape: [4, 8],
    data: Float32Array.from({ length: 32 }, (_, i) => Math.sin(i * seed)),
  });
  return {
    state: {
      version: 1,
      epochsDone: 0,
      stepInEpoch: 3,
      partialLossSum: 1.5,
      partialSamples: 192,
      partialSeconds: 2,
      rng: new SeededRng(3).getState(),
      sampler: { ids: ['sub-01'] },
      bestValLoss: Infinity, // no epoch finished yet: stored as null in JSON
      bestEpoch: 0,
      epochsWithoutImprovement: 0,
      stopped: null,
      history: [],
      config: { seed: 3 },
    },
    weights: [tensor('w', 1)],
    optimizer: [tensor('m', 2), tensor('v', 3)],
    bestWeights: [tensor('w', 4)],
  };
}

describe('checkpoint files', () => {
  it('round-trips, including "no best epoch yet" (Infinity, which JSON cannot hold)', () => {
    const dir = path.join(root, 'ok');
    saveCheckpoint(dir, checkpoint());
    const back = loadCheckpoint(dir);
    expect(back.state.bestValLoss).toBe(Infinity);
    expect(back.state.stepInEpoch).toBe(3);
    expect(Array.from(back.optimizer[1].data)).toEqual(Array.from(checkpoint().optimizer[1].data));
  });

  it.each(['weights.bin', 'optimizer.bin', 'best-weights.bin'])('refuses a corrupted %s, naming the file', (file) => {
    const dir = path.join(root, `bad-${file}`);
    saveCheckpoint(dir, checkpoint());
    const target = path.join(dir, file);
    const bytes = fs.readFileSync(target);
    bytes[bytes.length - 3] ^= 0x10; // one bit of one float: the file still decodes, only the checksum notices
    fs.writeFileSync(target, bytes);
    expect(() => loadCheckpoint(dir)).toThrow(
      `checkpoint file ${target} is corrupted: its SHA-256 does not match the one in ${path.join(dir, 'state.json')}`,
    );
  });

  it.each([
    ['not JSON', (t: string) => t.slice(0, 40), /state\.json is not valid JSON/],
    [
      'a negative epoch',
      (t: string) => t.replace('"epochsDone": 0', '"epochsDone": -2'),
      /state\.json: field "epochsDone" must be an integer ≥ 0, got -2/,
    ],
    [
      'a text loss',
      (t: string) => t.replace('"partialLossSum": 1.5', '"partialLossSum": "1.5"'),
      /field "partialLossSum" must be a finite number, got "1\.5"/,
    ],
    [
      'no checksums',
      (t: string) => t.replace('"checksums"', '"sums"'),
      /field "checksums\.weights" must be a SHA-256 hex digest/,
    ],
    [
      'a bad stop reason',
      (t: string) => t.replace('"stopped": null', '"stopped": "tired"'),
      /field "stopped" must be null, "early-stopping" or "max-epochs", got "tired"/,
    ],
  ])('a state.json with %s names the file and the field', (_what, corrupt, message) => {
    const dir = path.join(root, `state-${_what.replace(/\W+/g, '-')}`);
    saveCheckpoint(dir, checkpoint());
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, corrupt(fs.readFileSync(file, 'utf8')));
    expect(() => loadCheckpoint(dir)).toThrow(message);
    expect(() => loadCheckpoint(dir)).toThrow(file);
  });
});

describe('sodium-denoise train', () => {
  const COHORT = 'phantom:4:3:32:8';
  // 128 batches of 64 patches per epoch: a few seconds, so a signal lands inside an epoch.
  const TRAIN = [
    '--folds',
    '2',
    '--samples-per-epoch',
    '8192',
    '--val-samples',
    '128',
    '--batch',
    '64',
    '--max-epochs',
    '20',
    '--patience',
    '20',
  ];

  it('--resume on a folder without a checkpoint is an error, not a fresh start', async () => {
    const out = path.join(root, 'empty-run');
    fs.mkdirSync(out);
    const r = await runCli(['train', '--cohort', COHORT, '--out', out, ...TRAIN, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `sodium-denoise: --resume: no checkpoint in ${out} (no checkpoint/state.json below it); run without --resume to start`,
    );
    expect(fs.readdirSync(out)).toEqual([]);
  });

  /**
   * Starts training through bin/ (its own process group, as a shell job), waits for epoch 1 to end, then delivers one
   * Ctrl-C inside epoch 2 the way `how` says: to the whole group (a terminal), or by making `timeout -s INT` fire.
   */
  function interruptOnce(how: 'group' | 'timeout'): Promise<{ code: number | null; stderr: string; out: string }> {
    const out = path.join(root, `run-${how}`);
    const argv = [BIN, 'train', '--cohort', COHORT, '--out', out, ...TRAIN];
    // timeout: SIGALRM makes GNU timeout act as if its time ran out (SIGINT to the wrapper, then to the whole group).
    const child =
      how === 'timeout'
        ? spawn('timeout', ['--preserve-status', '-s', 'INT', '3600', process.execPath, ...argv], {
            cwd: ROOT,
            detached: true,
          })
        : spawn(process.execPath, argv, { cwd: ROOT, detached: true });
    let stderr = '';
    let sent = false;
    return new Promise((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!sent && /fold 1 epoch 1\/20:/.test(stderr)) {
          sent = true;
          // Into epoch 2: wait a moment so batches of the new epoch are done.
          setTimeout(() => (how === 'timeout' ? child.kill('SIGALRM') : process.kill(-child.pid!, 'SIGINT')), 700);
        }
      });
      child.on('exit', (code) => resolve({ code, stderr, out }));
    });
  }

  it('one Ctrl-C to the process group, or timeout -s INT, saves the partial epoch and exits 130', async () => {
    const runs = await Promise.all([interruptOnce('group'), interruptOnce('timeout')]);
    for (const r of runs) {
      expect(r.stderr).toMatch(/SIGINT received, saving a checkpoint after this batch/);
      expect(r.stderr).not.toMatch(/second SIGINT/);
      expect(r.stderr).toMatch(/fold 1: interrupted at epoch 2, batch \d+\/128; checkpoint saved/);
      expect(r.code).toBe(130);
      const state = loadCheckpoint(path.join(r.out, 'fold-1', 'checkpoint')).state;
      expect(state.epochsDone).toBe(1);
      expect(state.stepInEpoch).toBeGreaterThan(0); // the partial epoch is kept, not lost
    }
  });
});

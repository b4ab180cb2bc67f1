// `sodium-denoise train` and `evaluate` as a user runs them, on a tiny in-memory phantom cohort: cross-validation
// writes per-fold weights, logs, learning curves and the pooled report; SIGINT checkpoints and exits 130; --resume
// finishes the run; evaluate scores saved weights; bad options fail with one clear line.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { ROOT, spawnCli } from '../helpers/cli';

const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');
const COHORT = 'phantom:4:3:32:8';
const TINY = ['--folds', '2', '--samples-per-epoch', '256', '--val-samples', '128', '--batch', '64'];

const cli = (args: string[]) => spawnCli(args, { cwd: ROOT, timeout: 240000 });

describe('sodium-denoise train / evaluate', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-train-'));
  /** A tiny cross-validated training run into `out`, stopped after `maxEpochs`. */
  const trainArgs = (maxEpochs: string, ...more: string[]) => [
    'train',
    '--cohort',
    COHORT,
    '--out',
    out,
    ...TINY,
    '--max-epochs',
    maxEpochs,
    '--patience',
    '50',
    ...more,
  ];
  /** Evaluates fold 1's saved weights on one subject of the cohort. */
  const evaluateArgs = (subject: string, ...more: string[]) => [
    'evaluate',
    '--cohort',
    COHORT,
    '--weights',
    path.join(out, 'fold-1', 'weights'),
    '--subjects',
    subject,
    ...more,
  ];

  it('stops cleanly on SIGINT with a checkpoint, then --resume runs the cross-validation to the end', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...trainArgs('50')], { cwd: ROOT });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // After the first finished epoch, interrupt as Ctrl-C would.
        if (/fold 1 epoch 1\/50:/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', resolve);
    });
    expect(stderr).toMatch(/SIGINT received/);
    expect(stderr).toMatch(/checkpoint saved in .*fold-1.*--resume/);
    expect(code).toBe(130);
    expect(fs.existsSync(path.join(out, 'fold-1', 'checkpoint', 'state.json'))).toBe(true);

    const res = cli(trainArgs('2', '--resume', '--json', '--quiet'));
    expect(res.stderr).not.toMatch(/sodium-denoise:/);
    expect(res.code).toBe(0);
    const json = JSON.parse(res.stdout);
    expect(json.mode).toBe('cross-validation');
    expect(json.runs).toHaveLength(2);
    expect(json.runs.every((r: { epochs: number }) => r.epochs === 2)).toBe(true);
    // Every subject is held out once; no subject is in two roles of a fold.
    for (const fold of json.plan.folds) {
      const all = [...fold.train, ...fold.validation, ...fold.test];
      expect(new Set(all).size).toBe(4);
    }
    for (const f of [
      'cv-report.md',
      'cv-report.json',
      'cv-report-per-subject.csv',
      'learning-curves.png',
      'learning-curves.svg',
      'cv-plan.json',
      'fold-1/log.csv',
      'fold-1/weights/model.json',
      'fold-1/weights/model-card.json',
      'fold-2/evaluation/report.md',
    ]) {
      expect(fs.existsSync(path.join(out, f))).toBe(true);
    }
    const md = fs.readFileSync(path.join(out, 'cv-report.md'), 'utf8');
    expect(md).toMatch(/\| NLM \| -?\d+\.\d\d \|/);
    expect(md).toMatch(/paired t\(\d\)/);
    const csv = fs.readFileSync(path.join(out, 'cv-report-per-subject.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + 2 * 3); // two test subjects × noisy/NLM/DA
    expect(PNG.sync.read(fs.readFileSync(path.join(out, 'learning-curves.png'))).width).toBeGreaterThan(400);
  });

  it('evaluate scores saved weights on chosen subjects and writes the report and figure', () => {
    const dir = path.join(out, 'eval');
    const res = cli(evaluateArgs('sub-02', '--out', dir, '--json'));
    expect(res.code).toBe(0);
    const json = JSON.parse(res.stdout);
    expect(json.subjects).toEqual(['sub-02']);
    expect(json.tables.map((t: { reference: string; metric: string }) => `${t.reference}/${t.metric}`)).toEqual([
      'mean3/psnr',
      'mean3/ssim',
      'truth/psnr',
      'truth/ssim',
    ]);
    expect(fs.existsSync(path.join(dir, 'figure-sub-02.png'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'report.md'))).toBe(true);
  });

  it('cross-validation with --normalise sigma scores each fold with the normalisation its weights were trained with', () => {
    const dir = path.join(out, 'cv-sigma');
    const res = cli([
      'train',
      '--cohort',
      COHORT,
      '--out',
      dir,
      ...TINY,
      '--max-epochs',
      '1',
      '--normalise',
      'sigma',
      '--json',
      '--quiet',
    ]);
    expect(res.code).toBe(0);
    const subject: string = JSON.parse(res.stdout).plan.folds[0].test[0];
    const cv = JSON.parse(fs.readFileSync(path.join(dir, 'cv-report.json'), 'utf8'));
    const inCv = cv.perSubject.find((s: { id: string }) => s.id === subject).quality.truth.da;
    // evaluate reads the saved card (σ normalisation): the fold's own evaluation must score the same.
    const ev = cli([
      'evaluate',
      '--cohort',
      COHORT,
      '--weights',
      path.join(dir, 'fold-1', 'weights'),
      '--subjects',
      subject,
      '--json',
    ]);
    expect(ev.code).toBe(0);
    const saved = JSON.parse(ev.stdout).perSubject[0].quality.truth.da;
    expect(inCv.psnr).toBeCloseTo(saved.psnr, 6);
    expect(inCv.ssim).toBeCloseTo(saved.ssim, 6);
  });

  it('--final across stratified regimes with --val-truth stops on the designed subjects, against the truth', () => {
    const dir = path.join(out, 'stratified');
    const res = cli([
      'train',
      '--final',
      '--cohort',
      'phantom:4:7',
      '--regimes',
      'mixture',
      '--stratified',
      '--val-subjects',
      '2',
      '--val-truth',
      '--normalise',
      'sigma',
      '--samples-per-epoch',
      '256',
      '--val-samples',
      '64',
      '--batch',
      '64',
      '--max-epochs',
      '1',
      '--threads',
      '1',
      '--out',
      dir,
      '--json',
    ]);
    expect(res.code).toBe(0);
    const card = JSON.parse(fs.readFileSync(path.join(dir, 'final', 'weights', 'model-card.json'), 'utf8'));
    expect(card.training.validationSubjects).toEqual(['sub-03', 'sub-04']);
    expect(card.training.trainSubjects.sort()).toEqual(['sub-01', 'sub-02']);
    expect(card.training.data).toMatch(/regimes stratified/);
    expect(card.training.protocol).toMatch(/noise-free truth on brain-centred patches per validation subject/);
    expect(card.normalisation.by).toBe('sigma');
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'final', 'checkpoint', 'state.json'), 'utf8'));
    expect(state.config.validationLabel).toMatch(/^truth/);
    const bad = cli(['train', '--cohort', 'phantom:4:7', '--regimes', 'mixture', '--stratified', '--out', dir]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toMatch(/--stratified needs --final \(it designs the early-stopping subjects\)$/);
  });

  it('fails with one clear line on bad input', () => {
    const bad = cli(['train', '--cohort', COHORT, '--out', out, '--folds', '3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^sodium-denoise: 3-fold cross-validation needs at least 6 subjects/);
    const lr = cli(['train', '--cohort', COHORT, '--out', out, '--lr', 'fast']);
    expect(lr.stderr.trim()).toBe('sodium-denoise: --lr must be a positive number, got "fast"');
    const who = cli(evaluateArgs('sub-09'));
    expect(who.stderr).toMatch(/--subjects: sub-09 not in the cohort/);
  });
});

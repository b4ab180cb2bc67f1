// Compares DA weight folders (and NLM) on held-out phantom subjects in a few regimes: pSNR / SSIM over the brain vs the
// noise-free truth. The yardstick before publishing weights trained across regimes, when the full robustness matrix
// does not fit the time. A model may also be a training checkpoint folder (checkpoint/state.json): its best-so-far
// weights with the run's normalisation, so a run can be judged while it trains. Usage:
//   node --import tsx scripts/compare-da.ts --models weights/da,runs/mixture/final/weights [--nlm] [--out reports/regimes]
//     [--cells default,snr-5] [--subjects 2] [--label name]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { psnr, ssim3d } from '../src/core/metrics';
import type { Volume } from '../src/core/volume';
import { activateBackend } from '../src/model/backend';
import { DEFAULT_NORMALISATION, sigmaNormalisation } from '../src/model/da/normalise';
import { type LoadedDA, loadDA } from '../src/model/da/weights-io';
import { resolvePhantomParams } from '../src/phantom/params';
import { generateSubject } from '../src/phantom/subject';
import type { PhantomParamsInput } from '../src/phantom/types';
import { asLoadedDA, createEvaluationDenoiser } from '../src/research/evaluate/denoisers';
import { hasCheckpoint, loadCheckpoint } from '../src/research/train/checkpoint';
import { fromTensorRecords } from '../src/research/train/daTrainer';

/** Held-out seed: training used 1 (shipped) and 7 (the mixture runs); the robustness matrix 20261201. */
const SEED = 4242;
const uniform: PhantomParamsInput = { anatomy: { variant: 'uniform-compartments' } };
const CELLS: Array<[string, string, PhantomParamsInput]> = [
  ['default', 'default (white, SNR 13, 4 mm)', {}],
  ['snr-5', 'white, SNR 5', { snr: 5 }],
  ['snr-3', 'white, SNR 3', { snr: 3 }],
  ['noise-hamming', 'Hamming-filtered noise, SNR 13', { noise: 'apodised' }],
  ['snr-30', 'white, SNR 30', { snr: 30 }],
  ['corner-uniform-snr5', 'uniform compartments, SNR 5', { ...uniform, snr: 5 }],
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** A weights folder, or a run's checkpoint folder (its best weights, in the run's normalisation). */
async function loadModel(dir: string): Promise<LoadedDA> {
  const abs = path.resolve(dir);
  if (!hasCheckpoint(abs)) return loadDA(abs);
  const ckpt = loadCheckpoint(abs);
  const config = ckpt.state.config as { normalisation?: string };
  const model = asLoadedDA(fromTensorRecords(ckpt.bestWeights), `checkpoint ${dir}`);
  model.card.normalisation = config.normalisation === 'sigma' ? sigmaNormalisation() : DEFAULT_NORMALISATION;
  console.error(
    `${dir}: best epoch ${ckpt.state.bestEpoch} of ${ckpt.state.epochsDone} (validation ${ckpt.state.bestValLoss.toExponential(4)}), ${model.card.normalisation.by} normalisation`,
  );
  return model;
}

async function main(): Promise<void> {
  const dirs = (arg('models') ?? 'weights/da').split(',');
  const withNlm = process.argv.includes('--nlm');
  const out = arg('out');
  const subjects = Number(arg('subjects') ?? 1);
  if (!(Number.isInteger(subjects) && subjects >= 1)) throw new Error(`--subjects must be a positive integer`);
  const wanted = arg('cells')?.split(',');
  const unknown = wanted?.find((id) => !CELLS.some(([c]) => c === id));
  if (unknown) throw new Error(`unknown cell ${unknown} (cells: ${CELLS.map(([c]) => c).join(', ')})`);
  const cells = CELLS.filter(([id]) => !wanted || wanted.includes(id));
  const reason = await activateBackend('wasm');
  if (reason) throw new Error(reason);
  const models = await Promise.all(dirs.map(loadModel));
  const rows: Array<Record<string, unknown>> = [];
  type Score = { psnr: number; ssim: number };
  for (const [id, label, params] of cells) {
    const t0 = performance.now();
    const sums = new Map<string, Score>();
    const add = (col: string, s: Score) => {
      const a = sums.get(col) ?? { psnr: 0, ssim: 0 };
      sums.set(col, { psnr: a.psnr + s.psnr / subjects, ssim: a.ssim + s.ssim / subjects });
    };
    for (let i = 0; i < subjects; i++) {
      const s = generateSubject(resolvePhantomParams({ seed: SEED, subjects, ...params }), i);
      const input = s.acquisitions[0];
      const score = (v: Volume): Score => ({
        psnr: psnr(s.truth, v, s.brainMask),
        ssim: ssim3d(s.truth, v, { mask: s.brainMask }).mean,
      });
      add('noisy', score(input));
      for (const [k, m] of models.entries()) add(dirs[k], score(await createEvaluationDenoiser(m)(input, 'da', s)));
      if (withNlm) add('nlm', score(await createEvaluationDenoiser(models[0])(input, 'nlm', s)));
    }
    const row: Record<string, unknown> = { id, cell: label, subjects };
    for (const [col, v] of sums) row[col] = { psnr: +v.psnr.toFixed(2), ssim: +v.ssim.toFixed(4) };
    row.seconds = Math.round((performance.now() - t0) / 1000);
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const cols = ['noisy', ...dirs, ...(withNlm ? ['nlm'] : [])];
  const fmt = (v: unknown) => {
    const x = v as Score;
    return `${x.psnr.toFixed(2)} / ${x.ssim.toFixed(4)}`;
  };
  const md = [
    `| cell | ${cols.join(' | ')} |`,
    `|---|${cols.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.cell} | ${cols.map((c) => fmt(r[c])).join(' | ')} |`),
  ].join('\n');
  console.log(md);
  if (out) {
    const stem = arg('label') ?? 'compare';
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(
      path.join(out, `${stem}.json`),
      JSON.stringify({ seed: SEED, subjectsPerCell: subjects, models: dirs, rows }, null, 1) + '\n',
    );
    fs.writeFileSync(path.join(out, `${stem}.md`), md + '\n');
  }
}

main().catch((err) => {
  console.error(`compare-da: ${(err as Error).message}`);
  process.exit(1);
});

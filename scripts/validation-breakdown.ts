// The validation loss of a stratified mixture run split by validation subject (regime), for any weights or
// checkpoints: which regimes the pooled loss — the one early stopping reads — is made of. Rebuilds the run's fixed
// validation set exactly as foldRunner draws it (same subjects, seed, count, added noise, centre share). Usage:
//   node --import tsx scripts/validation-breakdown.ts --models weights/da,/work/runs/x/final/weights
//     [--cohort phantom:24:7] [--val-subjects 6] [--val-samples 16384] [--seed 1] [--normalise sigma] [--truth]
// --truth: labels are the noise-free truth (train --val-truth's validation) and "all" is the geometric mean.
import * as path from 'node:path';
import { activateBackend } from '../src/model/backend';
import { DEFAULT_NORMALISATION, sigmaNormalisation } from '../src/model/da/normalise';
import { loadDA } from '../src/model/da/weights-io';
import { hasCheckpoint, loadCheckpoint } from '../src/research/train/checkpoint';
import { createPatchTrainer, fromTensorRecords } from '../src/research/train/daTrainer';
import { drawValidationSet } from '../src/research/train/patchSampler';
import { DEFAULT_MIXTURE, mixtureCohort, stratifiedRegimes } from '../src/research/train/regimeMixture';
import { SeededRng } from '../src/research/train/rng';
import { prepareTrainingSubject } from '../src/research/train/trainingSubject';
import { PATCH_VOXELS } from '../src/model/da/architecture';
import type { DAWeights } from '../src/model/da/architecture';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function weightsOf(dir: string): Promise<DAWeights> {
  const abs = path.resolve(dir);
  return hasCheckpoint(abs) ? fromTensorRecords(loadCheckpoint(abs).bestWeights) : (await loadDA(abs)).weights;
}

async function main(): Promise<void> {
  const m = /^phantom:(\d+):(\d+)$/.exec(arg('cohort', 'phantom:24:7'));
  if (!m) throw new Error('--cohort must be phantom:<subjects>:<seed>');
  const [subjects, cohortSeed] = [Number(m[1]), Number(m[2])];
  const held = Number(arg('val-subjects', '6'));
  const count = Number(arg('val-samples', '16384'));
  const seed = Number(arg('seed', '1'));
  const norm = arg('normalise', 'sigma') === 'sigma' ? sigmaNormalisation() : DEFAULT_NORMALISATION;
  const reason = await activateBackend('wasm');
  if (reason) throw new Error(reason);
  const cohort = mixtureCohort(subjects, cohortSeed, DEFAULT_MIXTURE, { stratified: true, validation: held });
  const ids = cohort.validationIds!;
  const regimes = stratifiedRegimes(DEFAULT_MIXTURE, cohortSeed, held, 'validation');
  const val = await Promise.all(ids.map(async (id) => prepareTrainingSubject(await cohort.load(id), norm)));
  const truth = process.argv.includes('--truth');
  // train --val-truth centres its validation patches on the brain (what the metrics score); pooled runs use the share.
  const share = truth ? undefined : DEFAULT_MIXTURE.share;
  const set = drawValidationSet(val, count, 1, new SeededRng(seed ^ 0x5a5a5a5a), share, truth);
  const dirs = arg('models', 'weights/da').split(',');
  const header = ['subject', 'regime', ...dirs];
  const rows = ids.map((id, j) => [id, `${regimes[j].noise} SNR ${regimes[j].snr}, ${regimes[j].voxelSizeMm} mm`]);
  rows.push([
    'all',
    truth ? 'geometric mean over subjects (what early stopping reads)' : 'pooled (what early stopping reads)',
  ]);
  for (const dir of dirs) {
    const trainer = await createPatchTrainer({ learningRate: 1e-4, seed, initialWeights: await weightsOf(dir) });
    const losses = ids.map((_, j) => {
      // Pooled sets go round-robin over the subjects (sample b is subject b mod held); truth sets are grouped.
      const g = set.groups?.[j];
      const idx = g
        ? Array.from({ length: g.count }, (_, q) => g.start + q)
        : Array.from({ length: Math.ceil((count - j) / held) }, (_, q) => j + q * held);
      const patches = new Float32Array(idx.length * PATCH_VOXELS);
      const targets = new Float32Array(idx.length);
      idx.forEach((b, q) => {
        patches.set(set.patches.subarray(b * PATCH_VOXELS, (b + 1) * PATCH_VOXELS), q * PATCH_VOXELS);
        targets[q] = set.targets[b];
      });
      const loss = trainer.evaluate(patches, targets, idx.length);
      rows[j].push(loss.toExponential(3));
      return { loss, n: idx.length };
    });
    const all = truth
      ? Math.exp(losses.reduce((a, l) => a + Math.log(l.loss), 0) / losses.length)
      : losses.reduce((a, l) => a + (l.loss * l.n) / count, 0);
    rows[ids.length].push(all.toExponential(3));
    trainer.dispose();
  }
  console.log(
    [
      `| ${header.join(' | ')} |`,
      `|${header.map(() => '---').join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(`validation-breakdown: ${(err as Error).message}`);
  process.exit(1);
});

// Publishes a finished run's best weights as the shipped model: model.json + weights.bin, a model card enriched with
// the cross-validation results, training time and hardware, and a human-readable MODEL_CARD.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DAWeights } from '../../model/da/architecture';
import { architectureSection, type ModelCard } from '../../model/da/card';
import { type LoadedDA, saveDA } from '../../model/da/weights-io';
import type { EvaluationReport } from '../evaluate/report';
import type { RunOutcome } from './foldRunner';
import { writeFolderAtomic } from '../../io/atomic-write';

export interface PublishOptions {
  /** Target folder (a model's folder under the repository's weights/, e.g. weights/da/). */
  dir: string;
  run: RunOutcome;
  /** The run's own card (written by the fold runner beside its weights). */
  card: ModelCard;
  /** Cross-validation report of the same protocol, if one was run. */
  cv?: { report: EvaluationReport; label: string; file: string };
  /** Wall-clock seconds of the whole final run including evaluation. */
  backend: string;
  version: string;
}

export function hardwareDescription(backend: string): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length} logical cores (shared with other jobs), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, tfjs 4.22 ${backend} backend`;
}

export async function publishWeights(o: PublishOptions): Promise<string[]> {
  const card: ModelCard = {
    ...o.card,
    version: o.version,
    status: 'trained',
    created: new Date().toISOString(),
    training: { ...o.card.training, hardware: hardwareDescription(o.backend) },
    metrics: { ...o.card.metrics, ...(o.cv ? cvMetrics(o.cv.report) : {}) },
    notes: [
      'Trained on synthetic data only (src/phantom); not validated on patient images and not for diagnosis.',
      ...(o.cv ? [`Cross-validation (${o.cv.label}): ${o.cv.file}`] : []),
    ],
  };
  // The new model is built beside the old one and swapped in whole: weights and card never come from two models.
  await writeFolderAtomic(
    o.dir,
    async (tmp) => {
      keepOtherFiles(o.dir, tmp);
      await saveDA(tmp, o.run.bestWeights, card);
      fs.writeFileSync(path.join(tmp, 'MODEL_CARD.md'), modelCardMarkdown(card, o));
    },
    { replace: true },
  );
  const md = path.join(o.dir, 'MODEL_CARD.md');
  return [path.join(o.dir, 'model.json'), path.join(o.dir, 'weights.bin'), path.join(o.dir, 'model-card.json'), md];
}

/** Files in the target folder that are not a model's (notes, scripts) move to the new folder unchanged. */
function keepOtherFiles(from: string, to: string): void {
  if (!fs.existsSync(from)) return;
  for (const name of fs.readdirSync(from)) {
    if (['model.json', 'model-card.json', 'MODEL_CARD.md', 'stage2'].includes(name) || name.endsWith('.bin')) continue;
    fs.cpSync(path.join(from, name), path.join(to, name), { recursive: true });
  }
}

function cvMetrics(r: EvaluationReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of r.tables) {
    out[`cv_${t.metric}_gain_pct_vs_${t.reference}_nlm`] = round(t.improvementPct.nlm.mean);
    out[`cv_${t.metric}_gain_pct_vs_${t.reference}_da`] = round(t.improvementPct.da.mean);
  }
  return out;
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

/** One line on how the DA compares with NLM, from the cross-validation when there is one. */
function comparisonNote(o: PublishOptions): string[] {
  const lines: string[] = [];
  const t =
    o.cv?.report.tables.find((x) => x.reference === 'truth' && x.metric === 'psnr') ??
    o.cv?.report.tables.find((x) => x.metric === 'psnr');
  if (t) {
    const better = t.improvementPct.da.mean > t.improvementPct.nlm.mean;
    lines.push(
      `- In cross-validation the DA ${better ? 'beats' : 'does not beat'} NLM (DIPY defaults) on pSNR against the ${t.reference === 'truth' ? 'noise-free truth' : 'mean of three'}: +${t.improvementPct.da.mean.toFixed(2)} % vs +${t.improvementPct.nlm.mean.toFixed(2)} % over the noisy input (table below).`,
    );
  }
  const q = (image: string) => o.cv?.report.quantification.find((x) => x.image === image);
  const [da, nlm] = [q('da'), q('nlm')];
  if (da?.tubeAbsBiasMM && nlm?.tubeAbsBiasMM) {
    lines.push(
      `- Quantification: the DA shifts the calibration tubes by ${da.tubeAbsBiasMM.mean.toFixed(2)} mM on average (NLM ${nlm.tubeAbsBiasMM.mean.toFixed(2)} mM; it was trained on brain voxels only, the tubes are outside that distribution); lesion contrast kept at ${da.lesionContrastRatio?.mean.toFixed(3) ?? '?'} of the truth's (NLM ${nlm.lesionContrastRatio?.mean.toFixed(3) ?? '?'}). Check these in the cross-validation report before reading TSC from denoised images.`,
    );
  }
  lines.push(
    '- With scanner-like, spatially correlated noise (`sodium-denoise phantom --noise apodised`) NLM beats this architecture: its 5×5×5 receptive field cannot average correlated noise away (reports/apodised/da-vs-nlm-diagnosis.md).',
  );
  return lines;
}

function modelCardMarkdown(card: ModelCard, o: PublishOptions): string {
  const t = card.training;
  const r = o.run;
  const lines = [
    `# Model card: ${card.name} ${card.version}`,
    '',
    'The convolutional denoising autoencoder of Koppers et al. (Table 1: Conv3D 64×3³ → Conv3D 256×3³ → Dense 32 → Dense 256 → Dense 1, ReLU but the last; 461,345 parameters) for sodium (23Na) MRI, as a tfjs LayersModel (`model.json` + `weights.bin`).',
    '',
    '| # | layer | output | parameters |',
    '|---|---|---|---|',
    '| 1 | Conv3D 64 × 3³, valid, ReLU | 3×3×3×64 | 1,792 |',
    '| 2 | Conv3D 256 × 3³, valid, ReLU | 1×1×1×256 | 442,624 |',
    '| 3 | Flatten | 256 | – |',
    '| 4 | Dense 32, ReLU | 32 | 8,224 |',
    '| 5 | Dense 256, ReLU | 256 | 8,448 |',
    '| 6 | Dense 1, linear | 1 | 257 |',
    '|   | **total** | | **461,345** |',
    '',
    '## How to feed it',
    '',
    `- Normalisation (read from \`model-card.json\` by \`denoiseDA\`): ${card.normalisation.description}.`,
    `- Patch layout: ${card.architecture.inputLayout}; border: ${card.architecture.border} (numpy's mode), so every voxel of a volume with all dims ≥ 5 gets an output.`,
    "- `sodium-denoise denoise --method da` or `denoiseVolume(volume, { method: 'da' })` in code; a mask restricts the computed voxels.",
    '',
    '## Intended use and limits',
    '',
    '- Denoising 3D sodium MR magnitude images of the head at roughly 4 mm isotropic resolution and SNR around 10–20 per acquisition, for research and for viewing.',
    "- **Trained on synthetic data only** (the project's sodium phantom). It has not been validated on patient data. **Not for diagnosis** or any clinical decision.",
    "- Inputs are normalised by the card's rule (a robust percentile of the head); images whose contrast, resolution or noise level differ strongly from the phantom (other nuclei, other matrices, strong artefacts) may be denoised wrongly, as the paper's discussion warns for signals outside the training database.",
    ...comparisonNote(o),
    '',
    '## Data',
    '',
    `${t.data}.`,
    '',
    `Training subjects: ${(t.trainSubjects as string[] | undefined)?.join(', ') ?? '?'}; early stopping on ${(t.validationSubjects as string[] | undefined)?.join(', ') ?? '?'}.`,
    '',
    '## Protocol',
    '',
    `${t.protocol}.`,
    '',
    `Adam, learning rate ${t.learningRate}, batch ${t.batchSize}; ${r.history.length} epochs of ${r.samplesPerEpoch} samples (${r.stopped}), best epoch ${r.bestEpoch} (validation MSE ${r.bestValLoss.toExponential(3)}, normalised units); seed ${t.seed}.`,
    '',
    '## Training time and hardware',
    '',
    `${(r.seconds / 60).toFixed(1)} min of training (${Math.round(r.history.reduce((s, h) => s + h.samples, 0) / Math.max(r.seconds, 1e-9))} samples/s on average) on ${t.hardware as string}.`,
    '',
  ];
  if (o.cv) {
    lines.push(
      `## Cross-validation (${o.cv.label})`,
      '',
      'Relative improvement over the noisy input (%), mean / median / σ over test subjects, brain mask:',
      '',
    );
    lines.push('| reference | metric | NLM | DA | DA − NLM paired t p |', '|---|---|---|---|---|');
    for (const tb of o.cv.report.tables) {
      const s = (x: { mean: number; median: number; std: number }) =>
        `${x.mean.toFixed(2)} / ${x.median.toFixed(2)} / ${x.std.toFixed(2)}`;
      lines.push(
        `| ${tb.reference === 'mean3' ? 'mean of three' : 'truth'} | ${tb.metric === 'psnr' ? 'pSNR' : 'SSIM'} | ${s(tb.improvementPct.nlm)} | ${s(tb.improvementPct.da)} | ${Number.isNaN(tb.daVsNlm.tTest.pValue) ? 'n/a' : tb.daVsNlm.tTest.pValue.toPrecision(3)} |`,
      );
    }
    lines.push('', `Full report: ${o.cv.file}.`, '');
  }
  lines.push(
    '## Files',
    '',
    '- `model.json`, `weights.bin`: tfjs LayersModel (float32).',
    '- `model-card.json`: this card, machine-read by `loadDA` (normalisation, architecture check).',
    '',
  );
  return lines.join('\n');
}

export interface PublishTwoStageOptions {
  /** Target folder (weights/da-wide/). */
  dir: string;
  /** The frozen first stage and the folder it came from. */
  stage1: LoadedDA;
  stage1From: string;
  /** The second stage's best weights and the card its run wrote (`train --stage2-of`). */
  stage2: DAWeights;
  stage2Card: ModelCard;
  name: string;
  version: string;
  backend: string;
  /** Lines for the card's notes and MODEL_CARD.md (e.g. why this model is or is not the default). */
  notes?: string[];
}

/**
 * Publishes a two-stage model (da-wide): the first stage's network, the second stage's in stage2/, one card that
 * records both trainings, the second stage's mixture and training range, and the first stage's normalisation.
 * @example await publishTwoStage({ dir: 'weights/da-wide', stage1, stage1From, stage2, stage2Card, … });
 */
export async function publishTwoStage(o: PublishTwoStageOptions): Promise<string[]> {
  const s1 = o.stage1.card;
  const s2 = o.stage2Card;
  const t1 = s1.training;
  const t2 = s2.training;
  if (JSON.stringify(s1.normalisation) !== JSON.stringify(s2.normalisation))
    throw new Error('publishTwoStage: the stages were trained with different normalisations');
  const seconds = Number(t1.trainingSeconds ?? 0) + Number(t2.trainingSeconds ?? 0);
  const card: ModelCard = {
    format: s2.format,
    name: o.name,
    version: o.version,
    status: 'trained',
    created: new Date().toISOString(),
    architecture: architectureSection(2),
    normalisation: s2.normalisation,
    training: {
      ...t2,
      data: `stage 2: ${t2.data}; stage 1: ${t1.data}`,
      protocol: `stage 1 (${o.stage1From}, frozen): ${t1.protocol}. Stage 2: ${t2.protocol}`,
      stage1: {
        from: o.stage1From,
        name: s1.name,
        version: s1.version,
        sha256: o.stage1.checksum,
        epochs: t1.epochs,
        bestEpoch: t1.bestEpoch,
        samplesSeen: t1.samplesSeen,
        trainingSeconds: t1.trainingSeconds,
        mixture: t1.mixture,
        noiseLevel: t1.noiseLevel,
      },
      trainingSeconds: Math.round(seconds),
      hardware: hardwareDescription(o.backend),
    },
    ...(s2.trainingRange ? { trainingRange: s2.trainingRange } : {}),
    metrics: { ...s2.metrics, stage1ValidationMse: s1.metrics.validationMse ?? null },
    notes: [
      'Trained on synthetic data only (src/phantom); not validated on patient images and not for diagnosis.',
      "Two copies of the paper's network in a row: the second denoises the first one's output in the same scale, so one output voxel sees 9×9×9 input voxels at exactly twice the paper's compute per voxel.",
      ...(o.notes ?? []),
    ],
  };
  await writeFolderAtomic(
    o.dir,
    async (tmp) => {
      keepOtherFiles(o.dir, tmp);
      await saveDA(tmp, o.stage1.weights, card, o.stage2);
      fs.writeFileSync(path.join(tmp, 'MODEL_CARD.md'), twoStageMarkdown(card));
    },
    { replace: true },
  );
  return [
    'model.json',
    'weights.bin',
    'stage2/model.json',
    'stage2/weights.bin',
    'model-card.json',
    'MODEL_CARD.md',
  ].map((f) => path.join(o.dir, f));
}

function twoStageMarkdown(card: ModelCard): string {
  const t = card.training;
  const s1 = t.stage1 as Record<string, unknown>;
  return [
    `# Model card: ${card.name} ${card.version}`,
    '',
    "da-wide: the paper's denoising autoencoder (Table 1, 461,345 parameters) twice in a row. Stage 1 (`model.json`, `weights.bin`) denoises the input; stage 2 (`stage2/`) denoises stage 1's output in the same scale. One output voxel depends on a 9×9×9 neighbourhood of the input (the paper's: 5×5×5), so correlated noise, which a 5³ window cannot average, is averaged over a wider window; compute per voxel is exactly twice the paper's DA (2 × 0.92 MFLOP).",
    '',
    '## How to feed it',
    '',
    `- Normalisation (both stages, read from \`model-card.json\`): ${card.normalisation.description}.`,
    '- `sodium-denoise denoise --model da-wide`, or `--weights weights/da-wide`; in code `loadDA(dir)` then `denoiseDA`.',
    '',
    '## Training',
    '',
    `- Stage 1 (frozen while stage 2 trained): ${String(s1.name)} ${String(s1.version)} from ${String(s1.from)}; ${String(s1.epochs)} epochs, best epoch ${String(s1.bestEpoch)}, ${String(s1.trainingSeconds)} s; mixture: ${String(s1.mixture)}; added noise k = ${String(s1.noiseLevel)}.`,
    `- Stage 2: ${t.protocol.split('Stage 2: ')[1] ?? t.protocol}.`,
    `- Stage 2 mixture: ${String(t.mixture)}.`,
    `- Stage 2: Adam, learning rate ${t.learningRate}, batch ${t.batchSize}; ${String(t.epochs)} epochs of ${String(t.samplesPerEpoch)} samples, best epoch ${String(t.bestEpoch)} (early stopping); validation on ${(t.validationSubjects as string[] | undefined)?.join(', ') ?? '?'} (several regimes).`,
    `- Training time, both stages: ${(Number(t.trainingSeconds) / 60).toFixed(1)} min on ${String(t.hardware)}.`,
    `- Training range (the regime check): ${card.trainingRange?.description ?? 'none recorded'}.`,
    '',
    '## Intended use and limits',
    '',
    ...(card.notes ?? []).map((n) => `- ${n}`),
    '',
  ].join('\n');
}

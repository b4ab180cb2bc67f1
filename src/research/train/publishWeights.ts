// Publishes a finished run's best weights as the shipped model: model.json + weights.bin, a model card enriched with
// the cross-validation results, training time and hardware, and a human-readable MODEL_CARD.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelCard } from '../../model/da/card';
import { saveDA } from '../../model/da/weights-io';
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
    if (['model.json', 'model-card.json', 'MODEL_CARD.md'].includes(name) || name.endsWith('.bin')) continue;
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

// Trains PROVISIONAL DA weights into weights/da/ (a few CPU minutes on phantom data) so the viewer and CLI can run.
// Usage: node --import tsx scripts/make-provisional.ts [--seconds 300] [--out weights/da]
// The training engineer's CLI replaces these with properly trained weights (same format, status "trained").
import * as path from 'node:path';
import { selectBackend } from '../src/model/backend';
import { architectureSection, MODEL_CARD_FORMAT, type ModelCard } from '../src/model/da/card';
import { denoiseDA } from '../src/model/da/infer';
import { computeDAScale, DEFAULT_NORMALISATION } from '../src/model/da/normalise';
import { extractPatches } from '../src/model/da/patches';
import { createDATrainer } from '../src/model/da/trainer';
import { saveDA } from '../src/model/da/weights-io';
import { psnr } from '../src/core/metrics';
import { createVolume, type Volume } from '../src/core/volume';
import { uniformStream } from '../src/core/random';
import { generateSubject, resolvePhantomParams } from '../src/phantom';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const SECONDS = Number(arg('seconds', '300'));
const OUT = path.resolve(arg('out', path.join(__dirname, '..', 'weights', 'da')));
const TRAIN_SUBJECTS = [0, 1, 2, 3];
const VALIDATION_SUBJECT = 4;
const ADDED_NOISE = 0.5; // added Gaussian σ as a fraction of the acquisition's noise σ
const BATCH = 128;
const LEARNING_RATE = 1e-3; // 10× the paper's 1e-4: this run has minutes, not hours
const SEED = 1;

function log(msg: string): void {
  process.stderr.write(`[provisional] ${msg}\n`);
}

/** Gaussian samples from a seeded uniform stream (Box–Muller). */
function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

interface Pairs {
  input: Volume;
  label: Float32Array;
  scale: number;
  brain: Int32Array;
  truth: Volume;
  mean3: Volume;
  mask: Uint8Array;
}

/** Linear indices of the voxels a 0/1 mask selects, ascending. */
function indicesOf(mask: Uint8Array): Int32Array {
  return Int32Array.from(Array.from(mask).flatMap((m, i) => (m ? [i] : [])));
}

function pairsFor(index: number, random: () => number): Pairs {
  const params = resolvePhantomParams({ seed: 1 });
  const subject = generateSubject(params, index);
  const normal = gaussian(random);
  const noisy = Float32Array.from(subject.acquisitions[0].data, (v) => v + ADDED_NOISE * subject.noiseSigma * normal());
  const input = createVolume({ ...subject.acquisitions[0], data: noisy });
  const scale = computeDAScale(noisy);
  return {
    input,
    label: subject.mean3.data,
    scale,
    brain: indicesOf(subject.brainMask),
    truth: subject.truth,
    mean3: subject.mean3,
    mask: subject.brainMask,
  };
}

async function main(): Promise<void> {
  const selection = await selectBackend();
  log(
    `backend ${selection.backend} (${selection.tried.map((t) => `${t.name}: ${t.ok ? `${t.gflops?.toFixed(1)} GFLOP/s` : t.reason}`).join(', ')})`,
  );
  const random = uniformStream(SEED);
  const t0 = performance.now();
  const train = TRAIN_SUBJECTS.map((i) => pairsFor(i, random));
  const val = pairsFor(VALIDATION_SUBJECT, random);
  log(
    `phantom subjects ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; brain voxels ${train.map((p) => p.brain.length).join(', ')} (validation ${val.brain.length})`,
  );

  // Every (subject, brain voxel) pair, shuffled once per epoch.
  const samples = train.flatMap((p, s) => Array.from(p.brain, (v) => [s, v] as const));
  const order = Int32Array.from(samples.keys());
  const shuffle = () => {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  };
  const trainer = await createDATrainer({ learningRate: LEARNING_RATE, seed: SEED });
  const patches = new Float32Array(BATCH * 125);
  const targets = new Float32Array(BATCH);
  const one = new Int32Array(1);

  // Validation set: all brain voxels of the held-out subject.
  const valPatches = extractPatches(
    val.input.data,
    val.input.dims,
    val.brain,
    val.scale,
    new Float32Array(val.brain.length * 125),
  );
  const valTargets = Float32Array.from(val.brain, (v) => val.label[v] / val.scale);
  const identityMse = valTargets.reduce((s, t, i) => s + (valPatches[i * 125 + 62] - t) ** 2, 0) / valTargets.length;
  log(`validation MSE of the identity (noisy centre voxel): ${identityMse.toExponential(3)}`);

  let steps = 0;
  let epochs = 0;
  let cursor = order.length;
  let running = 0;
  const tTrain = performance.now();
  while ((performance.now() - tTrain) / 1000 < SECONDS) {
    if (cursor + BATCH > order.length) {
      shuffle();
      cursor = 0;
      epochs++;
    }
    for (let b = 0; b < BATCH; b++) {
      const [s, v] = samples[order[cursor++]];
      const p = train[s];
      one[0] = v;
      extractPatches(p.input.data, p.input.dims, one, p.scale, patches.subarray(b * 125, (b + 1) * 125));
      targets[b] = p.label[v] / p.scale;
    }
    const loss = trainer.step(patches, targets);
    running = steps === 0 ? loss : 0.99 * running + 0.01 * loss;
    steps++;
    if (steps % 500 === 0)
      log(
        `step ${steps}, epoch ${epochs}, train loss (EMA) ${running.toExponential(3)}, ${((steps * BATCH) / ((performance.now() - tTrain) / 1000)).toFixed(0)} samples/s`,
      );
  }
  const trainSeconds = (performance.now() - tTrain) / 1000;
  const valMse = trainer.evaluate(valPatches, valTargets);
  log(
    `trained ${steps} steps (${epochs} epochs started) in ${trainSeconds.toFixed(0)} s; validation MSE ${valMse.toExponential(3)} vs identity ${identityMse.toExponential(3)}`,
  );

  const weights = trainer.getWeights();
  trainer.dispose();
  const card: ModelCard = {
    format: MODEL_CARD_FORMAT,
    name: 'sodium-da',
    version: '0.1.0-provisional',
    status: 'provisional',
    created: new Date().toISOString(),
    architecture: architectureSection(),
    normalisation: { ...DEFAULT_NORMALISATION },
    training: {
      data: `synthetic phantom cohort (src/phantom defaults, seed 1, 64³ at 4 mm): subjects ${TRAIN_SUBJECTS.map((i) => i + 1).join(', ')} for training, subject ${VALIDATION_SUBJECT + 1} for validation`,
      protocol:
        `input = acquisition 1 + Gaussian noise (σ = ${ADDED_NOISE} × the acquisition's noise σ), label = mean of the three acquisitions ` +
        `at the patch centre, brain voxels only, each subject normalised by its input's scale; stopped after a ${SECONDS} s time budget (not by validation)`,
      optimizer: 'Adam (β1 0.9, β2 0.999, ε 1e-7)',
      learningRate: LEARNING_RATE,
      batchSize: BATCH,
      steps,
      epochs,
      seed: SEED,
      samples: samples.length,
      seconds: Math.round(trainSeconds),
      backend: selection.backend,
      script: 'scripts/make-provisional.ts',
    },
    metrics: {},
    notes: ['PROVISIONAL: trained for minutes on phantom data so software can run end to end; not for reading images.'],
  };

  // Whole-volume check on the validation subject: pSNR vs the noise-free truth inside the brain.
  const denoised = await denoiseDA(val.input, { weights, card, source: 'memory' }, { mask: val.mask });
  card.metrics = {
    validationMse: valMse,
    validationMseIdentity: identityMse,
    psnrInputDb: psnr(val.truth, val.input, val.mask),
    psnrDenoisedDb: psnr(val.truth, denoised.volume, val.mask),
    psnrMean3Db: psnr(val.truth, val.mean3, val.mask),
  };
  log(
    `validation pSNR vs truth (brain): input ${Number(card.metrics.psnrInputDb).toFixed(2)} dB → DA ${Number(card.metrics.psnrDenoisedDb).toFixed(2)} dB`,
  );
  await saveDA(OUT, weights, card);
  log(`wrote ${OUT}`);
}

main().catch((err) => {
  process.stderr.write(`make-provisional: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

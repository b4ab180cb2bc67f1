// DA training throughput (batch 128): the fast trainer vs tfjs default gradients vs PyTorch CPU, in one run.
import { createDAModel, type DAWeights } from '../src/model/da/architecture';
import { initDAWeights, mulberry32 } from '../src/model/da/init';
import { createDATrainer } from '../src/model/da/trainer';
import { activateBackend } from '../src/model/backend';
import { tf } from '../src/model/tf';
import { runTorch, torchAvailable } from './peers';
import type { BenchTable } from './types';

const BATCH = 128;
const SECONDS = Number(process.env.BENCH_TRAIN_SECONDS ?? 6);

function randomBatch(seed: number): { patches: Float32Array; targets: Float32Array } {
  const r = mulberry32(seed);
  return {
    patches: Float32Array.from({ length: BATCH * 125 }, () => r()),
    targets: Float32Array.from({ length: BATCH }, () => r()),
  };
}

/** Runs `step` for ~seconds (after warm-up) and returns samples/s. */
function timeSteps(step: () => void, seconds: number, warmup = 3): { samplesPerSecond: number; steps: number } {
  for (let i = 0; i < warmup; i++) step();
  let steps = 0;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < seconds || steps < 3) {
    step();
    steps++;
  }
  return { samplesPerSecond: (steps * BATCH) / ((performance.now() - t0) / 1000), steps };
}

/** tfjs LayersModel + model.trainOnBatch: tfjs's own conv3d gradients (the naive port). */
async function layersDefault(seconds: number, weights: DAWeights) {
  const model = createDAModel(weights);
  model.compile({ optimizer: tf.train.adam(1e-4), loss: 'meanSquaredError' });
  const { patches, targets } = randomBatch(2);
  const x = tf.tensor5d(patches, [BATCH, 5, 5, 5, 1]);
  const y = tf.tensor2d(targets, [BATCH, 1]);
  await model.trainOnBatch(x, y); // warm-up
  let steps = 0;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < seconds || steps < 2) {
    await model.trainOnBatch(x, y);
    steps++;
  }
  const r = { samplesPerSecond: (steps * BATCH) / ((performance.now() - t0) / 1000), steps };
  tf.dispose([x, y]);
  model.dispose();
  return r;
}

/** The same im2col + matMul graph as the fast trainer, but with tfjs autodiff and tf.train.adam. */
function im2colAutodiff(seconds: number, weights: DAWeights) {
  const v = (name: keyof DAWeights, shape: number[]) => tf.variable(tf.tensor(weights[name], shape));
  const w1 = v('conv1/kernel', [27, 64]), b1 = v('conv1/bias', [64]);
  const w2 = v('conv2/kernel', [1728, 256]), b2 = v('conv2/bias', [256]);
  const w3 = v('dense1/kernel', [256, 32]), b3 = v('dense1/bias', [32]);
  const w4 = v('dense2/kernel', [32, 256]), b4 = v('dense2/bias', [256]);
  const w5 = v('dense3/kernel', [256, 1]), b5 = v('dense3/bias', [1]);
  const opt = tf.train.adam(1e-4);
  const { targets } = randomBatch(3);
  // The layer-1 im2col is data, not a variable: build it once (as the fast trainer does per batch).
  const a1 = tf.randomUniform([BATCH * 27, 27]);
  const t = tf.tensor2d(targets, [BATCH, 1]);
  const r = timeSteps(() => {
    opt.minimize(() => {
      const h1 = tf.relu(tf.add(tf.matMul(a1, w1), b1));
      const h2 = tf.relu(tf.add(tf.matMul(tf.reshape(h1, [BATCH, 1728]), w2), b2));
      const h3 = tf.relu(tf.add(tf.matMul(h2, w3), b3));
      const h4 = tf.relu(tf.add(tf.matMul(h3, w4), b4));
      const y = tf.add(tf.matMul(h4, w5), b5);
      return tf.mean(tf.square(tf.sub(y, t))) as tf.Scalar;
    });
  }, seconds, 2);
  opt.dispose();
  tf.dispose([w1, b1, w2, b2, w3, b3, w4, b4, w5, b5, a1, t]);
  return r;
}

async function fastTrainer(seconds: number, weights: DAWeights) {
  const trainer = await createDATrainer({ initialWeights: weights, learningRate: 1e-4 });
  const { patches, targets } = randomBatch(1);
  const r = timeSteps(() => trainer.step(patches, targets), seconds);
  trainer.dispose();
  return r;
}

export async function run(): Promise<BenchTable[]> {
  const weights = initDAWeights(1);
  const rows: BenchTable['rows'] = [];
  const notes: string[] = [];
  const add = (impl: string, backend: string, r: { samplesPerSecond: number; steps: number }) =>
    rows.push({ implementation: impl, backend, batch: BATCH, steps: r.steps, 'samples/s': Math.round(r.samplesPerSecond) });

  // PyTorch first and last around the tfjs rows would be fairer on a shared machine; we interleave instead:
  // torch(1 thread) → fast wasm → torch(2 threads) → the slower baselines.
  const torch = torchAvailable();
  if (torch.ok) {
    const r = runTorch(['--mode', 'train', '--threads', '1', '--batch', String(BATCH), '--seconds', String(SECONDS)]);
    add(`PyTorch ${r.torch} CPU, 1 thread`, 'torch', { samplesPerSecond: Number(r.samplesPerSecond), steps: Number(r.steps) });
  } else notes.push(`PyTorch rows skipped: ${torch.reason}`);

  for (const backend of ['wasm', 'cpu']) {
    const reason = await activateBackend(backend);
    if (reason) {
      notes.push(`${backend}: ${reason}`);
      continue;
    }
    add('fast trainer (im2col + plain matMul, explicit gradients, JS Adam)', backend, await fastTrainer(backend === 'cpu' ? SECONDS / 2 : SECONDS, weights));
    if (backend === 'wasm' && torch.ok) {
      const r = runTorch(['--mode', 'train', '--threads', '2', '--batch', String(BATCH), '--seconds', String(SECONDS)]);
      add(`PyTorch ${r.torch} CPU, 2 threads`, 'torch', { samplesPerSecond: Number(r.samplesPerSecond), steps: Number(r.steps) });
    }
    if (backend === 'wasm') {
      add('im2col + matMul, tfjs autodiff + tf.train.adam', backend, im2colAutodiff(SECONDS / 2, weights));
      add('tfjs LayersModel.trainOnBatch (conv3d, default gradients)', backend, await layersDefault(SECONDS / 2, weights));
    }
  }
  await activateBackend('wasm');

  const base = rows.find((r) => String(r.implementation).includes('1 thread')) ?? rows.find((r) => r.backend === 'wasm');
  for (const r of rows) r['× baseline'] = base ? Number(r['samples/s']) / Number(base['samples/s']) : null;
  notes.push(`baseline: ${base?.implementation ?? 'none'}; same network (461,345 parameters), Adam, MSE, batch ${BATCH}, random data`);
  notes.push('tfjs wasm in Node is single-threaded: its threaded build spawns workers from blob: URLs, which Node worker_threads reject');
  return [{ title: 'DA training throughput', columns: ['implementation', 'backend', 'batch', 'steps', 'samples/s', '× baseline'], rows, notes }];
}

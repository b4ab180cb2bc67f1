// DA training throughput (batch 128): our trainer (WebAssembly SIMD kernel, 1 and 2 threads) vs the same step on tfjs
// matMuls, tfjs default gradients and PyTorch CPU (1 and 2 threads, its BLAS named), in one run.
import type { DAWeights } from '../src/model/da/architecture';
import { createDAModel } from '../src/model/da/layers-model';
import { initDAWeights } from '../src/model/da/init';
import { uniformStream } from '../src/core/random';
import { createDATrainer, type DAGradientKernel } from '../src/model/da/trainer';
import { createParallelDATrainer } from '../src/model/da/node-parallel-trainer';
import { activateBackend } from '../src/model/backend';
import { tf } from '../src/model/tf';
import { blasAlternative, runTorch, torchAvailable } from './peers';
import type { BenchTable } from './types';

const BATCH = 128;
const SECONDS = Number(process.env.BENCH_TRAIN_SECONDS ?? 6);

function randomBatch(seed: number): { patches: Float32Array; targets: Float32Array } {
  const r = uniformStream(seed);
  return {
    patches: Float32Array.from({ length: BATCH * 125 }, () => r()),
    targets: Float32Array.from({ length: BATCH }, () => r()),
  };
}

interface Timing {
  samplesPerSecond: number;
  steps: number;
  /** CPU seconds of the whole process (every thread) over the timed steps, where measured. */
  cpuSeconds?: number;
}

/** Runs `step` for ~seconds (after warm-up) and returns samples/s and the CPU time spent. */
function timeSteps(step: () => void, seconds: number, warmup = 3): Timing {
  for (let i = 0; i < warmup; i++) step();
  let steps = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while ((performance.now() - t0) / 1000 < seconds || steps < 3) {
    step();
    steps++;
  }
  const cpu = process.cpuUsage(c0);
  return {
    samplesPerSecond: (steps * BATCH) / ((performance.now() - t0) / 1000),
    steps,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
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
  const w1 = v('conv1/kernel', [27, 64]),
    b1 = v('conv1/bias', [64]);
  const w2 = v('conv2/kernel', [1728, 256]),
    b2 = v('conv2/bias', [256]);
  const w3 = v('dense1/kernel', [256, 32]),
    b3 = v('dense1/bias', [32]);
  const w4 = v('dense2/kernel', [32, 256]),
    b4 = v('dense2/bias', [256]);
  const w5 = v('dense3/kernel', [256, 1]),
    b5 = v('dense3/bias', [1]);
  const opt = tf.train.adam(1e-4);
  const { targets } = randomBatch(3);
  // The layer-1 im2col is data, not a variable: build it once (as the fast trainer does per batch).
  const a1 = tf.randomUniform([BATCH * 27, 27]);
  const t = tf.tensor2d(targets, [BATCH, 1]);
  const r = timeSteps(
    () => {
      opt.minimize(() => {
        const h1 = tf.relu(tf.add(tf.matMul(a1, w1), b1));
        const h2 = tf.relu(tf.add(tf.matMul(tf.reshape(h1, [BATCH, 1728]), w2), b2));
        const h3 = tf.relu(tf.add(tf.matMul(h2, w3), b3));
        const h4 = tf.relu(tf.add(tf.matMul(h3, w4), b4));
        const y = tf.add(tf.matMul(h4, w5), b5);
        return tf.mean(tf.square(tf.sub(y, t))) as tf.Scalar;
      });
    },
    seconds,
    2,
  );
  opt.dispose();
  tf.dispose([w1, b1, w2, b2, w3, b3, w4, b4, w5, b5, a1, t]);
  return r;
}

/** The fast trainer; threads > 1: data-parallel over worker_threads (start-up not timed). */
async function fastTrainer(seconds: number, weights: DAWeights, threads = 1, kernel: DAGradientKernel = 'wasm-simd') {
  const trainer =
    threads === 1
      ? await createDATrainer({ initialWeights: weights, learningRate: 1e-4, kernel })
      : await createParallelDATrainer({ initialWeights: weights, learningRate: 1e-4, threads, kernel });
  const { patches, targets } = randomBatch(1);
  const r = timeSteps(() => trainer.step(patches, targets), seconds);
  trainer.dispose();
  return r;
}

const ROUNDS = Number(process.env.BENCH_TRAIN_ROUNDS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function run(): Promise<BenchTable[]> {
  const weights = initDAWeights(1);
  const notes: string[] = [];
  // On a shared machine the load changes by the second: the headline contenders run interleaved in rounds
  // (PyTorch 1 thread → fast trainer → PyTorch 2 threads), and each row reports its best and median round.
  const runs = new Map<string, { backend: string; rates: number[]; steps: number; cpuSeconds?: number }>();
  const record = (impl: string, backend: string, r: Timing) => {
    const e = runs.get(impl) ?? { backend, rates: [], steps: 0 };
    e.rates.push(r.samplesPerSecond);
    e.steps += r.steps;
    if (r.cpuSeconds !== undefined) e.cpuSeconds = (e.cpuSeconds ?? 0) + r.cpuSeconds;
    runs.set(impl, e);
  };
  const torch = torchAvailable();
  if (!torch.ok) notes.push(`PyTorch rows skipped: ${torch.reason}`);
  let torchBlas = '';
  const torchRun = (threads: number) => {
    const r = runTorch([
      '--mode',
      'train',
      '--threads',
      String(threads),
      '--batch',
      String(BATCH),
      '--seconds',
      String(SECONDS / 2),
    ]);
    torchBlas = String(r.blas ?? 'not reported');
    record(`PyTorch ${r.torch} CPU, ${threads} thread${threads > 1 ? 's' : ''}`, 'torch', {
      samplesPerSecond: Number(r.samplesPerSecond),
      steps: Number(r.steps),
      cpuSeconds: r.cpuSeconds === undefined ? undefined : Number(r.cpuSeconds),
    });
  };
  const simdName = 'ours: WebAssembly SIMD kernel (im2col + own GEMM, explicit gradients, kernel Adam)';
  const fastName = 'fast trainer on tfjs matMuls (im2col + plain matMul, explicit gradients, JS Adam)';
  const wasmReason = await activateBackend('wasm');
  if (wasmReason) throw new Error(`bench train needs the wasm backend: ${wasmReason}`);
  for (let round = 0; round < ROUNDS; round++) {
    if (torch.ok) torchRun(1);
    record(`${simdName}, 1 thread`, 'wasm-simd', await fastTrainer(SECONDS / 2, weights));
    record(`${simdName}, data-parallel 2 threads`, 'wasm-simd×2', await fastTrainer(SECONDS / 2, weights, 2));
    if (torch.ok) torchRun(2);
    record(fastName, 'wasm', await fastTrainer(SECONDS / 2, weights, 1, 'tfjs'));
  }
  record('im2col + matMul, tfjs autodiff + tf.train.adam', 'wasm', im2colAutodiff(SECONDS / 2, weights));
  record(
    'tfjs LayersModel.trainOnBatch (conv3d, default gradients)',
    'wasm',
    await layersDefault(SECONDS / 2, weights),
  );
  const cpuReason = await activateBackend('cpu');
  if (cpuReason) notes.push(`cpu: ${cpuReason}`);
  else record(`${fastName} `, 'cpu', await fastTrainer(SECONDS / 2, weights, 1, 'tfjs'));
  await activateBackend('wasm');

  const rows: BenchTable['rows'] = [...runs].map(([impl, e]) => ({
    implementation: impl.trim(),
    backend: e.backend,
    batch: BATCH,
    rounds: e.rates.length,
    steps: e.steps,
    'samples/s (best)': Math.round(Math.max(...e.rates)),
    'samples/s (median)': Math.round(median(e.rates)),
    'samples per CPU-second': e.cpuSeconds ? Math.round((e.steps * BATCH) / e.cpuSeconds) : null,
  }));
  // The target's yardstick: the faster of PyTorch's 1- and 2-thread rows (by its best round; median against median).
  const torchRows = rows.filter((r) => r.backend === 'torch');
  const base = torchRows.length
    ? torchRows.reduce((x, y) => (Number(y['samples/s (best)']) > Number(x['samples/s (best)']) ? y : x))
    : rows[0];
  for (const r of rows) {
    r['× faster PyTorch (best)'] = Number(r['samples/s (best)']) / Number(base['samples/s (best)']);
    r['× faster PyTorch (median)'] = Number(r['samples/s (median)']) / Number(base['samples/s (median)']);
  }
  const ours = rows.filter((r) => String(r.backend).startsWith('wasm-simd'));
  if (torchRows.length && ours.length) {
    const best = (key: string) => Math.max(...ours.map((r) => Number(r[key])));
    const [b, m] = [best('× faster PyTorch (best)'), best('× faster PyTorch (median)')];
    notes.push(
      `target (issue 13): our faster row ≥ 1.0× the faster PyTorch row: ${b.toFixed(2)}× (best rounds), ${m.toFixed(2)}× (medians): ${b >= 1 && m >= 1 ? 'met' : 'not met'} in this run`,
    );
  }
  notes.push(
    'samples per CPU-second: samples over the CPU time of the whole process (every thread) in the timed rounds: the work each implementation needs, which the load on a shared machine changes far less than samples/s',
  );
  notes.push(
    `baseline: ${base.implementation} (the faster PyTorch row); same network (461,345 parameters), Adam, MSE, batch ${BATCH}, random data; ${ROUNDS} interleaved rounds of ${SECONDS / 2} s`,
  );
  notes.push(
    'ours: every product of the step (forward with bias + ReLU fused, backward with the ReLU mask fused, weight and bias gradients) in one hand-written WebAssembly SIMD GEMM, and Adam in float64 SIMD (src/model/da/trainer-simd.wat); tfjs only for inference',
  );
  notes.push(
    'data-parallel: the batch split in contiguous shards over worker_threads (own kernel instance each), gradients summed in shard order, Adam on the main thread (one meeting of the threads per step); bit-reproducible per seed and thread count',
  );
  notes.push(
    'tfjs wasm in Node is single-threaded: its threaded build spawns workers from blob: URLs, which Node worker_threads reject',
  );
  if (torch.ok) {
    notes.push(
      `PyTorch peer's BLAS (libraries mapped in its process): ${torchBlas}; OPENBLAS_NUM_THREADS = the row's threads (torch.set_num_threads does not reach OpenBLAS's own pool)`,
    );
    notes.push(`libblas.so.3 alternative: ${blasAlternative()}`);
  }
  return [
    {
      title: 'DA training throughput',
      columns: [
        'implementation',
        'backend',
        'batch',
        'rounds',
        'steps',
        'samples/s (best)',
        'samples/s (median)',
        '× faster PyTorch (best)',
        '× faster PyTorch (median)',
        'samples per CPU-second',
      ],
      rows,
      notes,
    },
  ];
}

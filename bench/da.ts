// DA inference throughput per Node backend next to that backend's plain-matMul roofline, measured in the same run:
// whole 64³ phantom head and its brain mask, formulation comparison, peak memory, and the PyTorch CPU peer.
import { DA_FLOPS_PER_VOXEL } from '../src/model/da/architecture';
import { DA_FORMULATIONS, type DAFormulation } from '../src/model/da/formulations';
import { denoiseDA } from '../src/model/da/infer';
import { denoiseDAParallel } from '../src/model/da/node-parallel';
import * as os from 'node:os';
import { loadDA, type LoadedDA } from '../src/model/da/weights-io';
import { activateBackend, measureMatMulGflops } from '../src/model/backend';
import { tf } from '../src/model/tf';
import { createVolume, type Volume } from '../src/core/volume';
import { generateSubject, resolvePhantomParams } from '../src/phantom';
import { runTorch, torchAvailable } from './peers';
import type { BenchTable } from './types';

const MB = 2 ** 20;

/** What a DA inference result reports about its own speed. */
type Throughput = Pick<Awaited<ReturnType<typeof denoiseDA>>, 'formulation' | 'voxelsComputed' | 'millis' | 'gflops'>;

interface Case {
  name: string;
  volume: Volume;
  mask?: Uint8Array;
}

/** Runs a case (twice when it is short, keeping the faster run: one pass warms the wasm heap) with peak memory. */
async function measureCase(model: LoadedDA, c: Case, formulation?: DAFormulation) {
  let peakRss = process.memoryUsage().rss;
  let peakTensors = tf.memory().numBytes;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakTensors = Math.max(peakTensors, tf.memory().numBytes);
  };
  let res = await denoiseDA(c.volume, model, { mask: c.mask, formulation, onProgress: sample });
  if (res.millis < 5000) {
    const again = await denoiseDA(c.volume, model, { mask: c.mask, formulation, onProgress: sample });
    if (again.millis < res.millis) res = again;
  }
  sample();
  return { res, peakRss, peakTensors };
}

/** A centred sub-cube (used to keep the slow backends' rows short). */
function crop(v: Volume, mask: Uint8Array, n: number): { volume: Volume; mask: Uint8Array } {
  const [nx, ny, nz] = v.dims;
  const o = [nx, ny, nz].map((d) => Math.floor((d - n) / 2));
  const data = new Float32Array(n ** 3);
  const m = new Uint8Array(n ** 3);
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const src = i + o[0] + nx * (j + o[1] + ny * (k + o[2]));
        data[i + n * (j + n * k)] = v.data[src];
        m[i + n * (j + n * k)] = mask[src];
      }
  return { volume: createVolume({ dims: [n, n, n], spacing: v.spacing, data }), mask: m };
}

export async function run(): Promise<BenchTable[]> {
  const model = await loadDA();
  const subject = generateSubject(resolvePhantomParams({ seed: 1 }), 0);
  const head = subject.acquisitions[0];
  const brain = subject.brainMask;
  const brainVoxels = brain.reduce((s, m) => s + m, 0);
  const cpuCrop = crop(head, brain, 24);
  const formulationCrop = crop(head, brain, 16);
  const rows: BenchTable['rows'] = [];
  const formulationRows: BenchTable['rows'] = [];
  const notes: string[] = [
    'runs shorter than 5 s are repeated and the faster kept (the first pass also warms the wasm heap)',
    `network: ${(DA_FLOPS_PER_VOXEL / 1e6).toFixed(3)} MFLOP per voxel; phantom subject 1 acquisition 1, 64³, brain mask ${brainVoxels} voxels (${((100 * brainVoxels) / head.data.length).toFixed(1)}%)`,
    'wasm×N rows: denoiseDAParallel, one worker_thread (own wasm instance) per core; its roofline column is the single-thread matMul, so % of roofline can exceed 100',
    "roofline = the faster of the same backend's two plain matMuls (rows×1728 · 1728×256), measured right before and after each row and averaged (the machine is shared: compare within a backend)",
  ];

  for (const backend of ['wasm', 'cpu']) {
    const reason = await activateBackend(backend);
    if (reason) {
      notes.push(`${backend}: ${reason}`);
      continue;
    }
    // tfjs-backend-cpu is ~100× slower: a 1024-row product is its 'large' shape.
    const largeRows = backend === 'cpu' ? 1024 : 4096;
    const roofline = async () => ({
      small: await measureMatMulGflops(128, 1728, 256, 300),
      large: await measureMatMulGflops(largeRows, 1728, 256, 600),
    });
    /** Runs `work` between two roofline measurements and reports against their mean (the load drifts). */
    const bracketed = async <T>(work: () => Promise<T>) => {
      const before = await roofline();
      const result = await work();
      const after = await roofline();
      const small = (before.small + after.small) / 2,
        large = (before.large + after.large) / 2;
      return { result, small, large, roof: Math.max(small, large) };
    };
    /** The columns every row of the main table shares: `res` measured between the roofline runs of `r`. */
    const throughputRow = (
      rowBackend: string,
      name: string,
      res: Throughput,
      r: { small: number; large: number; roof: number },
    ) => ({
      backend: rowBackend,
      case: name,
      formulation: res.formulation,
      voxels: res.voxelsComputed,
      seconds: res.millis / 1000,
      'voxels/s': Math.round(res.voxelsComputed / (res.millis / 1000)),
      'GFLOP/s': res.gflops,
      'matMul 128×1728·1728×256 GFLOP/s': r.small,
      'matMul large GFLOP/s': r.large,
      'large rows': largeRows,
      '% of roofline': (100 * res.gflops) / r.roof,
    });
    const cases: Case[] =
      backend === 'cpu'
        ? [{ name: '24³ central crop, brain mask', volume: cpuCrop.volume, mask: cpuCrop.mask }]
        : [
            { name: '64³ whole head', volume: head },
            { name: '64³ brain mask', volume: head, mask: brain },
          ];
    for (const c of cases) {
      const { result, ...r } = await bracketed(() => measureCase(model, c));
      rows.push({
        ...throughputRow(backend, c.name, result.res, r),
        'peak RSS MB': Math.round(result.peakRss / MB),
        'peak tensors MB': Math.round(result.peakTensors / MB),
      });
    }
    if (backend === 'wasm') {
      // One wasm instance per core in worker_threads (tfjs wasm is single-threaded in Node).
      const workers = os.availableParallelism();
      for (const c of cases) {
        const { result: res, ...r } = await bracketed(() =>
          denoiseDAParallel(c.volume, model, { mask: c.mask, workers }),
        );
        rows.push({
          ...throughputRow(res.backend, c.name, res, r),
          'peak RSS MB': Math.round(process.memoryUsage().rss / MB),
        });
      }
      for (const formulation of DA_FORMULATIONS) {
        const crop16 = {
          name: '16³ central crop, brain mask',
          volume: formulationCrop.volume,
          mask: formulationCrop.mask,
        };
        const {
          result: { res },
          roof,
        } = await bracketed(() => measureCase(model, crop16, formulation));
        formulationRows.push({
          backend,
          formulation,
          voxels: res.voxelsComputed,
          seconds: res.millis / 1000,
          'GFLOP/s': res.gflops,
          '% of roofline': (100 * res.gflops) / roof,
        });
      }
    }
  }
  await activateBackend('wasm');

  const torch = torchAvailable();
  if (torch.ok) {
    for (const threads of [1, 2]) {
      const r = runTorch(['--mode', 'infer', '--threads', String(threads), '--size', '48', '--seconds', '3']);
      const vps = Number(r.voxelsPerSecond);
      rows.push({
        backend: `PyTorch ${r.torch} CPU, ${threads} thread(s)`,
        case: '48³ whole (random)',
        formulation: 'conv3d',
        voxels: Number(r.voxels),
        seconds: Number(r.seconds),
        'voxels/s': Math.round(vps),
        'GFLOP/s': (vps * DA_FLOPS_PER_VOXEL) / 1e9,
      });
    }
  } else notes.push(`PyTorch rows skipped: ${torch.reason}`);

  return [
    {
      title: 'DA inference (fully convolutional) vs matMul roofline',
      columns: [
        'backend',
        'case',
        'formulation',
        'voxels',
        'seconds',
        'voxels/s',
        'GFLOP/s',
        'matMul 128×1728·1728×256 GFLOP/s',
        'matMul large GFLOP/s',
        'large rows',
        '% of roofline',
        'peak RSS MB',
        'peak tensors MB',
      ],
      rows,
      notes,
    },
    {
      title: 'DA inference formulations (wasm, 16³ central crop, brain mask)',
      columns: ['backend', 'formulation', 'voxels', 'seconds', 'GFLOP/s', '% of roofline'],
      rows: formulationRows,
      notes: [
        'basis for DEFAULT_FORMULATION in src/model/da/formulations.ts; conv3d evaluates whole tiles, so its voxels exceed the mask',
      ],
    },
  ];
}

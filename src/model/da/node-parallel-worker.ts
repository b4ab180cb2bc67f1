// One DA inference job in a worker thread (see node-parallel.ts): its own tfjs wasm instance, one z-range.
import { parentPort } from 'node:worker_threads';
import { createVolume } from '../../core/volume';
import { activateBackend } from '../backend';
import { denoiseDAWithScale } from './infer';
import type { ParallelJob, ParallelReply } from './node-parallel';

const port = parentPort;
if (!port) throw new Error('node-parallel-worker.ts must run in a worker thread');

port.on('message', async (job: ParallelJob) => {
  const reply = (r: ParallelReply, transfer: ArrayBuffer[] = []) => port.postMessage(r, transfer);
  try {
    const reason = await activateBackend(job.backend);
    if (reason) throw new Error(reason);
    const volume = createVolume({ dims: job.dims, spacing: job.spacing, data: job.data });
    const res = await denoiseDAWithScale(
      volume,
      { weights: job.weights, card: job.card, source: 'worker' },
      job.scale,
      {
        mask: job.mask,
        formulation: job.formulation,
        memoryBudgetBytes: job.memoryBudgetBytes,
        onProgress: (fraction) => reply({ type: 'progress', fraction }),
      },
    );
    reply({ type: 'done', data: res.volume.data, voxelsComputed: res.voxelsComputed, formulation: res.formulation }, [
      res.volume.data.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});

// One thread of the data-parallel DA trainer (node-parallel-trainer.ts): its own tfjs wasm instance, its shard of
// every batch and its range of Adam's parameters, driven through shared memory. It blocks in Atomics.wait between
// commands, so the grown batch buffers come through receiveMessageOnPort rather than message events.
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { activateBackend } from '../backend';
import {
  type BatchBuffers,
  COMMAND,
  CONTROL,
  SharedTrainingState,
  type TrainerWorkerInit,
} from './node-parallel-trainer';
import { flatWeightViews } from './architecture';
import { createGradientScratch } from './trainer';

const port = parentPort;
if (!port) throw new Error('node-parallel-trainer-worker must run in a worker thread');

/** Runs commands until told to stop. `seen`: the command counter read before this thread said it was ready. */
function serve(init: TrainerWorkerInit, seen: number): void {
  const state = new SharedTrainingState(init.threads, init);
  const weights = flatWeightViews(state.weights);
  const scratch = createGradientScratch(init.kernel);
  const c = state.control;
  for (;;) {
    Atomics.wait(c, CONTROL.seq, seen);
    seen = Atomics.load(c, CONTROL.seq);
    const command = Atomics.load(c, CONTROL.command);
    if (command === COMMAND.stop) return;
    try {
      if (command === COMMAND.gradients) state.computeShard(init.shard, weights, scratch);
      else if (command === COMMAND.adam) state.adamShard(init.shard);
      else if (command === COMMAND.resize) {
        const grown = receiveMessageOnPort(init.port)?.message as BatchBuffers | undefined;
        if (!grown) throw new Error('resize without a batch buffer');
        state.setBatch(grown);
      } else throw new Error(`unknown command ${command}`);
    } catch (err) {
      state.fail(init.shard, err instanceof Error ? err.message : String(err));
    }
    Atomics.add(c, CONTROL.done, 1);
    Atomics.notify(c, CONTROL.done);
  }
}

port.once('message', (init: TrainerWorkerInit) => {
  activateBackend(init.backend).then(
    (reason) => {
      if (reason) {
        port.postMessage({ type: 'error', message: `backend ${init.backend} unavailable: ${reason}` });
        return;
      }
      // Read before 'ready': the first command may be posted the moment the main thread hears it.
      const seen = Atomics.load(new Int32Array(init.control), CONTROL.seq);
      port.postMessage({ type: 'ready' });
      serve(init, seen);
      init.port.close();
      port.close();
    },
    (err: unknown) => port.postMessage({ type: 'error', message: String(err) }),
  );
});

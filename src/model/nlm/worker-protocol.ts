// The messages between an NLM pool and its worker threads, the worker-side handler, and a pool over any kind of
// message-passing worker (Node worker_threads, browser Web Workers): the transport is injected as an endpoint.
import { createNlmJob } from './job';
import type { NlmSlabTask } from './kernel';
import type { NlmRunControl, NlmWorkerPool } from './pool';
import type { WorkerEndpoint } from '../workerEndpoint';

export interface NlmWorkerRequest {
  type: 'run';
  id: number;
  task: NlmSlabTask;
}

export type NlmWorkerReply =
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'done'; id: number; result: Float32Array }
  | { type: 'error'; id: number; message: string };

/** Minimum time between progress messages from a worker. */
const PROGRESS_INTERVAL_MS = 100;

/**
 * Worker side: runs one request and posts progress and the result (its buffer transferred). A worker entry file is
 * one line: on each message, call this with the thread's postMessage.
 */
export function handleNlmRequest(
  request: NlmWorkerRequest,
  post: (reply: NlmWorkerReply, transfer?: ArrayBuffer[]) => void,
): void {
  const { id } = request;
  try {
    if (request?.type !== 'run')
      throw new Error(`unknown NLM worker request ${JSON.stringify((request as { type?: unknown })?.type)}`);
    const job = createNlmJob(request.task);
    const chunk = Math.max(1, Math.ceil(job.totalSteps / 100));
    let last = Date.now();
    while (!job.step(chunk)) {
      const now = Date.now();
      if (now - last >= PROGRESS_INTERVAL_MS) {
        post({ type: 'progress', id, fraction: job.doneSteps / job.totalSteps });
        last = now;
      }
    }
    const result = job.result();
    post({ type: 'done', id, result }, [result.buffer as ArrayBuffer]);
  } catch (err) {
    post({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
  }
}

/** The main thread's handle on one worker, whatever its kind. */
export type NlmWorkerEndpoint = WorkerEndpoint<NlmWorkerRequest, NlmWorkerReply>;

interface Pending {
  id: number;
  task: NlmSlabTask;
  control: NlmRunControl;
  resolve: (result: Float32Array) => void;
  reject: (error: unknown) => void;
  onAbort?: () => void;
}

interface Slot {
  endpoint: NlmWorkerEndpoint;
  busy: Pending | null;
}

/**
 * A pool of `size` workers made by `spawn(slot index)` (lazily, on first need). Tasks beyond `size` queue. Aborting a
 * running task terminates its worker (the kernel cannot be interrupted otherwise); a fresh one is spawned when needed.
 */
export function createMessageNlmPool(size: number, spawn: (index: number) => NlmWorkerEndpoint): NlmWorkerPool {
  if (!Number.isInteger(size) || size < 1) throw new Error(`an NLM worker pool needs at least one worker, got ${size}`);
  const slots: Array<Slot | null> = Array.from({ length: size }, () => null);
  const queue: Pending[] = [];
  let nextId = 1;
  let disposed = false;

  function settle(p: Pending): void {
    if (p.onAbort) p.control.signal?.removeEventListener('abort', p.onAbort);
  }

  function startSlot(index: number): Slot {
    const endpoint = spawn(index);
    const slot: Slot = { endpoint, busy: null };
    endpoint.listen(
      (reply) => {
        const p = slot.busy;
        if (!p || reply.id !== p.id) return;
        if (reply.type === 'progress') {
          p.control.onProgress?.(reply.fraction);
          return;
        }
        slot.busy = null;
        settle(p);
        if (reply.type === 'done') {
          p.control.onProgress?.(1);
          p.resolve(reply.result);
        } else p.reject(new Error(`NLM worker: ${reply.message}`));
        pump();
      },
      (error) => {
        const p = slot.busy;
        slot.busy = null;
        if (slots[index] === slot) slots[index] = null;
        if (p) {
          settle(p);
          p.reject(new Error(`NLM worker failed: ${error.message}`));
        }
        pump();
      },
    );
    slots[index] = slot;
    return slot;
  }

  function pump(): void {
    while (queue.length > 0 && !disposed) {
      const index = slots.findIndex((s) => s === null || s.busy === null);
      if (index < 0) return;
      const slot = slots[index] ?? startSlot(index);
      const p = queue.shift()!;
      slot.busy = p;
      const transfer = [p.task.input.buffer as ArrayBuffer];
      if (typeof p.task.sigma !== 'number') transfer.push(p.task.sigma.buffer as ArrayBuffer);
      slot.endpoint.post({ type: 'run', id: p.id, task: p.task }, transfer);
    }
  }

  return {
    size,
    warm() {
      if (!disposed) slots.forEach((s, i) => s ?? startSlot(i));
    },
    run(task, control = {}) {
      if (disposed) return Promise.reject(new Error('this NLM pool has been disposed'));
      if (control.signal?.aborted) return Promise.reject(control.signal.reason);
      return new Promise<Float32Array>((resolve, reject) => {
        const p: Pending = { id: nextId++, task, control, resolve, reject };
        p.onAbort = () => {
          const q = queue.indexOf(p);
          if (q >= 0) queue.splice(q, 1);
          const index = slots.findIndex((s) => s?.busy === p);
          if (index >= 0) {
            const slot = slots[index]!;
            slot.busy = null;
            slots[index] = null;
            void slot.endpoint.terminate();
          }
          reject(control.signal!.reason);
          pump();
        };
        control.signal?.addEventListener('abort', p.onAbort, { once: true });
        queue.push(p);
        pump();
      });
    },
    async dispose() {
      disposed = true;
      for (const p of queue.splice(0)) {
        settle(p);
        p.reject(new Error('the NLM pool was disposed'));
      }
      await Promise.all(
        slots.map(async (s, i) => {
          if (!s) return;
          slots[i] = null;
          if (s.busy) {
            settle(s.busy);
            s.busy.reject(new Error('the NLM pool was disposed'));
          }
          await s.endpoint.terminate();
        }),
      );
    },
  };
}

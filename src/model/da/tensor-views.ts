// Zero-copy reads of float32 tensors for hot loops (the trainer's Adam reads ~1.8 MB of gradients per step).
import { tf } from '../tf';

interface WasmBackendInternals {
  wasm?: { HEAPF32?: Float32Array };
  dataIdMap?: { get(dataId: object): { memoryOffset?: number | null } | undefined };
}

/**
 * The tensor's float32 values without a copy where the backend allows it: on wasm a view into the WASM heap,
 * valid only until the next tensor allocation or disposal (read it at once, do not keep it); elsewhere dataSync()
 * (which the cpu backend also serves without a copy). Never write into the result.
 */
export function readFloat32View(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`readFloat32View needs a float32 tensor, got ${t.dtype}`);
  if (tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as WasmBackendInternals;
    const heap = backend.wasm?.HEAPF32;
    const offset = backend.dataIdMap?.get(t.dataId)?.memoryOffset;
    if (heap && typeof offset === 'number' && offset % 4 === 0) {
      return new Float32Array(heap.buffer, offset, t.size);
    }
  }
  return t.dataSync() as Float32Array;
}

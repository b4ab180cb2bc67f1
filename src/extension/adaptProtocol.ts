// Messages between the viewer and the study-adaptation Web Worker (pure types and the worker's handler).
import type { AdaptEpoch, AdaptProgress, AdaptationRecord } from '../jobs/adapt';
import type { DAWeights } from '../model/da/architecture';
import type { ModelCard } from '../model/da/card';

export interface AdaptVolumeMessage {
  data: Float32Array;
  dims: [number, number, number];
  spacing: [number, number, number];
  origin: [number, number, number];
  direction: [number, number, number, number, number, number, number, number, number];
}

export type AdaptWorkerRequest =
  | {
      type: 'start';
      acquisitions: AdaptVolumeMessage[];
      /** Absolute URL of the parent weights folder. */
      weightsUrl: string;
      /** Absolute URL of tfjs-backend-wasm's .wasm files. */
      wasmPath: string;
      wasmThreads: boolean;
      study: string;
      seconds: number;
    }
  | { type: 'cancel' };

export type AdaptWorkerReply =
  | { type: 'progress'; progress: Omit<AdaptProgress, 'history'>; history: AdaptEpoch[] }
  | {
      type: 'done';
      adapted: boolean;
      weights: DAWeights;
      card: ModelCard;
      source: string;
      record: AdaptationRecord;
      history: AdaptEpoch[];
      backend: string;
    }
  | { type: 'cancelled' }
  | { type: 'error'; message: string };

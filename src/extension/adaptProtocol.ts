// Messages between the viewer and the study-adaptation Web Worker (pure types and the worker's handler).
import type { Volume } from '../core/volume';
import type { AdaptEpoch, AdaptProgress, AdaptationRecord } from '../jobs/adapt';
import type { DAWeights } from '../model/da/architecture';
import type { ModelCard } from '../model/da/card';

/** A volume as posted to the worker: the Volume's own fields (structured clone keeps them; nothing else is sent). */
export type AdaptVolumeMessage = Pick<Volume, 'data' | 'dims' | 'spacing' | 'origin' | 'direction'>;

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
      /** da-wide's second network (the one adaptation trains); absent for the paper's DA. */
      stage2?: DAWeights;
      card: ModelCard;
      source: string;
      record: AdaptationRecord;
      history: AdaptEpoch[];
      backend: string;
    }
  | { type: 'cancelled' }
  | { type: 'error'; message: string };

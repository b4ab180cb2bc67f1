// The heavy half of `sodium-denoise adapt` (tfjs, the trainer), loaded only when an adaptation runs so that other
// commands start without TensorFlow.js.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { adaptDA, nlmComparisonText, studyHash, voxelDataHash, type AdaptResult } from '../jobs/adapt';
import type { RepeatedAcquisitions } from '../io/repeats';
import { writeFolderAtomic } from '../io/atomic-write';
import { checkShardPath, loadDA, MODEL_CARD_JSON, MODEL_JSON, STAGE2_DIR } from '../model/da/weights-io';
import { modelWeightsSource } from '../model/da/models';
import { weightShardsSha256, weightsFolderFiles } from '../model/da/weights-bytes';
import { DEFAULT_ADAPT_SECONDS } from './adapt';
import { log } from './output';

export interface AdaptRunOptions {
  model?: string;
  seconds?: number;
  seed?: number;
  backend?: string;
}

/** Adapts the parent to the study, logging each validation on stderr. */
export async function runAdaptation(study: RepeatedAcquisitions, o: AdaptRunOptions): Promise<AdaptResult> {
  const parent = await loadDA(o.model ?? modelWeightsSource());
  const seconds = o.seconds ?? DEFAULT_ADAPT_SECONDS;
  log(
    `adapting ${parent.card.name} ${parent.card.version} to ${study.volumes.length} repeats (${study.labels.join(', ')}) for up to ${seconds} s`,
  );
  let logged = 0;
  return adaptDA(study.volumes, parent, {
    study: study.uids.length ? studyHash(study.uids) : voxelDataHash(study.volumes),
    seconds,
    seed: o.seed,
    backend: o.backend,
    onProgress: (p) => {
      for (; logged < p.history.length; logged++) {
        const h = p.history[logged];
        const gain = p.parentValLoss ? (100 * (p.parentValLoss - h.valLoss)) / p.parentValLoss : NaN;
        log(
          `  epoch ${h.epoch}: train ${h.trainLoss.toExponential(3)}, held-out brain ${h.valLoss.toExponential(3)} (${gain >= 0 ? '−' : '+'}${Math.abs(gain).toFixed(2)} % vs parent), ${h.elapsedSeconds.toFixed(1)} s`,
        );
      }
    },
  });
}

/** The one line that says whether the study got adapted weights. */
export function summaryLine(r: AdaptResult): string {
  const v = r.record.validation;
  const p = r.record.parent;
  const how = `${r.record.epochs} epochs, ${r.record.seconds.toFixed(1)} s, stopped by ${r.record.stopped}`;
  const nlm = nlmComparisonText(r.record);
  return (
    (r.adapted
      ? `adapted: held-out-slab ${v.region} MSE ${v.gainPercent.toFixed(2)} % below ${p.name} ${p.version} (${how})`
      : `not adapted: no gain on held-out slabs (${v.gainPercent.toFixed(2)} % vs ${p.name} ${p.version}; ${how}); keeping the parent's weights`) +
    (nlm ? `; ${nlm}` : '')
  );
}

export function summaryJson(r: AdaptResult, study: RepeatedAcquisitions) {
  return {
    adapted: r.adapted,
    result: r.record.result,
    model: { name: r.model.card.name, version: r.model.card.version },
    acquisitions: study.volumes.length,
    format: study.format,
    adaptation: r.record,
    history: r.history,
  };
}

/**
 * Writes the folder `denoise --weights` loads: the adapted weights (new files), or the parent's model.json and
 * shards byte for byte with the "not adapted" card. Returns the model checksum the card carries.
 */
export async function writeAdaptedFolder(out: string, r: AdaptResult, parentDir: string): Promise<string> {
  // Built beside `out` and renamed into place: an interrupted write never leaves half a weights folder.
  return writeFolderAtomic(out, (tmp) => fillAdaptedFolder(tmp, r, parentDir));
}

async function fillAdaptedFolder(out: string, r: AdaptResult, parentDir: string): Promise<string> {
  if (r.adapted) {
    const { files, sha256 } = await weightsFolderFiles(r.model.weights, r.model.card, r.model.stage2);
    for (const [name, bytes] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(out, name)), { recursive: true });
      await fs.writeFile(path.join(out, name), bytes);
    }
    return sha256;
  }
  // Each network's model.json and shards byte for byte (da-wide: the first stage's, then stage2/'s).
  const bytes: Uint8Array[] = [];
  for (const sub of r.model.stage2 ? ['', STAGE2_DIR] : ['']) {
    const from = path.join(parentDir, sub);
    const to = path.join(out, sub);
    const modelJson = JSON.parse(await fs.readFile(path.join(from, MODEL_JSON), 'utf8')) as {
      weightsManifest: Array<{ paths: string[] }>;
    };
    await fs.mkdir(to, { recursive: true });
    for (const shard of modelJson.weightsManifest.flatMap((g) => g.paths)) {
      checkShardPath(shard, path.join(from, MODEL_JSON));
      const b = await fs.readFile(path.join(from, shard));
      bytes.push(b);
      await fs.mkdir(path.dirname(path.join(to, shard)), { recursive: true });
      await fs.writeFile(path.join(to, shard), b);
    }
    await fs.copyFile(path.join(from, MODEL_JSON), path.join(to, MODEL_JSON));
  }
  const sha256 = weightShardsSha256(bytes);
  await fs.writeFile(path.join(out, MODEL_CARD_JSON), JSON.stringify({ ...r.model.card, sha256 }, null, 2) + '\n');
  return sha256;
}

export async function checkOutFolder(out: string): Promise<void> {
  const entries = await fs.readdir(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    if (err.code === 'ENOTDIR') throw new Error(`--out ${out} is a file; give a new or empty folder`);
    throw err;
  });
  if (entries.some((n) => !n.startsWith('.')))
    throw new Error(`--out ${out} is not empty; give a new or empty folder (weights are never overwritten)`);
}

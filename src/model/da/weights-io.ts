// DA weights on disk, in the tfjs LayersModel format (model.json + one float32 shard) with the model card: saving
// through a real LayersModel, and tfjs IO handlers. Loading (no tfjs) is weights-load.ts, re-exported here.
import { nodeBuiltin } from '../runtime';
import { tf, type tfl } from '../tf';
import { type DAWeights, validateWeights } from './architecture';
import { cardStages, type ModelCard, parseModelCard } from './card';
import { createDAModel } from './layers-model';
import { concatBytes } from '../../core/bytes';
import {
  checkShardPath,
  MODEL_CARD_JSON,
  MODEL_JSON,
  modelChecksum,
  type ModelJson,
  STAGE2_DIR,
  WEIGHTS_BIN,
} from './weights-load';

export * from './weights-load';

type Fs = typeof import('node:fs');
type Path = typeof import('node:path');

/** A tfjs IOHandler that saves to / loads from a directory with the standard model.json + weights.bin files (Node). */
/**
 * A saved LayersModel as our weights folder lays it out: model.json naming one shard, and that shard's bytes.
 * @param noWeights - the error message when the artifacts hold no weights
 */
export function weightsFolderOf(
  artifacts: tf.io.ModelArtifacts,
  noWeights: string,
): { modelJson: Record<string, unknown>; bin: Uint8Array } {
  if (!artifacts.weightSpecs || artifacts.weightData === undefined) throw new Error(noWeights);
  const parts = Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  const modelJson = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
  };
  return { modelJson, bin: concatBytes(parts) };
}

export function fileIOHandler(dir: string): tf.io.IOHandler {
  const fs = nodeBuiltin<Fs>('node:fs');
  const path = nodeBuiltin<Path>('node:path');
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const { modelJson, bin: bytes } = weightsFolderOf(artifacts, 'fileIOHandler.save: model has no weights');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, WEIGHTS_BIN), bytes);
      fs.writeFileSync(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(fs.readFileSync(path.join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
      const manifest = json.weightsManifest;
      const files = manifest.flatMap((g) => g.paths).map((p) => path.join(dir, checkShardPath(p, MODEL_JSON)));
      const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: manifest.flatMap((g) => g.weights),
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      };
    },
  };
}

/**
 * Writes weights (as a real tfjs LayersModel) and the model card, with its sha256 filled in, into `dir` (Node); a
 * two-stage card's second network goes to `dir/stage2/` and the checksum covers both networks' shards in order.
 */
export async function saveDA(dir: string, weights: DAWeights, card: ModelCard, stage2?: DAWeights): Promise<void> {
  validateWeights(weights);
  const draft = parseModelCard(card, 'saveDA card', { requireChecksum: false });
  if ((cardStages(draft) === 2) !== (stage2 !== undefined))
    throw new Error(`saveDA: the card has ${cardStages(draft)} stage(s) but ${stage2 ? 2 : 1} network(s) were given`);
  const fs = nodeBuiltin<Fs>('node:fs');
  const path = nodeBuiltin<Path>('node:path');
  const shards: Buffer[] = [];
  for (const [folder, w] of stage2
    ? [[dir, weights] as const, [path.join(dir, STAGE2_DIR), stage2] as const]
    : [[dir, weights] as const]) {
    validateWeights(w);
    const model = createDAModel(w);
    try {
      await model.save(fileIOHandler(folder));
    } finally {
      model.dispose();
    }
    const manifest =
      (JSON.parse(fs.readFileSync(path.join(folder, MODEL_JSON), 'utf8')) as ModelJson).weightsManifest ?? [];
    shards.push(...manifest.flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(folder, p))));
  }
  const checked: ModelCard = { ...draft, sha256: modelChecksum(shards) };
  fs.writeFileSync(path.join(dir, MODEL_CARD_JSON), JSON.stringify(checked, null, 2) + '\n');
}

/** A LayersModel with these weights (for patch-wise prediction, Keras export, or tests). Caller disposes it. */
export function toLayersModel(weights: DAWeights): tfl.LayersModel {
  return createDAModel(weights);
}

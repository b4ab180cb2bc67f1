// DA weights as the bytes of a weights folder (model.json, weights.bin, model-card.json), built in memory so a
// browser or a worker can offer them for download and Node can write them; plus the model checksum.
import { tf } from '../tf';
import { createDAModel, DA_WEIGHT_SPECS, type DAWeights, validateWeights } from './architecture';
import { type ModelCard, parseModelCard } from './card';
import { MODEL_CARD_JSON, MODEL_JSON, modelChecksum, WEIGHTS_BIN, weightsFolderOf } from './weights-io';

export interface WeightsFolderFiles {
  /** File name → bytes, in the layout loadDA reads. */
  files: Record<string, Uint8Array>;
  /** sha256 of the weight shards in manifest order (hex): the model checksum. */
  sha256: string;
}

/** sha256 over the weight shards' bytes in manifest order (hex): the model checksum cards carry. */
export function weightShardsSha256(shards: readonly Uint8Array[]): string {
  return modelChecksum(shards); // one definition, in weights-io beside the loader that checks it
}

/** The model checksum of in-memory weights: sha256 of their float32 bytes in manifest order (= weightsFolderFiles' shard). */
export function weightsChecksum(weights: DAWeights): string {
  return modelChecksum(
    DA_WEIGHT_SPECS.map(({ name }) => {
      const w = weights[name];
      return new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    }),
  );
}

/**
 * The files of a weights folder for `weights` and `card` (the card gets the checksum of these shards as `sha256`).
 * @example const { files } = await weightsFolderFiles(weights, card); // files['model.json'], files['weights.bin'], …
 */
export async function weightsFolderFiles(weights: DAWeights, card: ModelCard): Promise<WeightsFolderFiles> {
  validateWeights(weights);
  const model = createDAModel(weights);
  let artifacts: tf.io.ModelArtifacts | undefined;
  try {
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  } finally {
    model.dispose();
  }
  if (!artifacts) throw new Error('the DA model saved no weights');
  const { modelJson, bin } = weightsFolderOf(artifacts, 'the DA model saved no weights');
  const sha256 = weightShardsSha256([bin]);
  if (sha256 !== weightsChecksum(weights))
    throw new Error('the saved weight shard is not the weights in manifest order');
  const checked = parseModelCard({ ...card, sha256 }, 'weights folder card');
  const text = new TextEncoder();
  return {
    files: {
      [MODEL_JSON]: text.encode(JSON.stringify(modelJson)),
      [WEIGHTS_BIN]: bin,
      [MODEL_CARD_JSON]: text.encode(JSON.stringify(checked, null, 2) + '\n'),
    },
    sha256,
  };
}

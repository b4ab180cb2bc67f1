// DA weights as the bytes of a weights folder (model.json, weights.bin, model-card.json, and stage2/ for da-wide), built in memory so a
// browser or a worker can offer them for download and Node can write them; plus the model checksum.
import { tf } from '../tf';
import { DA_WEIGHT_SPECS, type DAWeights, validateWeights } from './architecture';
import { createDAModel } from './layers-model';
import { cardStages, type ModelCard, parseModelCard } from './card';
import { MODEL_CARD_JSON, MODEL_JSON, modelChecksum, STAGE2_DIR, WEIGHTS_BIN, weightsFolderOf } from './weights-io';

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

/** The model checksum of in-memory weights: sha256 of their float32 bytes in manifest order (= weightsFolderFiles'
 * shards), a two-stage model's second network after the first. */
export function weightsChecksum(weights: DAWeights, stage2?: DAWeights): string {
  return modelChecksum(
    [weights, ...(stage2 ? [stage2] : [])].flatMap((w) =>
      DA_WEIGHT_SPECS.map(({ name }) => new Uint8Array(w[name].buffer, w[name].byteOffset, w[name].byteLength)),
    ),
  );
}

/** One network as a saved tfjs LayersModel: model.json and its one shard. */
async function networkFiles(weights: DAWeights): Promise<{ modelJson: Record<string, unknown>; bin: Uint8Array }> {
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
  return weightsFolderOf(artifacts, 'the DA model saved no weights');
}

/**
 * The files of a weights folder for `weights` and `card` (the card gets the checksum of these shards as `sha256`);
 * a two-stage card's second network goes to stage2/.
 * @example const { files } = await weightsFolderFiles(weights, card); // files['model.json'], files['weights.bin'], …
 */
export async function weightsFolderFiles(
  weights: DAWeights,
  card: ModelCard,
  stage2?: DAWeights,
): Promise<WeightsFolderFiles> {
  if ((cardStages(card) === 2) !== (stage2 !== undefined))
    throw new Error(`the card has ${cardStages(card)} stage(s) but ${stage2 ? 2 : 1} network(s) were given`);
  const first = await networkFiles(weights);
  const second = stage2 ? await networkFiles(stage2) : undefined;
  const sha256 = weightShardsSha256([first.bin, ...(second ? [second.bin] : [])]);
  if (sha256 !== weightsChecksum(weights, stage2))
    throw new Error('the saved weight shard is not the weights in manifest order');
  const checked = parseModelCard({ ...card, sha256 }, 'weights folder card');
  const text = new TextEncoder();
  return {
    files: {
      [MODEL_JSON]: text.encode(JSON.stringify(first.modelJson)),
      [WEIGHTS_BIN]: first.bin,
      ...(second
        ? {
            [`${STAGE2_DIR}/${MODEL_JSON}`]: text.encode(JSON.stringify(second.modelJson)),
            [`${STAGE2_DIR}/${WEIGHTS_BIN}`]: second.bin,
          }
        : {}),
      [MODEL_CARD_JSON]: text.encode(JSON.stringify(checked, null, 2) + '\n'),
    },
    sha256,
  };
}

// Saving and loading DA weights in the tfjs LayersModel format with a model card; wrong files fail clearly.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { activateBackend } from '../../../src/model/backend';
import { DA_PARAMETER_COUNT, DA_WEIGHT_SPECS } from '../../../src/model/da/architecture';
import { createDAModel, getModelWeights } from '../../../src/model/da/layers-model';
import { fileIOHandler, loadDA, MODEL_CARD_JSON, MODEL_JSON, saveDA } from '../../../src/model/da/weights-io';
import { tf, tfl } from '../../../src/model/tf';
import { randomWeights, testCard } from './helpers';

/** Bitwise equality (Jest's toEqual on 442k-element arrays takes tens of seconds). */
function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

describe('DA weights I/O', () => {
  let dir: string;
  beforeAll(async () => {
    expect(await activateBackend('wasm')).toBeUndefined();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-weights-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("has the paper's 461,345 parameters", () => {
    expect(DA_PARAMETER_COUNT).toBe(461345);
    const model = createDAModel();
    expect(model.countParams()).toBe(461345);
    expect(model.outputs[0].shape).toEqual([null, 1]);
    model.dispose();
  });

  it('round-trips weights and card, and the files are a real tfjs LayersModel', async () => {
    const weights = randomWeights(7);
    const card = testCard({ metrics: { mse: 0.5 } });
    await saveDA(dir, weights, card);
    expect(fs.readdirSync(dir).sort()).toEqual([MODEL_CARD_JSON, MODEL_JSON, 'weights.bin'].sort());
    expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe(4 * 461345);

    const loaded = await loadDA(dir);
    const shard = fs.readFileSync(path.join(dir, 'weights.bin'));
    const checksum = crypto.createHash('sha256').update(shard).digest('hex');
    expect(loaded.card).toEqual({ ...card, sha256: checksum });
    expect(loaded.checksum).toBe(checksum);
    for (const s of DA_WEIGHT_SPECS) expect(sameBytes(loaded.weights[s.name], weights[s.name])).toBe(true);

    // tfjs itself loads the directory and predicts like a model built from the same weights.
    const viaTfjs = await tfl.loadLayersModel(fileIOHandler(dir));
    const direct = createDAModel(weights);
    const x = tf.randomUniform([4, 5, 5, 5, 1], 0, 1, 'float32', 3);
    const a = viaTfjs.predict(x) as tf.Tensor,
      b = direct.predict(x) as tf.Tensor;
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(sameBytes(getModelWeights(viaTfjs)['conv2/kernel'], weights['conv2/kernel'])).toBe(true);
    tf.dispose([x, a, b]);
    viaTfjs.dispose();
    direct.dispose();
  });

  it("loads the repository's weights/ by default", async () => {
    const repo = await loadDA();
    expect(repo.card.architecture.parameters).toBe(461345);
    expect(['provisional', 'trained']).toContain(repo.card.status);
    expect(repo.card.normalisation.percentile).toBeGreaterThan(0);
  });

  it('rejects a missing directory, another network, truncated weights and a bad card', async () => {
    await expect(loadDA(path.join(dir, 'nope'))).rejects.toThrow(/not found.*model\.json/);
    await saveDA(dir, randomWeights(1), testCard());
    const modelPath = path.join(dir, MODEL_JSON);
    const original = fs.readFileSync(modelPath, 'utf8');

    fs.writeFileSync(modelPath, original.replace('"filters":64', '"filters":32'));
    await expect(loadDA(dir)).rejects.toThrow(/layer 1 \(Conv3D\) has filters 32, expected 64/);
    fs.writeFileSync(modelPath, original);

    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(1000));
    await expect(loadDA(dir)).rejects.toThrow(/too few for/);
    await saveDA(dir, randomWeights(1), testCard());

    const cardPath = path.join(dir, MODEL_CARD_JSON);
    const card = JSON.parse(fs.readFileSync(cardPath, 'utf8'));
    fs.writeFileSync(cardPath, JSON.stringify({ ...card, architecture: { ...card.architecture, patchSize: 7 } }));
    await expect(loadDA(dir)).rejects.toThrow(/patchSize is 7; this engine runs 5/);
    fs.writeFileSync(cardPath, JSON.stringify({ ...card, normalisation: { ...card.normalisation, region: 'brain' } }));
    await expect(loadDA(dir)).rejects.toThrow(/region must be 'head' or 'all'/);
    await expect(saveDA(dir, { ...randomWeights(1), 'conv1/bias': new Float32Array(3) }, testCard())).rejects.toThrow(
      /conv1\/bias.*3 values/,
    );
  });
});

// Weights are refused at load when they cannot be the model their card describes: all zero, a constant kernel, a
// checksum mismatch (one flipped byte), no checksum, a "trained" card without metrics, or a manifest shard path that
// leaves the model's folder. The shipped weights carry the checksum of their shard. Runtime: ~15 s.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { activateBackend } from '../../src/model/backend';
import { modelWeightsSource } from '../../src/model/da/models';
import { loadDA, MODEL_CARD_JSON, MODEL_JSON, saveDA } from '../../src/model/da/weights-io';
import { randomWeights, testCard } from '../model/da/helpers';
import { runCli, writeSmallSubject } from './cliHarness';

jest.setTimeout(120_000);

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
let root: string;
let n = 0;

/** A freshly saved valid model folder. */
async function modelDir(): Promise<string> {
  const dir = path.join(root, `m${++n}`);
  await saveDA(dir, randomWeights(n), testCard());
  return dir;
}

/** Rewrites weights.bin and, like a careless publisher, updates the card's checksum to match. */
function replaceShard(dir: string, bytes: Buffer, updateCard = true): void {
  fs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
  if (!updateCard) return;
  const card = JSON.parse(fs.readFileSync(path.join(dir, MODEL_CARD_JSON), 'utf8'));
  fs.writeFileSync(path.join(dir, MODEL_CARD_JSON), JSON.stringify({ ...card, sha256: sha256(bytes) }));
}

function editJson(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
}

beforeAll(async () => {
  expect(await activateBackend('wasm')).toBeUndefined();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sec-weights-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('loading DA weights', () => {
  it('the shipped weights carry the sha256 of their shard and load with it', async () => {
    const shipped = modelWeightsSource();
    const card = JSON.parse(fs.readFileSync(path.join(shipped, MODEL_CARD_JSON), 'utf8'));
    expect(card.sha256).toBe(sha256(fs.readFileSync(path.join(shipped, 'weights.bin'))));
    expect((await loadDA()).checksum).toBe(card.sha256);
  });

  it('refuses all-zero weights even with a matching checksum', async () => {
    const dir = await modelDir();
    replaceShard(dir, Buffer.alloc(fs.statSync(path.join(dir, 'weights.bin')).size));
    await expect(loadDA(dir)).rejects.toThrow(/every weight is zero; these are not trained weights/);
  });

  it('refuses a constant kernel', async () => {
    const dir = await modelDir();
    const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
    const f32 = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    f32.fill(0.01, 0, 27 * 64); // conv1/kernel, first in the manifest
    replaceShard(dir, bytes);
    await expect(loadDA(dir)).rejects.toThrow(/conv1\/kernel holds the same value \(0\.0099\d*\) everywhere/);
  });

  it('refuses a shard whose checksum does not match the card (one flipped byte)', async () => {
    const dir = await modelDir();
    const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
    bytes[1000] ^= 0x40;
    replaceShard(dir, bytes, false);
    await expect(loadDA(dir)).rejects.toThrow(
      /the weight shards' SHA-256 is [0-9a-f]{64} but model-card\.json says [0-9a-f]{64}; the weights are corrupted/,
    );
  });

  it('refuses a card without a checksum, and a "trained" card without metrics', async () => {
    const dir = await modelDir();
    const cardFile = path.join(dir, MODEL_CARD_JSON);
    const original = fs.readFileSync(cardFile, 'utf8');
    editJson(cardFile, (c) => delete c.sha256);
    await expect(loadDA(dir)).rejects.toThrow(/sha256 must be the SHA-256 .* got undefined/);
    fs.writeFileSync(cardFile, original);
    editJson(cardFile, (c) => {
      c.status = 'trained';
      c.metrics = {};
    });
    await expect(loadDA(dir)).rejects.toThrow(/status is "trained" but metrics is empty/);
  });

  it.each(['../weights.bin', '/etc/passwd', 'https://example.org/w.bin', '%2e%2e/w.bin', 'sub\\..\\w.bin', ''])(
    'refuses the manifest shard path %j',
    async (shard) => {
      const dir = await modelDir();
      editJson(path.join(dir, MODEL_JSON), (m) => {
        (m.weightsManifest as { paths: string[] }[])[0].paths = [shard];
      });
      await expect(loadDA(dir)).rejects.toThrow(
        /weight shard path .* is refused; shards must be plain relative file names inside the model's folder/,
      );
    },
  );

  it('the CLI refuses tampered weights with one line', async () => {
    const dir = await modelDir();
    const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
    bytes[4] ^= 1;
    replaceShard(dir, bytes, false);
    const files = await writeSmallSubject(fs.mkdtempSync(path.join(root, 'subject-')));
    const out = path.join(root, 'da.nii.gz');
    const r = await runCli(['denoise', '--method', 'da', '--in', files.input, '--weights', dir, '--out', out]);
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('sodium-denoise:'));
    expect(errors).toEqual([expect.stringMatching(/SHA-256 .* the weights are corrupted/)]);
    expect(fs.existsSync(out)).toBe(false);
  });
});

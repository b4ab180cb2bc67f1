// A model adapted to a study with correlated noise carries whitening in its card: inference whitens the input, runs
// the network on the requested voxels in the raw input's scale, and leaves every other voxel as acquired.
// The card round-trips through saveDA/loadDA, and a bad whitening block is refused. Random weights, 14³: seconds.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVolume } from '../../../src/core/volume';
import { filterSeparable, whiteningFromSpec } from '../../../src/core/whitening';
import { activateBackend } from '../../../src/model/backend';
import { parseModelCard } from '../../../src/model/da/card';
import { denoiseDA, denoiseDAWithScale } from '../../../src/model/da/infer';
import { loadDA, saveDA, type LoadedDA } from '../../../src/model/da/weights-io';
import { HAMMING_WHITENING, randomData, randomWeights, testCard } from './helpers';

const N = 14;
const spec = HAMMING_WHITENING;
const HAMMING = spec.correlations[0];

beforeAll(async () => {
  expect(await activateBackend('cpu')).toBeUndefined();
});

describe('whitening around the network', () => {
  const weights = randomWeights(5);
  const plain: LoadedDA = { weights, card: testCard(), source: 'memory' };
  const whitened: LoadedDA = { weights, card: testCard({ whitening: spec }), source: 'memory' };
  const volume = createVolume({ dims: [N, N, N], spacing: [4, 4, 4], data: randomData(N ** 3, 8) });
  const mask = new Uint8Array(N ** 3);
  for (let z = 5; z < 9; z++) for (let y = 4; y < 10; y++) for (let x = 3; x < 11; x++) mask[(z * N + y) * N + x] = 1;

  it('whitens the input, runs the network on the mask in the raw input’s scale, and pastes the mask', async () => {
    const before = Float32Array.from(volume.data);
    const out = await denoiseDA(volume, whitened, { mask });
    const white = filterSeparable(volume, whiteningFromSpec(spec).whiten);
    const expected = (await denoiseDAWithScale(white, plain, out.scale, { mask })).volume.data;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) expect(Math.abs(out.volume.data[i] - expected[i])).toBeLessThan(1e-3 * Math.abs(expected[i]) + 1e-3);
      else expect(out.volume.data[i]).toBe(volume.data[i]);
    }
    // The scale is the raw input's, as for the plain model; the input is not modified.
    expect(out.scale).toBe((await denoiseDA(volume, plain, { mask })).scale);
    expect(volume.data).toEqual(before);
    expect(out.voxelsComputed).toBe(mask.reduce((s, m) => s + m, 0));
    // Whitening changed the result.
    const unwhitened = await denoiseDAWithScale(volume, plain, out.scale, { mask });
    expect(Array.from(unwhitened.volume.data)).not.toEqual(Array.from(out.volume.data));
  });

  it('saveDA and loadDA keep the whitening; a bad whitening block is refused naming the field', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-whitened-'));
    try {
      await saveDA(dir, weights, whitened.card);
      const back = await loadDA(dir);
      expect(back.card.whitening).toEqual(spec);
      const a = await denoiseDA(volume, back, { mask });
      const b = await denoiseDA(volume, whitened, { mask });
      expect(a.volume.data).toEqual(b.volume.data);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const card = (whitening: unknown) =>
      parseModelCard({ ...testCard(), whitening }, 'model-card.json', { requireChecksum: false });
    expect(card(spec).whitening).toEqual(spec);
    expect(() => card({ ...spec, radius: 99 })).toThrow(/^model-card\.json: whitening\.radius must be an integer/);
    expect(() => card({ ...spec, strength: 0 })).toThrow(/whitening\.strength must be in \(0, 1\]/);
    expect(() => card({ ...spec, floor: 'x' })).toThrow(/whitening\.floor/);
    expect(() => card({ ...spec, floor: 1e-300 })).toThrow(/whitening\.floor must be in \[0\.01, 1\]/);
    expect(() => card({ ...spec, correlations: [HAMMING, HAMMING] })).toThrow(/one array per axis/);
    expect(() => card({ ...spec, correlations: [[0.5, 0.2], HAMMING, HAMMING] })).toThrow(/correlations\[0\]/);
    expect(() => card({ ...spec, correlations: [[1, 7], HAMMING, HAMMING] })).toThrow(/\|r\| ≤ 1/);
    expect(() => card('yes')).toThrow(/whitening must be an object/);
  });
});

// da-wide, the two-stage DA: the folder layout (stage2/ beside the first network, one checksum over both), and the
// rule that the second network denoises the first one's output in the input's scale, so an output voxel sees 9³
// input voxels and nothing outside the requested voxels changes. Random weights on 14³ volumes: a few seconds.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVolume, type Volume } from '../../../src/core/volume';
import { architectureSection } from '../../../src/model/da/card';
import { denoiseDA, denoiseDAWithScale } from '../../../src/model/da/infer';
import { growMask } from '../../../src/model/da/stages';
import { loadDA, saveDA, type LoadedDA } from '../../../src/model/da/weights-io';
import { weightsChecksum, weightsFolderFiles } from '../../../src/model/da/weights-bytes';
import { footprintSlices, splitSlabs } from '../../../src/jobs/adapt/split';
import { activateBackend } from '../../../src/model/backend';
import { identityDAWeights } from '../../../src/model/da/init';
import { randomData, randomWeights, testCard } from './helpers';

const N = 14;

function twoStage(): LoadedDA {
  return {
    weights: randomWeights(3),
    stage2: randomWeights(4),
    card: testCard({ architecture: architectureSection(2) }),
    source: 'memory',
  };
}

function volume(data = randomData(N ** 3, 9)): Volume {
  return createVolume({ dims: [N, N, N], spacing: [4, 4, 4], data });
}

beforeAll(async () => {
  expect(await activateBackend('cpu')).toBeUndefined();
});

describe('da-wide (two stages)', () => {
  it('saves stage2/ beside the first network, loads both, and checks one checksum over both', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-wide-'));
    try {
      const m = twoStage();
      await saveDA(dir, m.weights, m.card, m.stage2);
      expect(fs.existsSync(path.join(dir, 'stage2', 'weights.bin'))).toBe(true);
      const back = await loadDA(dir);
      expect(back.card.architecture.stages).toBe(2);
      expect(back.card.architecture.parameters).toBe(2 * 461345);
      expect(back.stage2!['dense3/kernel']).toEqual(m.stage2!['dense3/kernel']);
      expect(back.checksum).toBe(weightsChecksum(m.weights, m.stage2));
      // The in-memory folder (viewer download) is the same model, byte for byte in the shards.
      const { files, sha256 } = await weightsFolderFiles(m.weights, m.card, m.stage2);
      expect(sha256).toBe(back.checksum);
      expect(Buffer.from(files['stage2/weights.bin']).equals(fs.readFileSync(path.join(dir, 'stage2', 'weights.bin'))));
      // A changed second-stage shard is refused: the card's checksum covers it.
      const bin = path.join(dir, 'stage2', 'weights.bin');
      const bytes = fs.readFileSync(bin);
      bytes[100] ^= 1;
      fs.writeFileSync(bin, bytes);
      await expect(loadDA(dir)).rejects.toThrow(/SHA-256 .* but model-card\.json says/);
      await expect(saveDA(dir, m.weights, m.card)).rejects.toThrow(/the card has 2 stage\(s\) but 1 network/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the second network on the first one’s output in the input’s scale, and leaves unmasked voxels as input', async () => {
    const m = twoStage();
    const v = volume();
    const mask = new Uint8Array(N ** 3);
    for (let z = 5; z < 9; z++) for (let y = 4; y < 10; y++) for (let x = 3; x < 11; x++) mask[(z * N + y) * N + x] = 1;
    const out = await denoiseDA(v, m, { mask });
    const single = (w: LoadedDA['weights']): LoadedDA => ({ weights: w, card: testCard(), source: 'memory' });
    const first = await denoiseDAWithScale(v, single(m.weights), out.scale, { mask: growMask(mask, v.dims, 2) });
    const second = await denoiseDAWithScale(first.volume, single(m.stage2!), out.scale, { mask });
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) expect(Math.abs(out.volume.data[i] - second.volume.data[i])).toBeLessThan(1e-3);
      else expect(out.volume.data[i]).toBe(v.data[i]);
    }
    expect(out.voxelsComputed).toBeGreaterThan(2 * 4 * 6 * 8);
  });

  it('sees 9³ input voxels: a change 4 voxels away moves the output, 5 voxels away does not', async () => {
    const m = twoStage();
    const base = volume();
    const centre = (7 * N + 7) * N + 7;
    const mask = new Uint8Array(N ** 3);
    mask[centre] = 1;
    // The scale is fixed so the perturbation acts only through the patches.
    const run = async (data: Float32Array) => (await denoiseDAWithScale(volume(data), m, 500, { mask })).volume.data;
    const ref = await run(base.data);
    const at = async (dx: number) => {
      const d = new Float32Array(base.data);
      d[centre + dx] += 300;
      return (await run(d))[centre];
    };
    expect(Math.abs((await at(4)) - ref[centre])).toBeGreaterThan(1e-4);
    expect(await at(5)).toBe(ref[centre]);
  });

  it('a second stage can start as the identity on non-negative inputs (da-wide then starts as its first stage)', async () => {
    const w = identityDAWeights(2);
    const v = volume();
    const mask = new Uint8Array(v.data.length).map((_, i) => (i % 37 === 0 ? 1 : 0));
    const out = await denoiseDAWithScale(v, { weights: w, card: testCard(), source: 'memory' }, 500, { mask });
    for (let i = 0; i < v.data.length; i += 37) expect(out.volume.data[i]).toBeCloseTo(Math.max(0, v.data[i]), 2);
  });

  it('adaptation keeps training patches of a two-stage model 4 slices (plus reflection) from held-out slabs', () => {
    expect(footprintSlices(10, 64, 2)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(footprintSlices(1, 64, 2)).toEqual([0, 1, 2, 3, 4, 5]);
    const split = splitSlabs(64, {}, 2);
    for (let k = 0; k < 64; k++)
      if (split.trainSlices[k]) for (const z of footprintSlices(k, 64, 2)) expect(split.heldOut[z]).toBe(0);
    // Slices 16–23 are held out: 11 and 28 are the nearest a 9-slice footprint allows.
    expect(split.trainSlices[11]).toBe(1);
    expect(split.trainSlices[12]).toBe(0);
    expect(split.trainSlices[28]).toBe(1);
    expect(split.trainSlices[27]).toBe(0);
  });
});

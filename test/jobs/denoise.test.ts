// denoiseVolume, the job the viewer and the CLI share: NLM and DA on a phantom head, metrics against the truth,
// masks, reproducible parameters, inputs untouched, clear errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { denoiseVolume } from '../../src/jobs/denoise';
import { measureDenoising } from '../../src/jobs/denoise-metrics';
import { estimateRegime } from '../../src/core/regime';
import { createVolume } from '../../src/core/volume';
import { denoiseDAParallel } from '../../src/model/da/node-parallel';
import { saveDA } from '../../src/model/da/weights-io';
import { nlmeans } from '../../src/model/nlm/nlm-cpu';

import { loaded, randomWeights, testCard } from '../model/da/helpers';
import { phantomSubject } from '../helpers/phantom';

const subject = phantomSubject({ matrix: 32, voxelSizeMm: 8, subjects: 1, seed: 5 });
const noisy = subject.acquisitions[0];

describe('denoiseVolume with NLM', () => {
  it('estimates σ, denoises, and measures against the noise-free truth over the automatic brain mask', async () => {
    const before = new Float32Array(noisy.data);
    const stages = new Set<string>();
    const r = await denoiseVolume(
      noisy,
      { method: 'nlm', blockRadius: 3 },
      {
        reference: subject.truth,
        referenceKind: 'noise-free',
        onProgress: (_f, stage) => stage && stages.add(stage),
      },
    );
    expect(noisy.data).toEqual(before);
    expect(r.method).toBe('nlm');
    expect(r.backend).toBe('wasm-simd');
    expect(String(r.parameters.sigmaSource)).toMatch(/^estimated: /);
    // The estimate sees the true σ of the phantom's noise (within the spread of a background estimate).
    expect(Number(r.parameters.sigma) / subject.noiseSigma).toBeGreaterThan(0.7);
    expect(Number(r.parameters.sigma) / subject.noiseSigma).toBeLessThan(1.3);
    expect(r.parameters).toMatchObject({ patchRadius: 1, blockRadius: 3, rician: true, implementation: 'cpu' });
    expect(r.millis).toBeGreaterThan(0);
    const m = r.metrics!;
    expect(m.referenceKind).toBe('noise-free');
    expect(m.maskSource).toBe('automatic');
    expect(m.maskVoxels).toBeGreaterThan(100);
    expect(m.psnr).toBeGreaterThan(m.input.psnr);
    expect(m.ssim).toBeGreaterThan(m.input.ssim);
    expect(m.improvement.psnrPercent).toBeCloseTo((100 * (m.psnr - m.input.psnr)) / m.input.psnr, 10);
    expect([...stages]).toEqual(
      expect.arrayContaining(['Estimating the noise σ', 'Denoising (NLM)', 'Measuring pSNR and SSIM']),
    );
  });

  it('with a given σ and a user mask: the same values as nlmeans, unmasked voxels untouched, metrics over that mask', async () => {
    const mask = subject.brainMask;
    const r = await denoiseVolume(
      noisy,
      { method: 'nlm', sigma: subject.noiseSigma, blockRadius: 3 },
      { mask, reference: subject.truth },
    );
    const direct = await nlmeans(noisy, { sigma: subject.noiseSigma, blockRadius: 3 }, { mask });
    expect(Array.from(r.volume.data)).toEqual(Array.from(direct.data));
    expect(r.parameters.sigmaSource).toBe('given');
    expect(r.metrics!.maskSource).toBe('user');
    expect(r.metrics!.maskVoxels).toBe(mask.reduce((s, v) => s + (v ? 1 : 0), 0));
    for (let i = 0; i < mask.length; i++) if (!mask[i]) expect(r.volume.data[i]).toBe(noisy.data[i]);
  });

  it('runs the tfjs implementation on wasm with the same result', async () => {
    const small = createVolume({ dims: [12, 11, 10], data: noisy.data.slice(0, 1320).map((v) => v + 1) });
    const cpu = await denoiseVolume(small, { method: 'nlm', sigma: 20, blockRadius: 3 });
    const tf = await denoiseVolume(
      small,
      { method: 'nlm', sigma: 20, blockRadius: 3, implementation: 'tf' },
      { backend: 'wasm' },
    );
    expect(tf.backend).toBe('wasm');
    expect(tf.parameters.implementation).toBe('tf');
    for (let i = 0; i < cpu.volume.data.length; i++)
      expect(Math.abs(tf.volume.data[i] - cpu.volume.data[i])).toBeLessThan(1e-3 * Math.max(1, cpu.volume.data[i]));
  });
});

describe('denoiseVolume with the DA', () => {
  const small = createVolume({ dims: [14, 13, 12], spacing: [4, 4, 4], data: noisy.data.slice(0, 14 * 13 * 12) });

  it('takes loaded weights or a weights directory and records the model version', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'denoise-da-'));
    try {
      await saveDA(dir, randomWeights(7), testCard());
      const fromDir = await denoiseVolume(small, { method: 'da', weights: dir }, { backend: 'wasm' });
      const fromMemory = await denoiseVolume(
        small,
        { method: 'da', weights: { ...loaded(7), source: dir } },
        { backend: 'wasm' },
      );
      expect(Array.from(fromDir.volume.data)).toEqual(Array.from(fromMemory.volume.data));
      expect(fromDir.backend).toBe('wasm');
      expect(fromDir.parameters).toMatchObject({
        weights: dir,
        model: 'test-da',
        modelVersion: '0.0.0-test',
        modelStatus: 'provisional',
      });
      expect(fromDir.volume.data).not.toEqual(small.data);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs on an injected runner (Node worker threads, as the CLI does) voxel for voxel as on this thread', async () => {
    // The phantom head: the job finds the head, and analyses the input (regime, metrics basis) while the workers run.
    const weights = { ...loaded(7), source: 'memory' };
    const opts = { backend: 'wasm', reference: subject.truth };
    const here = await denoiseVolume(noisy, { method: 'da', weights }, opts);
    const onWorkers = await denoiseVolume(
      noisy,
      { method: 'da', weights },
      {
        ...opts,
        daRunner: (volume, model, o) => denoiseDAParallel(volume, model, { ...o, workers: 2, minVoxelsForWorkers: 0 }),
      },
    );
    expect(onWorkers.backend).toBe('wasm×2');
    expect(Array.from(onWorkers.volume.data)).toEqual(Array.from(here.volume.data));
    expect(onWorkers.parameters.region).toBe('head (automatic)');
    expect(onWorkers.regime).toEqual(here.regime);
    expect(onWorkers.regime?.brainSnr).toBeGreaterThan(0);
    expect(onWorkers.warnings).toEqual(here.warnings);
    expect(onWorkers.metrics).toEqual(here.metrics);
    expect(onWorkers.metrics!.maskSource).toBe('automatic');
    // Sharing one noise estimate and brain mask changes nothing: the same as each computed on its own.
    expect(here.regime).toEqual(estimateRegime(noisy));
    expect(here.metrics).toEqual(measureDenoising(noisy, here.volume, subject.truth, { referenceKind: 'reference' }));
  });
});

describe('denoiseVolume with a study-adapted card that blends NLM in', () => {
  it('returns the DA blended with NLM (the job’s σ̂ and region) by the card’s weight, on workers as on this thread', async () => {
    const nlmBlend = { weight: 0.4, patchRadius: 1, blockRadius: 3, rician: true };
    const blended = { weights: randomWeights(7), card: testCard({ nlmBlend }), source: 'memory' };
    const plain = { ...blended, card: testCard() };
    const before = Float32Array.from(noisy.data);
    const out = await denoiseVolume(noisy, { method: 'da', weights: blended }, { backend: 'wasm' });
    const da = await denoiseVolume(noisy, { method: 'da', weights: plain, blend: 'off' }, { backend: 'wasm' });
    const nlm = await denoiseVolume(noisy, { method: 'nlm', patchRadius: 1, blockRadius: 3 });
    expect(out.parameters).toMatchObject({
      nlmBlend: 'held-out slabs',
      nlmBlendWeight: 0.4,
      nlmSigma: nlm.parameters.sigma,
      nlmKernel: nlm.backend,
      region: 'head (automatic)',
    });
    expect(out.backend).toBe('wasm');
    // 'off' is the network alone, whatever the card says.
    const off = await denoiseVolume(noisy, { method: 'da', weights: blended, blend: 'off' }, { backend: 'wasm' });
    expect(off.volume.data).toEqual(da.volume.data);
    const a = da.volume.data;
    const b = nlm.volume.data;
    for (let v = 0; v < a.length; v++) expect(out.volume.data[v]).toBeCloseTo(a[v] + 0.4 * (b[v] - a[v]), 3);
    expect(noisy.data).toEqual(before);
    // Worker threads for the network and a pool for NLM give the same voxels.
    const { createNodeNlmPool } = await import('../../src/model/nlm/node-pool');
    const pool = createNodeNlmPool(2);
    try {
      const parallel = await denoiseVolume(
        noisy,
        { method: 'da', weights: blended },
        {
          backend: 'wasm',
          workerPool: pool,
          daRunner: (volume, model, o) =>
            denoiseDAParallel(volume, model, { ...o, workers: 2, minVoxelsForWorkers: 0 }),
        },
      );
      expect(Array.from(parallel.volume.data)).toEqual(Array.from(out.volume.data));
    } finally {
      await pool.dispose();
    }
  });
});

describe('denoiseVolume errors', () => {
  it.each([
    [
      'an unknown method',
      () => denoiseVolume(noisy, { method: 'bm4d' } as never),
      /unknown denoising method "bm4d"; use 'da' or 'nlm'/,
    ],
    [
      'a reference on another grid',
      () => denoiseVolume(noisy, { method: 'nlm', sigma: 1 }, { reference: createVolume({ dims: [4, 4, 4] }) }),
      /reference has dims \[4, 4, 4\] but the volume has \[32, 32, 32\]/,
    ],
    [
      'an unknown NLM implementation',
      () => denoiseVolume(noisy, { method: 'nlm', implementation: 'gpu' } as never),
      /unknown NLM implementation "gpu"/,
    ],
    [
      'a negative σ',
      () => denoiseVolume(noisy, { method: 'nlm', sigma: -3 }),
      /NLM noise sigma must be a positive finite number, got -3/,
    ],
    [
      'a missing weights directory',
      () => denoiseVolume(noisy, { method: 'da', weights: '/nonexistent/weights' }),
      /not found/,
    ],
  ])('rejects %s', async (_what, run, message) => {
    await expect(run()).rejects.toThrow(message);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    const run = denoiseVolume(
      noisy,
      { method: 'nlm', sigma: 10 },
      { signal: ac.signal, onProgress: (f) => f > 0 && ac.abort(new Error('cancelled')) },
    );
    await expect(run).rejects.toThrow('cancelled');
  });
});

// `sodium-denoise adapt` and `denoise --adapt` as a user runs them: the --out folder always loads with --weights
// (adapted, or the parent's weights with a "not adapted" card), the card's checksum matches its shard, fewer than
// two repeats are refused with one line. Runtime: ~1.5 min on a quiet 2-core machine (5 min with 8 jobs sharing it) (32³, budgets of seconds).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNiftiFile } from '../../src/io/nifti';
import { readVolumeInput, writeVolumeOutput } from '../../src/io/volume-file';
import { denoiseVolume } from '../../src/jobs/denoise';
import { HAMMING_WHITENING } from '../model/da/helpers';
import { sha256Hex } from '../../src/core/sha256';
import { adaptDA, NOT_ADAPTED_NOTE, studyHash } from '../../src/jobs/adapt';
import { adaptedCard, type AdaptationRecord } from '../../src/jobs/adapt/card';
import { writeAdaptedFolder } from '../../src/cli/adaptRun';
import { weightsChecksum } from '../../src/model/da/weights-bytes';
import { defaultWeightsSource, loadDA } from '../../src/model/da/weights-io';
import { generateSubject, resolvePhantomParams } from '../../src/phantom';

const BIN = path.join(__dirname, '..', '..', 'bin', 'sodium-denoise.js');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sodium-denoise adapt', () => {
  const subject = generateSubject(resolvePhantomParams({ matrix: 32, voxelSizeMm: 8, subjects: 1, seed: 11 }), 0);
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-adapt-'));
    fs.mkdirSync(path.join(dir, 'study'));
    for (const [i, a] of subject.acquisitions.entries())
      await writeNiftiFile(path.join(dir, 'study', `acq${i + 1}.nii.gz`), a);
    fs.mkdirSync(path.join(dir, 'single'));
    await writeNiftiFile(path.join(dir, 'single', 'acq1.nii.gz'), subject.acquisitions[0]);
    await writeVolumeOutput(path.join(dir, 'one-series'), subject.acquisitions[0]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  /** `denoise --method da --weights <folder>` on the study's first acquisition. */
  const denoiseWith = (weights: string, out: string, ...extra: string[]) =>
    cli(
      'denoise',
      '--method',
      'da',
      '--weights',
      weights,
      '--in',
      path.join(dir, 'study', 'acq1.nii.gz'),
      '--out',
      out,
      ...extra,
    );

  it('writes a folder that denoise --weights loads, whose card checksums its shard and says what happened', () => {
    const out = path.join(dir, 'adapted');
    const r = cli('adapt', '--in', path.join(dir, 'study'), '--out', out, '--seconds', '8', '--json');
    expect(r.stderr).toMatch(/adapting sodium-da/);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(typeof json.adapted).toBe('boolean');
    expect(json.acquisitions).toBe(3);
    expect(json.adaptation.parent.name).toBe('sodium-da');
    expect(json.adaptation.study).toMatch(/^[0-9a-f]{64}$/);
    const card = JSON.parse(fs.readFileSync(path.join(out, 'model-card.json'), 'utf8'));
    expect(card.sha256).toBe(sha256Hex(fs.readFileSync(path.join(out, 'weights.bin'))));
    expect(card.sha256).toBe(json.sha256);
    if (!json.adapted) {
      expect(card.notes.join(' ')).toContain(NOT_ADAPTED_NOTE);
      expect(fs.readFileSync(path.join(out, 'weights.bin'))).toEqual(
        fs.readFileSync(path.join(defaultWeightsSource(), 'weights.bin')),
      );
    }
    const d = denoiseWith(out, path.join(dir, 'd.nii.gz'), '--json');
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout).parameters.model).toBe(card.name);
  });

  it('denoise --adapt adapts to the repeats, then denoises the chosen one; the summary says which weights', () => {
    const r = cli(
      'denoise',
      '--method',
      'da',
      '--adapt',
      '--adapt-seconds',
      '5',
      '--series',
      '2',
      '--in',
      path.join(dir, 'study'),
      '--out',
      path.join(dir, 'a.nii.gz'),
    );
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^(adapted|not adapted: no gain on held-out slabs)/);
    expect(fs.existsSync(path.join(dir, 'a.nii.gz'))).toBe(true);
  });

  it.each([
    ['one NIfTI acquisition', 'single'],
    ['one DICOM series', 'one-series'],
  ])('refuses %s with one line', (_what, folder) => {
    const r = cli('adapt', '--in', path.join(dir, folder), '--out', path.join(dir, `never-${folder}`));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/found 1 .*at least 2 repeated acquisitions/);
    expect(fs.existsSync(path.join(dir, `never-${folder}`))).toBe(false);
  });

  it('refuses a non-empty --out', () => {
    fs.mkdirSync(path.join(dir, 'full'));
    fs.writeFileSync(path.join(dir, 'full', 'x'), 'x');
    const r = cli('adapt', '--in', path.join(dir, 'study'), '--out', path.join(dir, 'full'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not empty/);
  });

  it('both outcomes load with loadDA: the adapted weights with their card, the parent unchanged with its note', async () => {
    const parent = await loadDA();
    const r = await adaptDA(subject.acquisitions, parent, {
      study: studyHash(['1.2.3']),
      seconds: 2,
      validationSamples: 128,
    });
    const changed = parent.weights['dense3/bias'].map((v) => v + 0.01);
    const adapted = {
      ...r,
      adapted: true,
      model: {
        weights: { ...parent.weights, 'dense3/bias': changed },
        card: adaptedCard(parent.card, { ...r.record, result: 'adapted' as const }, r.model.card.created),
        source: 'memory',
      },
    };
    // Built explicitly: a 2 s run may or may not adapt (the averaged weights often gain within one epoch).
    const notAdapted = {
      ...r,
      adapted: false,
      model: {
        weights: parent.weights,
        card: adaptedCard(parent.card, { ...r.record, result: NOT_ADAPTED_NOTE }, r.model.card.created),
        source: parent.source,
      },
    };
    for (const [name, result] of [
      ['a', adapted],
      ['n', notAdapted],
    ] as const) {
      const out = path.join(dir, `both-${name}`);
      const sha = await writeAdaptedFolder(out, result, defaultWeightsSource());
      const back = await loadDA(out);
      expect((back.card as { sha256?: string }).sha256).toBe(sha);
      expect(back.checksum).toBe(sha);
      expect(weightsChecksum(result.model.weights)).toBe(sha);
      expect(sha).toBe(sha256Hex(fs.readFileSync(path.join(out, 'weights.bin'))));
      if (name === 'a') {
        expect(back.card.name).toBe('sodium-da-adapted');
        expect(back.weights['dense3/bias']).toEqual(changed);
      } else {
        expect(back.card.name).toBe('sodium-da');
        expect(back.card.notes?.join(' ')).toContain(NOT_ADAPTED_NOTE);
        expect(back.weights['conv2/kernel']).toEqual(parent.weights['conv2/kernel']);
      }
    }
  });

  it('a folder whose card carries whitening: denoise --weights whitens the input as the library does', async () => {
    const parent = await loadDA();
    const r = await adaptDA(subject.acquisitions, parent, { study: studyHash(['1.2.3.9']), seconds: 2 });
    // The record of a study whose whitened candidate won (built explicitly: this white-noise study has none).
    const record = {
      ...r.record,
      result: 'adapted' as const,
      whitening: { ...HAMMING_WHITENING, lag1: 0.62, kept: true, candidates: [] },
    };
    const card = adaptedCard(parent.card, record, r.model.card.created);
    expect(card.whitening).toEqual(HAMMING_WHITENING);
    const out = path.join(dir, 'whitened');
    await writeAdaptedFolder(out, { ...r, adapted: true, model: { ...parent, card } }, defaultWeightsSource());
    const d = denoiseWith(out, path.join(dir, 'w.nii.gz'), '--threads', '2');
    expect(d.code).toBe(0);
    const written = (await readVolumeInput(path.join(dir, 'w.nii.gz'))).volume.data;
    const loaded = await loadDA(out);
    expect(loaded.card.whitening).toEqual(HAMMING_WHITENING);
    const library = (await denoiseVolume(subject.acquisitions[0], { method: 'da', weights: loaded })).volume.data;
    const plain = (await denoiseVolume(subject.acquisitions[0], { method: 'da', weights: parent })).volume.data;
    let diff = 0;
    let fromPlain = 0;
    for (let i = 0; i < written.length; i++) {
      diff = Math.max(diff, Math.abs(written[i] - library[i]));
      fromPlain = Math.max(fromPlain, Math.abs(written[i] - plain[i]));
    }
    expect(diff).toBeLessThan(0.01); // the NIfTI keeps float32: equal but for the worker split's rounding
    expect(fromPlain).toBeGreaterThan(1);
  });

  it('a not-adapted folder whose card blends NLM in: the parent’s shards, and denoise --weights blends as the library', async () => {
    const parent = await loadDA();
    const r = await adaptDA(subject.acquisitions, parent, { study: studyHash(['1.2.3.10']), seconds: 2 });
    const c = r.record.nlm;
    if (!c || 'skipped' in c) throw new Error('the 2 s run should have compared with NLM');
    // The record of a study whose held-out slabs kept a blend (built explicitly: that is the study's call).
    const record: AdaptationRecord = {
      ...r.record,
      result: NOT_ADAPTED_NOTE,
      nlm: { ...c, blend: { ...c.blend!, kept: true, weight: 0.6 } },
    };
    const card = adaptedCard(parent.card, record, r.model.card.created);
    expect(card.nlmBlend).toEqual({ weight: 0.6, patchRadius: 1, blockRadius: 5, rician: true });
    const out = path.join(dir, 'blended');
    const sha = await writeAdaptedFolder(
      out,
      { ...r, adapted: false, model: { ...parent, card } },
      defaultWeightsSource(),
    );
    expect(sha).toBe(parent.checksum);
    const d = denoiseWith(out, path.join(dir, 'b.nii.gz'), '--threads', '2');
    expect(d.code).toBe(0);
    const written = (await readVolumeInput(path.join(dir, 'b.nii.gz'))).volume.data;
    const loaded = await loadDA(out);
    expect(loaded.card.nlmBlend?.weight).toBe(0.6);
    const library = await denoiseVolume(subject.acquisitions[0], { method: 'da', weights: loaded });
    expect(library.parameters.nlmBlendWeight).toBe(0.6);
    const plain = (await denoiseVolume(subject.acquisitions[0], { method: 'da', weights: parent })).volume.data;
    let diff = 0;
    let fromPlain = 0;
    for (let i = 0; i < written.length; i++) {
      diff = Math.max(diff, Math.abs(written[i] - library.volume.data[i]));
      fromPlain = Math.max(fromPlain, Math.abs(written[i] - plain[i]));
    }
    expect(diff).toBeLessThan(0.01);
    expect(fromPlain).toBeGreaterThan(1);
  });
});

// Prewhitening prototype (research, not the product path): on one phantom subject, scores against the truth (brain
// mask) NLM, the shipped DA, the adapted DA, and the DA on whitened input (shipped and adapted on whitened pairs),
// re-coloured with the estimated window. The window is estimated from the subject's repeats only.
// `node bin/run-ts.js scripts/whiten-prototype.ts [--seed 1234] [--noise apodised|white] [--floor 0.25,0.4]
//  [--strength 1] [--adapt] [--baselines] [--seconds 45] [--patience 5] [--lr 1e-4] [--averaging 0.98]`
import * as os from 'node:os';
import type { Volume } from '../src/core/volume';
import { dilate } from '../src/core/mask';
import { adaptDA, studyHash } from '../src/jobs/adapt';
import { denoiseVolume } from '../src/jobs/denoise';
import { loadDA, type LoadedDA } from '../src/model/da/weights-io';
import { createNodeNlmPool } from '../src/model/nlm/node-pool';
import { generateSubject, resolvePhantomParams } from '../src/phantom';
import { score } from '../src/research/adapt/evidence';
import { filterSeparable, noiseAxisCorrelations, whiteningFilters } from '../src/core/whitening';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const seed = Number(opt('seed', '1234'));
const noise = opt('noise', 'apodised') as 'apodised' | 'white';
const floors = opt('floor', '0.25').split(',').map(Number);
const strength = Number(opt('strength', '1'));
const seconds = Number(opt('seconds', '45'));
const radius = Number(opt('radius', '8'));
const learningRate = Number(opt('lr', '1e-4'));
const patience = Number(opt('patience', '5'));
const averaging = Number(opt('averaging', '0.98'));
const log = (s: string) => process.stdout.write(s + '\n');

async function main() {
  const subject = generateSubject(resolvePhantomParams({ subjects: 1, seed, noise }), 0);
  const { truth, brainMask: brain, acquisitions } = subject;
  const input = acquisitions[0];
  const region = dilate(brain, truth.dims, truth.spacing, 3 * truth.spacing[0] + 0.01);
  const parent = await loadDA();
  const da = async (v: Volume, weights: LoadedDA = parent, mask = brain) =>
    (await denoiseVolume(v, { method: 'da', weights }, { mask })).volume;
  // One set of adaptation options for the plain and the whitened runs, so they differ only in their input.
  const adaptOptions = {
    study: studyHash([`whiten:${seed}`]),
    seconds,
    compareWithNlm: false,
    brainMask: brain,
    learningRate,
    patience,
    averaging,
  };
  log(`seed ${seed}, noise ${noise}, load ${os.loadavg()[0].toFixed(1)}`);
  log(`noisy ${JSON.stringify(score(truth, input, brain))}`);
  if (args.includes('--baselines')) {
    if (!args.includes('--no-nlm')) {
      const pool = createNodeNlmPool(2);
      try {
        const nlm = (await denoiseVolume(input, { method: 'nlm' }, { mask: brain, workerPool: pool })).volume;
        log(`NLM ${JSON.stringify(score(truth, nlm, brain))}`);
      } finally {
        await pool.dispose();
      }
    }
    log(`shipped DA ${JSON.stringify(score(truth, await da(input), brain))}`);
    if (args.includes('--adapt')) {
      const r = await adaptDA(acquisitions, parent, adaptOptions);
      log(
        `adapted DA ${JSON.stringify(score(truth, await da(input, r.model), brain))} gain ${r.record.validation.gainPercent}% ep ${r.record.epochs} ${r.record.seconds}s load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
  }
  const t0 = performance.now();
  const r = noiseAxisCorrelations(acquisitions, brain, 6);
  log(`axis correlations (${((performance.now() - t0) / 1000).toFixed(2)} s):`);
  for (const a of r) log('  ' + Array.from(a, (x) => x.toFixed(3)).join(' '));
  if (args.includes('--only-baselines')) return;
  for (const floor of floors) {
    const f = whiteningFilters(r, { floor, radius, strength });
    log(`floor ${floor}: whiten x taps ${Array.from(f.whiten[0], (x) => x.toFixed(3)).join(' ')}`);
    const white = acquisitions.map((a) => filterSeparable(a, f.whiten));
    const rw = noiseAxisCorrelations(white, brain, 3);
    log(
      `  whitened lag-1 corr ${rw.map((a) => a[1].toFixed(3)).join(' ')}, lag-2 ${rw.map((a) => a[2].toFixed(3)).join(' ')}`,
    );
    log(
      `  whitened noisy ${JSON.stringify(score(truth, filterSeparable(white[0], f.recolour), brain))} (whiten+recolour only)`,
    );
    const shipped = filterSeparable(await da(white[0], parent, region), f.recolour);
    log(`  whitened shipped DA ${JSON.stringify(score(truth, shipped, brain))}`);
    if (args.includes('--adapt')) {
      const ad = await adaptDA(white, parent, adaptOptions);
      const out = filterSeparable(await da(white[0], ad.model, region), f.recolour);
      log(
        `  whitened adapted DA ${JSON.stringify(score(truth, out, brain))} gain ${ad.record.validation.gainPercent}% ep ${ad.record.epochs} ${ad.record.seconds}s adapted ${ad.adapted} load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`whiten-prototype: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

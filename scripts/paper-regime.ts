// Searches phantom settings (brain SNR, noise correlation) whose noisy-vs-mean-of-three baseline and NLM gains match
// the paper's NLM row (pSNR +1.95 %, SSIM +18.85 % over the noisy input, against the mean of three), without running
// the DA; then, only for the chosen setting, the shipped DA's gains beside the paper's DA row (+2.37 %, +28.75 %).
// Reduced protocol (labelled as such in the report): one held-out subject per setting, the shipped weights (no
// 5-fold CV in the new regime). Metrics over the brain mask (as reports/cv) and, as a second reading, over the head.
// Usage: node --import tsx scripts/paper-regime.ts [--out reports/paper-regime]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { psnr, relativeImprovement, ssim3d } from '../src/core/metrics';
import type { Mask, Volume } from '../src/core/volume';
import { activateBackend } from '../src/model/backend';
import { loadDA } from '../src/model/da/weights-io';
import { normalisationRegion } from '../src/model/da/normalise';
import { resolvePhantomParams } from '../src/phantom/params';
import { generateSubject } from '../src/phantom/subject';
import type { PhantomParamsInput } from '../src/phantom/types';
import { createEvaluationDenoiser } from '../src/research/evaluate/denoisers';

const PAPER = { nlm: { psnr: 1.95, ssim: 18.85 }, da: { psnr: 2.37, ssim: 28.75 } };
const SEED = 4243;
const GRID: PhantomParamsInput[] = [2, 3, 5].flatMap((snr) =>
  (['white', 'apodised'] as const).map((noise) => ({ snr, noise })),
);

type Gains = { psnr: number; ssim: number; psnrGainPct: number; ssimGainPct: number };

function gains(ref: Volume, noisy: Volume, v: Volume, mask: Mask): Gains {
  const p0 = psnr(ref, noisy, mask);
  const s0 = ssim3d(ref, noisy, { mask }).mean;
  const p = psnr(ref, v, mask);
  const s = ssim3d(ref, v, { mask }).mean;
  return { psnr: p, ssim: s, psnrGainPct: relativeImprovement(p0, p), ssimGainPct: relativeImprovement(s0, s) };
}

/** Distance of NLM's gains from the paper's, each relative to the paper's value. */
const distance = (g: Gains) =>
  Math.abs(g.psnrGainPct - PAPER.nlm.psnr) / PAPER.nlm.psnr + Math.abs(g.ssimGainPct - PAPER.nlm.ssim) / PAPER.nlm.ssim;

async function main(): Promise<void> {
  const outIdx = process.argv.indexOf('--out');
  const out = outIdx > 0 ? process.argv[outIdx + 1] : 'reports/paper-regime';
  const reason = await activateBackend('wasm');
  if (reason) throw new Error(reason);
  const model = await loadDA();
  const denoise = createEvaluationDenoiser(model);
  const rows = [];
  for (const params of GRID) {
    const t0 = performance.now();
    const s = generateSubject(resolvePhantomParams({ seed: SEED, subjects: 1, ...params }), 0);
    const input = s.acquisitions[0];
    const nlm = await denoise(input, 'nlm', s);
    const head = normalisationRegion(s.mean3.data);
    const row = {
      params,
      noisyVsMean3: {
        psnr: psnr(s.mean3, input, s.brainMask),
        ssim: ssim3d(s.mean3, input, { mask: s.brainMask }).mean,
      },
      nlmBrain: gains(s.mean3, input, nlm, s.brainMask),
      nlmHead: gains(s.mean3, input, nlm, head),
      seconds: Math.round((performance.now() - t0) / 1000),
      subject: s,
    };
    rows.push(row);
    console.log(JSON.stringify({ ...row, subject: undefined }));
  }
  // Chosen without the DA: the setting whose NLM gains (brain) lie nearest the paper's NLM row.
  const best = rows.reduce((a, b) => (distance(b.nlmBrain) < distance(a.nlmBrain) ? b : a));
  const s = best.subject;
  const da = await denoise(s.acquisitions[0], 'da', s);
  const daBrain = gains(s.mean3, s.acquisitions[0], da, s.brainMask);
  const daHead = gains(s.mean3, s.acquisitions[0], da, normalisationRegion(s.mean3.data));
  const f = (x: number) => x.toFixed(2);
  const md = [
    "# The paper's regime: search (NLM only) and the DA there",
    '',
    `Reduced protocol: one held-out phantom subject (seed ${SEED}) per setting, 64³ × 4 mm; the DA is the shipped`,
    'weights/da (trained at white noise, SNR 13), not re-trained by 5-fold CV in the chosen regime. Gains are relative',
    "improvements over the noisy input against the mean of three (the paper's Tables 2–3), over the brain mask and,",
    'as a second reading, over the head region (the normalisation rule: above 10 % of the 99.9th percentile).',
    '',
    `Paper: NLM pSNR +${PAPER.nlm.psnr} %, SSIM +${PAPER.nlm.ssim} %; DA pSNR +${PAPER.da.psnr} %, SSIM +${PAPER.da.ssim} %.`,
    '',
    '| brain SNR | noise | noisy vs mean3 pSNR / SSIM | NLM gain pSNR % / SSIM % (brain) | (head) | distance to paper | s |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.params.snr} | ${r.params.noise} | ${f(r.noisyVsMean3.psnr)} / ${r.noisyVsMean3.ssim.toFixed(4)} | ${f(r.nlmBrain.psnrGainPct)} / ${f(r.nlmBrain.ssimGainPct)} | ${f(r.nlmHead.psnrGainPct)} / ${f(r.nlmHead.ssimGainPct)} | ${distance(r.nlmBrain).toFixed(2)} | ${r.seconds} |`,
    ),
    '',
    `Chosen (nearest NLM row, before any DA run): brain SNR ${best.params.snr}, ${best.params.noise} noise.`,
    '',
    '| method | pSNR gain % (brain) | SSIM gain % (brain) | pSNR gain % (head) | SSIM gain % (head) |',
    '|---|---|---|---|---|',
    `| paper NLM | ${PAPER.nlm.psnr} | ${PAPER.nlm.ssim} | | |`,
    `| NLM here | ${f(best.nlmBrain.psnrGainPct)} | ${f(best.nlmBrain.ssimGainPct)} | ${f(best.nlmHead.psnrGainPct)} | ${f(best.nlmHead.ssimGainPct)} |`,
    `| paper DA | ${PAPER.da.psnr} | ${PAPER.da.ssim} | | |`,
    `| DA here (shipped weights, reduced) | ${f(daBrain.psnrGainPct)} | ${f(daBrain.ssimGainPct)} | ${f(daHead.psnrGainPct)} | ${f(daHead.ssimGainPct)} |`,
    '',
  ].join('\n');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'README.md'), md);
  fs.writeFileSync(
    path.join(out, 'search.json'),
    JSON.stringify(
      {
        paper: PAPER,
        seed: SEED,
        protocol: 'reduced: one held-out subject per setting; shipped weights/da',
        rows: rows.map((r) => ({ ...r, subject: undefined })),
        chosen: best.params,
        da: { brain: daBrain, head: daHead },
      },
      null,
      1,
    ) + '\n',
  );
  console.log(md);
}

main().catch((err) => {
  console.error(`paper-regime: ${(err as Error).message}`);
  process.exit(1);
});

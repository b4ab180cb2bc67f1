// Compares DA weight folders (and NLM) on held-out phantom subjects in a few regimes: pSNR / SSIM over the brain vs the
// noise-free truth. The yardstick before publishing weights trained across regimes, when the full robustness matrix
// does not fit the time. Usage:
//   node --import tsx scripts/compare-da.ts --models weights/da,runs/mixture/final/weights [--nlm] [--out reports/regimes]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { psnr, ssim3d } from '../src/core/metrics';
import type { Volume } from '../src/core/volume';
import { activateBackend } from '../src/model/backend';
import { loadDA } from '../src/model/da/weights-io';
import { resolvePhantomParams } from '../src/phantom/params';
import { generateSubject } from '../src/phantom/subject';
import type { PhantomParamsInput } from '../src/phantom/types';
import { createEvaluationDenoiser } from '../src/research/evaluate/denoisers';

/** Held-out seed: training used 1 (shipped) and 7 (the mixture run); the robustness matrix 20261201. */
const SEED = 4242;
const CELLS: Array<[string, PhantomParamsInput]> = [
  ['default (white, SNR 13, 4 mm)', {}],
  ['white, SNR 5', { snr: 5 }],
  ['white, SNR 3', { snr: 3 }],
  ['Hamming-filtered noise, SNR 13', { noise: 'apodised' }],
  ['white, SNR 30', { snr: 30 }],
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const dirs = (arg('models') ?? 'weights/da').split(',');
  const withNlm = process.argv.includes('--nlm');
  const out = arg('out');
  const reason = await activateBackend('wasm');
  if (reason) throw new Error(reason);
  const models = await Promise.all(dirs.map((d) => loadDA(path.resolve(d))));
  const rows: Array<Record<string, unknown>> = [];
  for (const [label, params] of CELLS) {
    const t0 = performance.now();
    const s = generateSubject(resolvePhantomParams({ seed: SEED, subjects: 1, ...params }), 0);
    const input = s.acquisitions[0];
    const score = (v: Volume) => ({
      psnr: +psnr(s.truth, v, s.brainMask).toFixed(2),
      ssim: +ssim3d(s.truth, v, { mask: s.brainMask }).mean.toFixed(4),
    });
    const row: Record<string, unknown> = { cell: label, noisy: score(input) };
    for (const [i, m] of models.entries()) row[dirs[i]] = score(await createEvaluationDenoiser(m)(input, 'da', s));
    if (withNlm) row.nlm = score(await createEvaluationDenoiser(models[0])(input, 'nlm', s));
    row.seconds = Math.round((performance.now() - t0) / 1000);
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const cols = ['noisy', ...dirs, ...(withNlm ? ['nlm'] : [])];
  const fmt = (v: unknown) => {
    const x = v as { psnr: number; ssim: number };
    return `${x.psnr.toFixed(2)} / ${x.ssim.toFixed(4)}`;
  };
  const md = [
    `| cell | ${cols.join(' | ')} |`,
    `|---|${cols.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.cell} | ${cols.map((c) => fmt(r[c])).join(' | ')} |`),
  ].join('\n');
  console.log(md);
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(
      path.join(out, 'compare.json'),
      JSON.stringify({ seed: SEED, models: dirs, rows }, null, 1) + '\n',
    );
    fs.writeFileSync(path.join(out, 'compare.md'), md + '\n');
  }
}

main().catch((err) => {
  console.error(`compare-da: ${(err as Error).message}`);
  process.exit(1);
});

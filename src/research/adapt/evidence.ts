// Evidence for study adaptation: on phantom subjects generated outside the shipped model's training regime, pSNR and
// SSIM vs the noise-free truth (over the brain mask) for the noisy acquisition, NLM, the shipped DA and the DA
// adapted to that subject's own repeats (jobs/adapt). Writes reports/adapt/adapt-evidence.{md,json}.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { psnr, ssim3d } from '../../core/metrics';
import type { Volume } from '../../core/volume';
import { adaptDA, BLEND_MIN_GAIN_PERCENT, splitSlabs, studyHash } from '../../jobs/adapt';
import { denoiseVolume } from '../../jobs/denoise';
import { loadDA, type LoadedDA } from '../../model/da/weights-io';
import { createNodeNlmPool } from '../../model/nlm/node-pool';
import { generateSubject, resolvePhantomParams } from '../../phantom';
import type { PhantomParamsInput } from '../../phantom/types';

export interface EvidenceCase {
  id: string;
  description: string;
  params: PhantomParamsInput;
  /** Adaptation budget, seconds (4× for 128³, as the issue's budget). */
  seconds: number;
}

/** Outside the shipped model's range (white noise, brain SNR 13, 4 mm, default anatomy), plus that range as control. */
export const EVIDENCE_CASES: EvidenceCase[] = [
  {
    id: 'in-range',
    description: 'inside the shipped range: white noise, SNR 13, 4 mm (control)',
    params: {},
    seconds: 45,
  },
  {
    id: 'filtered',
    description: 'filtered (k-space apodised, spatially correlated) noise, SNR 13, 4 mm',
    params: { noise: 'apodised' },
    seconds: 45,
  },
  { id: 'low-snr', description: 'white noise, brain SNR 6, 4 mm', params: { snr: 6 }, seconds: 45 },
  { id: 'high-snr', description: 'white noise, brain SNR 25, 4 mm', params: { snr: 25 }, seconds: 45 },
  {
    id: 'anatomy',
    description: 'anatomy variant: enlarged ventricles (×1.6–2.0), smaller head (×0.85–0.9), 4–6 lesions',
    params: {
      anatomy: { ventricleScale: [1.6, 2.0], headScale: [0.85, 0.9] },
      lesions: { count: [4, 6] },
    },
    seconds: 45,
  },
  {
    id: '2mm',
    description: '2 mm voxels (128³), white noise, SNR 13',
    params: { matrix: 128, voxelSizeMm: 2 },
    seconds: 180,
  },
];

export interface MethodScore {
  psnr: number;
  ssim: number;
}

export interface EvidenceRow {
  id: string;
  description: string;
  seed: number;
  dims: number[];
  noisy: MethodScore;
  nlm: MethodScore;
  /** The shipped network alone (the paper's method, --blend off). */
  shipped: MethodScore;
  /** What the product gives without adaptation: the shipped network blended with NLM by SURE (the default). */
  shippedDefault?: MethodScore;
  /** The paper's DA (weights/da) when the parent is another model (da-wide): the other shipped baseline. */
  paperDA?: MethodScore;
  adapted: MethodScore;
  /** The adapted network's own output, when the held-out slabs kept a blend with NLM (`adapted` is the blend). */
  adaptedNetwork?: MethodScore;
  /**
   * pSNR vs truth on the held-out slabs' brain voxels only (the slabs no training patch read): whether adaptation
   * generalises within the study, apart from the slices it trained on (where the other repeats were its labels).
   */
  heldOutSlabs?: { nlm: number; shipped: number; adapted: number };
  adaptation: {
    adapted: boolean;
    gainPercent: number;
    epochs: number;
    samples: number;
    seconds: number;
    stopped: string;
    budgetSeconds: number;
    /**
     * The adaptation's own held-out verdict against NLM for what it returns (the blend when kept): dB ahead (negative:
     * NLM ahead), or why none.
     */
    versusNlm?: number | string | null;
    /** The blend of the DA with NLM the held-out slabs fitted: its weight, its gain over the DA alone, whether kept. */
    nlmBlend?: { weight: number; gainPercent: number; kept: boolean };
    /** Correlated noise: the measured lag-1 correlation and the candidate the held-out slabs kept. */
    whitening?: { lag1: number; kept: 'plain' | 'whitened' | 'parent' };
  };
  seconds: { generate: number; nlm: number; shippedDA: number; adaptedDA: number };
  /** 1-minute load average of the shared machine when the adaptation started and ended. */
  load?: { start: number; end: number };
}

/** pSNR and SSIM of `img` against `truth` over `mask`, rounded as the reports print them. */
export function score(truth: Volume, img: Volume, mask: Uint8Array): MethodScore {
  return {
    psnr: Number(psnr(truth, img, mask).toFixed(2)),
    ssim: Number(ssim3d(truth, img, { mask }).mean.toFixed(4)),
  };
}

/** Runs one case: generates the subject, denoises acquisition 1 four ways, scores each against the truth. */
export async function runCase(
  c: EvidenceCase,
  seed: number,
  parent: LoadedDA,
  log: (s: string) => void,
  opts: { paper?: LoadedDA; seconds?: number } = {},
): Promise<EvidenceRow> {
  const budget = opts.seconds ?? c.seconds;
  let t = performance.now();
  const lap = () => {
    const s = (performance.now() - t) / 1000;
    t = performance.now();
    return Number(s.toFixed(1));
  };
  const subject = generateSubject(resolvePhantomParams({ subjects: 1, seed, ...c.params }), 0);
  const generate = lap();
  const mask = subject.brainMask;
  const input = subject.acquisitions[0];
  log(`[${c.id}] generated ${subject.truth.dims.join('×')} in ${generate} s`);
  // NLM and the blends' NLM on threads, as the CLI runs them.
  const pool = createNodeNlmPool(2);
  const withPool = { mask, workerPool: pool };
  try {
    const nlmVolume = (await denoiseVolume(input, { method: 'nlm' }, withPool)).volume;
    const nlm = lap();
    const shippedVolume = (await denoiseVolume(input, { method: 'da', weights: parent, blend: 'off' }, { mask }))
      .volume;
    const shippedDA = lap();
    const defaultVolume = (await denoiseVolume(input, { method: 'da', weights: parent }, withPool)).volume;
    const paperVolume = opts.paper
      ? (await denoiseVolume(input, { method: 'da', weights: opts.paper, blend: 'off' }, { mask })).volume
      : undefined;
    lap();
    log(`[${c.id}] NLM ${nlm} s, shipped DA ${shippedDA} s; adapting for up to ${budget} s`);
    const loadStart = os.loadavg()[0];
    const r = await adaptDA(subject.acquisitions, parent, {
      study: studyHash([`phantom:${c.id}:${seed}`]),
      seconds: budget,
    });
    const adaptSeconds = lap();
    const loadEnd = os.loadavg()[0];
    const adaptedVolume = (await denoiseVolume(input, { method: 'da', weights: r.model }, withPool)).volume;
    const adaptedDA = lap();
    const networkVolume = r.model.card.nlmBlend?.weight
      ? (await denoiseVolume(input, { method: 'da', weights: r.model, blend: 'off' }, { mask })).volume
      : undefined;
    const comparison = r.record.nlm && !('skipped' in r.record.nlm) ? r.record.nlm : undefined;
    const blend = comparison?.blend;
    const row: EvidenceRow = {
      id: c.id,
      description: c.description,
      seed,
      dims: [...subject.truth.dims],
      noisy: score(subject.truth, input, mask),
      nlm: score(subject.truth, nlmVolume, mask),
      shipped: score(subject.truth, shippedVolume, mask),
      shippedDefault: score(subject.truth, defaultVolume, mask),
      ...(paperVolume ? { paperDA: score(subject.truth, paperVolume, mask) } : {}),
      adapted: score(subject.truth, adaptedVolume, mask),
      ...(networkVolume ? { adaptedNetwork: score(subject.truth, networkVolume, mask) } : {}),
      heldOutSlabs: (() => {
        const s = splitSlabs(subject.truth.dims[2], r.record.split, r.model.stage2 ? 2 : 1);
        const plane = subject.truth.dims[0] * subject.truth.dims[1];
        const held = Uint8Array.from(mask, (m, v) => (m && s.validationSlices[Math.floor(v / plane)] ? 1 : 0));
        const p = (img: Volume) => Number(psnr(subject.truth, img, held).toFixed(2));
        return { nlm: p(nlmVolume), shipped: p(shippedVolume), adapted: p(adaptedVolume) };
      })(),
      adaptation: {
        adapted: r.adapted,
        gainPercent: r.record.validation.gainPercent,
        epochs: r.record.epochs,
        samples: r.record.samples,
        seconds: Number(adaptSeconds.toFixed(1)),
        stopped: r.record.stopped,
        budgetSeconds: budget,
        versusNlm: !r.record.nlm
          ? undefined
          : 'skipped' in r.record.nlm
            ? r.record.nlm.skipped
            : blend?.kept
              ? blend.aheadDb
              : r.record.nlm.daAheadDb,
        ...(blend ? { nlmBlend: { weight: blend.weight, gainPercent: blend.gainPercent, kept: blend.kept } } : {}),
        ...(r.record.whitening
          ? {
              whitening: {
                lag1: r.record.whitening.lag1,
                kept: !r.adapted ? 'parent' : r.record.whitening.kept ? 'whitened' : 'plain',
              },
            }
          : {}),
      },
      seconds: { generate, nlm, shippedDA, adaptedDA },
      load: { start: Number(loadStart.toFixed(1)), end: Number(loadEnd.toFixed(1)) },
    };
    log(
      `[${c.id}] ${JSON.stringify({ noisy: row.noisy, nlm: row.nlm, shipped: row.shipped, adapted: row.adapted, a: row.adaptation })}`,
    );
    return row;
  } finally {
    await pool.dispose();
  }
}

export function evidenceMarkdown(rows: readonly EvidenceRow[], command: string, parentName = 'shipped DA'): string {
  const f = (s: MethodScore) => `${s.psnr.toFixed(2)} / ${s.ssim.toFixed(4)}`;
  const paper = rows.some((r) => r.paperDA);
  const best = (r: EvidenceRow) => {
    const a = r.adapted;
    const beatsDA = a.psnr >= r.shipped.psnr;
    const beatsNlm = a.psnr >= r.nlm.psnr;
    const beatsPaper = r.paperDA ? `, ${a.psnr >= r.paperDA.psnr ? '≥' : '<'} paper's DA` : '';
    const beatsDefault = r.shippedDefault ? `, ${a.psnr >= r.shippedDefault.psnr ? '≥' : '<'} + SURE` : '';
    return `${beatsDA ? '≥' : '<'} ${parentName}${beatsPaper}, ${beatsNlm ? '≥' : '<'} NLM${beatsDefault}`;
  };
  const versus = (v: number | string | null | undefined) =>
    typeof v === 'number' ? `${v >= 0 ? '+' : ''}${v.toFixed(2)}` : v === null ? 'within label noise' : (v ?? '–');
  const lines = [
    '# Adapting the DA to a study: evidence',
    '',
    `Reproduce: \`node bin/run-ts.js scripts/adapt-evidence.ts [case…]\` (rows of other cases are kept; the last run: \`${command}\`).`,
    'Each case is one phantom subject generated with a seed the shipped model never saw;',
    'acquisition 1 is denoised; pSNR (dB) / SSIM vs the noise-free truth over the brain mask (every method denoises',
    'only the brain mask). NLM = `denoise --method nlm` defaults (σ from the background). Adapted = `adapt` defaults',
    '(label = mean of the other acquisitions, k = 0, lr 1e-4, the running average of the weights (decay 0.98) judged',
    'and kept, held-out slabs: every 4th block of 8 slices; da-wide: its second stage on the frozen first stage), within',
    'the budget; when the held-out slabs show no gain the shipped weights are kept, so "adapted" equals "shipped".',
    'With correlated noise (lag-1 ≥ 0.1) a whitened-input candidate trains after the plain one; the slabs keep the better.',
    "Then the held-out slabs fit one weight w for out = DA + w·(NLM − DA) (least squares against the other acquisitions' mean,",
    `whose noise is independent of both): kept when it lowers the DA's estimated error by ≥ ${BLEND_MIN_GAIN_PERCENT} %; the adapted column is then`,
    'the blend and the network alone is in brackets. "+ SURE" is what the product gives without adaptation: the shipped',
    "network blended with NLM by the weight SURE picks for the input (the default); the parent's column is its network alone.",
    '"held-out: result ahead of NLM" is the adaptation\'s own verdict (no truth): its result (the kept DA, or the blend) and NLM on the held-out',
    "slabs' brain voxels of every acquisition against the mean of the other acquisitions, less that label's noise.",
    '"held-out slabs vs truth" scores acquisition 1 against the truth on those slabs\' brain voxels only (NLM / shipped /',
    'adapted pSNR): no training patch read them, so it shows what adaptation does beyond the slices it trained on.',
    '',
    `| case | noisy | NLM |${paper ? " paper's DA |" : ''} ${parentName} | ${parentName} + SURE | adapted ${parentName} (network alone, when blended) | adapted? (held-out gain) | adapted pSNR | held-out: result ahead of NLM, dB | held-out slabs vs truth: NLM / shipped / adapted | adapt s (budget) | load |`,
    `|---|---|---|${paper ? '---|' : ''}---|---|---|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.id}: ${r.description} | ${f(r.noisy)} | ${f(r.nlm)} |${paper ? ` ${r.paperDA ? f(r.paperDA) : '–'} |` : ''} ${f(r.shipped)} | ${r.shippedDefault ? f(r.shippedDefault) : '–'} | ${f(r.adapted)}${r.adaptedNetwork ? ` (${f(r.adaptedNetwork)})` : ''} | ${r.adaptation.adapted ? 'yes' : 'no'} (${r.adaptation.gainPercent.toFixed(2)} %, ${r.adaptation.epochs} epochs, ${r.adaptation.stopped}${r.adaptation.whitening ? `; noise lag-1 ${r.adaptation.whitening.lag1}: ${r.adaptation.whitening.kept} kept` : ''}${r.adaptation.nlmBlend ? `; NLM blend ${r.adaptation.nlmBlend.weight.toFixed(2)}: ${r.adaptation.nlmBlend.gainPercent.toFixed(1)} % ${r.adaptation.nlmBlend.kept ? 'kept' : 'not kept'}` : ''}) | ${best(r)} | ${versus(r.adaptation.versusNlm)} | ${r.heldOutSlabs ? `${r.heldOutSlabs.nlm.toFixed(2)} / ${r.heldOutSlabs.shipped.toFixed(2)} / ${r.heldOutSlabs.adapted.toFixed(2)}` : '–'} | ${r.adaptation.seconds} (${r.adaptation.budgetSeconds}) | ${r.load ? `${r.load.start}–${r.load.end}` : '–'} |`,
    ),
    '',
    'Times are wall seconds on the shared 2-core machine (other jobs running), the adaptation including its',
    'preparation and validations; load = 1-minute load average when the adaptation started–ended.',
    '',
  ];
  return lines.join('\n');
}

/** Runs the cases (all, or those named) and writes the report into `outDir`. */
export async function writeAdaptEvidence(
  outDir: string,
  opts: {
    cases?: string[];
    seed?: number;
    weights?: string;
    /** Also score this model (the paper's DA when the parent is da-wide). */
    paper?: string;
    /** Overrides every case's adaptation budget (seconds). */
    seconds?: number;
    /** File stem (default adapt-evidence). */
    stem?: string;
    command: string;
    log: (s: string) => void;
  },
): Promise<EvidenceRow[]> {
  const parent = await loadDA(opts.weights);
  const paper = opts.paper ? await loadDA(opts.paper) : undefined;
  const stem = opts.stem ?? 'adapt-evidence';
  const cases = opts.cases?.length ? EVIDENCE_CASES.filter((c) => opts.cases!.includes(c.id)) : EVIDENCE_CASES;
  if (cases.length === 0) throw new Error(`no such case; cases: ${EVIDENCE_CASES.map((c) => c.id).join(', ')}`);
  await fs.mkdir(outDir, { recursive: true });
  const jsonFile = path.join(outDir, `${stem}.json`);
  const previous: EvidenceRow[] = JSON.parse(await fs.readFile(jsonFile, 'utf8').catch(() => '{"rows":[]}')).rows;
  const rows = [...previous];
  for (const c of cases) {
    const row = await runCase(c, opts.seed ?? 901, parent, opts.log, { paper, seconds: opts.seconds });
    const at = rows.findIndex((r) => r.id === row.id);
    if (at >= 0) rows[at] = row;
    else rows.push(row);
    rows.sort(
      (a, b) => EVIDENCE_CASES.findIndex((c) => c.id === a.id) - EVIDENCE_CASES.findIndex((c) => c.id === b.id),
    );
    await fs.writeFile(
      jsonFile,
      JSON.stringify({ command: opts.command, parent: parent.card.version, rows }, null, 2) + '\n',
    );
    await fs.writeFile(
      path.join(outDir, `${stem}.md`),
      evidenceMarkdown(rows, opts.command, paper ? parent.card.name : undefined),
    );
  }
  return rows;
}

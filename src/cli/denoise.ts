// `sodium-denoise denoise`: DA or NLM on a DICOM series or NIfTI volume → a DERIVED DICOM series (or NIfTI), through
// the same denoiseVolume job the viewer runs; progress on stderr, summary (or --json) on stdout.
import { outputParameters } from '../jobs/derivedSeries';
import { blendText } from '../jobs/sure-blend';
import {
  DA_BLEND_DEFAULT,
  denoiseVolume,
  type DARunner,
  type DenoiseDARequest,
  type DenoiseRequest,
  type DenoiseResult,
  type ReferenceKind,
  parseBlend,
  usesNlmKernel,
} from '../jobs/denoise';
import type { Mask, Volume } from '../core/volume';
import { assertOutputSafe, outputForm } from '../io/output-safety';
import { readVolumeInput, writeVolumeOutput, type VolumeInput } from '../io/volume-file';
import { createNodeNlmPool } from '../model/nlm/node-pool';
import { NLM_DEFAULTS } from '../model/nlm/params';
import { addInputOptions, loadInput, seriesIdentity, type InputOptions } from './io-options';
import { log, type Register } from './output';
import { threadCount, threadsOption } from './threads';
import { intOption, numberOption } from './parse';
import { DEFAULT_ADAPT_SECONDS } from './adapt';
import type { summaryJson } from './adaptRun';
import { readRepeatedAcquisitions, type RepeatedAcquisitions } from '../io/repeats';
import { MODEL_NAMES, modelWeightsSource, resolveWeightsSource } from '../model/da/models';

export interface DenoiseCliOptions extends InputOptions {
  method: string;
  out: string;
  mask?: string;
  weights?: string;
  model?: string;
  blend?: string;
  backend?: string;
  sigma?: number;
  patchRadius?: number;
  blockRadius?: number;
  rician: boolean;
  implementation?: string;
  threads?: number;
  reference?: string;
  referenceKind?: string;
  json?: boolean;
  adapt?: boolean;
  adaptSeconds?: number;
  adaptOut?: string;
}

const REFERENCE_KINDS: readonly ReferenceKind[] = ['noise-free', 'mean-of-repeats', 'reference'];

export const registerDenoise: Register = (program, run) => {
  addInputOptions(
    program
      .command('denoise')
      .description(
        'Denoise a sodium volume with the DA or with NLM (DIPY nlmeans, Rician) and write a DERIVED DICOM series or NIfTI',
      )
      .requiredOption('--method <da|nlm>', "denoising method: da (the paper's autoencoder) or nlm (non-local means)")
      .requiredOption('--out <path>', 'output: a new folder for a DICOM series, or a *.nii.gz / *.nii file'),
    'volume to denoise',
  )
    .option(
      '--mask <path>',
      'brain mask (NIfTI or DICOM, nonzero = inside): only these voxels are denoised and measured',
    )
    .option(
      '--weights <dir>',
      'DA: any weights directory (model.json, weights.bin, model-card.json); instead of --model',
    )
    .option(
      '--model <name>',
      `DA: a shipped model, ${MODEL_NAMES.join(' | ')} (default: the one weights/default.json names)`,
    )
    .option(
      '--blend <sure|off>',
      `DA: blend with NLM by the weight SURE chooses for this input (sure), or the network alone, the paper's method (off); default ${DA_BLEND_DEFAULT}`,
    )
    .option('--backend <name>', 'tfjs backend for the DA and --implementation tf: wasm or cpu')
    .addOption(
      // Any number here: whether σ suits the image is checked in one place, checkNlmSigma (model/nlm/params.ts).
      numberOption('--sigma <value>', 'NLM: noise σ (default: estimated from the image background)', {}),
    )
    .addOption(
      intOption('--patch-radius <n>', `NLM: patch radius, DIPY patch_radius (default ${NLM_DEFAULTS.patchRadius})`, {
        min: 0,
      }),
    )
    .addOption(
      intOption(
        '--block-radius <n>',
        `NLM: block radius, DIPY block_radius; patches move within it (default ${NLM_DEFAULTS.blockRadius})`,
        { min: 1 },
      ),
    )
    .option('--no-rician', 'NLM: no Rician bias correction (DIPY rician=False)')
    .option('--implementation <cpu|tf>', 'NLM: cpu (TypeScript kernel on worker threads, default) or tf (tfjs ops)')
    .addOption(threadsOption('worker threads for the DA (wasm) and NLM cpu'))
    .option(
      '--reference <path>',
      'reference volume (noise-free truth or mean of repeats): report pSNR and SSIM over the brain mask',
    )
    .option('--reference-kind <kind>', `what --reference is: ${REFERENCE_KINDS.join(', ')}`, 'reference')
    .option(
      '--adapt',
      "DA: first adapt the weights to this study's repeated acquisitions (--in: their folder; --series: which to denoise)",
    )
    .addOption(
      numberOption(
        '--adapt-seconds <n>',
        `with --adapt: time budget of the adaptation (default ${DEFAULT_ADAPT_SECONDS})`,
        {
          min: 0,
          exclusiveMin: true,
        },
      ),
    )
    .option('--adapt-out <folder>', 'with --adapt: also save the weights used (loadable with --weights)')
    .option('--json', 'print one JSON object on stdout')
    .action(run(denoiseAction));
};

async function denoiseAction(opts: DenoiseCliOptions): Promise<{ json: unknown; text: string }> {
  const request = parseRequest(opts);
  const referenceKind = parseReferenceKind(opts.referenceKind);
  const out = { flag: '--out', path: opts.out };
  const format = outputForm(out, ['nifti', 'folder']) === 'nifti' ? 'nifti' : 'dicom';
  const inputs = [
    { flag: '--in', path: opts.in },
    opts.mask === undefined ? undefined : { flag: '--mask', path: opts.mask },
    opts.reference === undefined ? undefined : { flag: '--reference', path: opts.reference },
    opts.weights === undefined ? undefined : { flag: '--weights', path: opts.weights },
  ];
  assertOutputSafe(out, inputs);
  if (opts.adaptOut !== undefined) {
    const adaptOut = { flag: '--adapt-out', path: opts.adaptOut };
    outputForm(adaptOut, ['folder'], 'the weights');
    assertOutputSafe(adaptOut, [...inputs, out]);
  }
  const threads = threadCount(opts.threads);
  // NLM's worker threads (all but this one, which takes its share of the boxes too) start first: their boot overlaps
  // the reading of the input and the search for the head on this thread.
  // The DA's blend with NLM runs on the pool too (unless --blend off).
  const pool = usesNlmKernel(request) ? createNodeNlmPool(threads) : undefined;
  if (request.method === 'nlm') pool?.warm?.();
  let result: DenoiseResult;
  let input: VolumeInput;
  let adaptation: Awaited<ReturnType<typeof adaptFirst>> | undefined;
  try {
    adaptation = opts.adapt && request.method === 'da' ? await adaptFirst(opts, request) : undefined; // parseRequest refused --adapt for NLM
    input = adaptation?.input ?? (await loadInput(opts));
    const { volume } = input;
    const mask = opts.mask ? await readMask(opts.mask, volume) : undefined;
    const reference = opts.reference ? (await readVolumeInput(opts.reference, { onNote: log })).volume : undefined;
    const daRunner = request.method === 'da' ? daRunnerFor(threads, opts.backend) : undefined;
    const progress = createProgress();
    try {
      result = await denoiseVolume(volume, request, {
        mask,
        reference,
        referenceKind,
        workerPool: pool,
        daRunner,
        backend: opts.backend,
        onProgress: progress.update,
      });
    } finally {
      progress.stop();
    }
  } catch (err) {
    await pool?.dispose();
    throw err;
  }
  const disposing = pool?.dispose(); // the workers wind down while the output is written
  const label = methodLabel(result);
  let output: Awaited<ReturnType<typeof writeVolumeOutput>>;
  try {
    output = await writeVolumeOutput(opts.out, result.volume, {
      format,
      source: input.dicom,
      derivation: { method: label, parameters: outputParameters(result.method, result.parameters) },
    });
  } finally {
    await disposing;
  }
  const json = {
    method: result.method,
    input: { path: opts.in, format: input.format, ...(input.dicom ? { series: seriesIdentity(input.dicom) } : {}) },
    output: { path: opts.out, format: output.format, files: output.paths.length },
    parameters: result.parameters,
    backend: result.backend,
    millis: Math.round(result.millis),
    phases: roundedPhases(result.phases),
    ...(result.metrics ? { metrics: result.metrics } : {}),
    ...(adaptation ? { adaptation: { ...adaptation.summary, ...(opts.adaptOut ? { out: opts.adaptOut } : {}) } } : {}),
    regime: result.regime,
    warnings: result.warnings,
  };
  const text = summaryText(result, label, opts.out, output.format, output.paths.length);
  return { json, text: adaptation ? `${adaptation.line}\n${text}` : text };
}

export function parseRequest(opts: DenoiseCliOptions): DenoiseRequest {
  if (opts.method === 'da') {
    const nlmOnly = [
      ['--sigma', opts.sigma],
      ['--patch-radius', opts.patchRadius],
      ['--block-radius', opts.blockRadius],
      ['--implementation', opts.implementation],
      ['--no-rician', opts.rician ? undefined : false],
    ] as const;
    for (const [flag, given] of nlmOnly) {
      if (given !== undefined) throw new Error(`${flag} applies to --method nlm, not da`);
    }
    if (opts.weights !== undefined && opts.model !== undefined)
      throw new Error('--model and --weights are alternatives: give one');
    const chosen = opts.weights !== undefined || opts.model !== undefined;
    return {
      method: 'da',
      weights: chosen ? resolveWeightsSource(opts) : undefined,
      ...(opts.blend !== undefined ? { blend: parseBlend(opts.blend, '--blend') } : {}),
    };
  }
  if (opts.method !== 'nlm') throw new Error(`--method must be da or nlm, got "${opts.method}"`);
  if (opts.weights !== undefined) throw new Error('--weights applies to --method da, not nlm');
  if (opts.model !== undefined) throw new Error('--model applies to --method da, not nlm');
  if (opts.blend !== undefined) throw new Error('--blend applies to --method da, not nlm');
  if (opts.adapt) throw new Error('--adapt applies to --method da, not nlm');
  const implementation = opts.implementation ?? 'cpu';
  if (implementation !== 'cpu' && implementation !== 'tf')
    throw new Error(`--implementation must be cpu or tf, got "${implementation}"`);
  return {
    method: 'nlm',
    sigma: opts.sigma,
    patchRadius: opts.patchRadius,
    blockRadius: opts.blockRadius,
    rician: opts.rician,
    implementation,
  };
}

/**
 * The DA on `threads` worker threads, one wasm instance each (tfjs wasm is single-threaded in Node); loaded only
 * when the DA runs. Another backend than wasm runs on this thread.
 */
export function daRunnerFor(threads: number, backend: string | undefined): DARunner | undefined {
  if (threads === 1 || (backend !== undefined && backend !== 'wasm')) return undefined;
  return async (volume, model, options) => {
    const { denoiseDAParallel } = await import('../model/da/node-parallel');
    return denoiseDAParallel(volume, model, { ...options, workers: threads });
  };
}

function parseReferenceKind(text: string | undefined): ReferenceKind {
  const kind = (text ?? 'reference') as ReferenceKind;
  if (!REFERENCE_KINDS.includes(kind))
    throw new Error(`--reference-kind must be one of ${REFERENCE_KINDS.join(', ')}, got "${text}"`);
  return kind;
}

/** A mask file on the volume's grid; any nonzero voxel is inside. */
async function readMask(maskPath: string, volume: Volume): Promise<Mask> {
  const { volume: m } = await readVolumeInput(maskPath, { onNote: log });
  if (!m.dims.every((d, i) => d === volume.dims[i])) {
    throw new Error(
      `--mask ${maskPath} has dims [${m.dims.join(', ')}] but the volume has [${volume.dims.join(', ')}]`,
    );
  }
  return Uint8Array.from(m.data, (v) => (v !== 0 ? 1 : 0));
}

/** A cli-progress bar on a terminal; one line per stage when stderr is a file (logs stay readable). */
function createProgress(): { update: (fraction: number, stage?: string) => void; stop: () => void } {
  if (!process.stderr.isTTY) {
    let last: string | undefined;
    return {
      update: (_fraction, stage) => {
        if (stage && stage !== last) log(`${stage}…`);
        last = stage ?? last;
      },
      stop: () => undefined,
    };
  }
  // Loaded here: scripts and benchmarks (stderr not a terminal) never pay for it.
  const { SingleBar } = require('cli-progress') as typeof import('cli-progress');
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{stage} [{bar}] {percentage}% | ETA {eta_formatted}',
    barsize: 30,
    hideCursor: false,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update(fraction, stage) {
      const value = Math.round(1000 * Math.min(1, Math.max(0, fraction)));
      if (!started) {
        bar.start(1000, value, { stage: stage ?? 'Denoising' });
        started = true;
      } else bar.update(value, stage ? { stage } : {});
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function methodLabel(r: DenoiseResult): string {
  if (r.method === 'da') return 'DA denoised';
  return `NLM σ=${Number(r.parameters.sigma).toPrecision(4)}`;
}

function summaryText(r: DenoiseResult, label: string, out: string, format: string, files: number): string {
  const p = r.parameters;
  const how =
    r.method === 'nlm'
      ? `σ ${Number(p.sigma).toPrecision(4)} (${p.sigmaSource}), patch radius ${p.patchRadius}, block radius ${p.blockRadius}, ${p.rician ? 'Rician' : 'no Rician'} correction`
      : `weights ${p.model} ${p.modelVersion} (${p.modelStatus}) from ${p.weights}; ${blendText(p)}`;
  const threads = `${p.threads} CPU thread${p.threads === 1 ? '' : 's'}`;
  const where =
    r.backend === 'js-cpu' ? threads : r.backend === 'wasm-simd' ? `WebAssembly SIMD, ${threads}` : `tfjs ${r.backend}`;
  const lines = [
    // Outside the model's training range: one line, before everything else, so it is not missed.
    ...(r.warnings.length ? [`warning: ${r.warnings.join('; ')}`] : []),
    `${label}: ${how}`,
    `ran on ${where} in ${(r.millis / 1000).toFixed(2)} s`,
    `wrote ${format === 'dicom' ? `a DICOM series of ${files} files in ${out}` : out}`,
  ];
  const m = r.metrics;
  if (m) {
    const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} %`;
    lines.push(
      `vs ${m.referenceKind} over ${m.maskVoxels} ${m.maskSource} brain-mask voxels: pSNR ${m.psnr.toFixed(2)} dB (input ${m.input.psnr.toFixed(2)}, ${sign(m.improvement.psnrPercent)}), SSIM ${m.ssim.toFixed(4)} (input ${m.input.ssim.toFixed(4)}, ${sign(m.improvement.ssimPercent)})`,
    );
  }
  return lines.join('\n');
}

/** `--adapt`: adapts to the repeats in --in, then denoises the one --series names (default the first) with the result. */
async function adaptFirst(
  opts: DenoiseCliOptions,
  request: DenoiseDARequest,
): Promise<{ input: VolumeInput; line: string; summary: ReturnType<typeof summaryJson> }> {
  const { checkOutFolder, runAdaptation, summaryJson, summaryLine, writeAdaptedFolder } = await import('./adaptRun');
  if (opts.adaptOut) await checkOutFolder(opts.adaptOut);
  const study = await readRepeatedAcquisitions(opts.in, log);
  const index = pickRepeat(study, opts.series);
  const parent = typeof request.weights === 'string' ? request.weights : undefined;
  const r = await runAdaptation(study, { model: parent, seconds: opts.adaptSeconds });
  if (opts.adaptOut) await writeAdaptedFolder(opts.adaptOut, r, parent ?? modelWeightsSource());
  request.weights = r.model;
  const dicom = study.series?.[index];
  return {
    input: { volume: study.volumes[index], format: study.format, ...(dicom ? { dicom } : {}) },
    line: summaryLine(r),
    summary: summaryJson(r, study),
  };
}

function pickRepeat(study: RepeatedAcquisitions, series: string | undefined): number {
  if (series === undefined) return 0;
  const i = study.series
    ? study.series.findIndex((s) => s.seriesInstanceUID === series || String(s.seriesNumber) === series)
    : Number(series) - 1;
  if (!(i >= 0 && i < study.volumes.length))
    throw new Error(`--series ${series} is not one of the study's repeats (${study.labels.join(', ')})`);
  return i;
}

/** The job's phases in whole milliseconds, for --json (where a run's time went: the region search, the method…). */
function roundedPhases(phases: DenoiseResult['phases']): Record<string, number> {
  return Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)]));
}

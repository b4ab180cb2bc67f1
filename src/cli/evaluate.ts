// `sodium-denoise evaluate`: NLM vs DA on cohort subjects against the mean of three and the phantom truth — pSNR, SSIM,
// relative improvements, TSC error, tube bias, lesion contrast, paired tests — as Markdown, JSON, CSV and a figure.
import * as path from 'node:path';
import { assertOutputSafe, outputForm } from '../io/output-safety';
import { log, type Register } from './output';

/** What evaluation needs, tfjs included: loaded when `evaluate` runs, so other commands start without it. */
async function loadEvaluation() {
  return {
    ...(await import('../research/evaluate/denoisers')),
    ...(await import('../research/evaluate/evaluateSubjects')),
    ...(await import('../research/train/cohortSource')),
    ...(await import('../model/backend')),
    ...(await import('../model/da/weights-io')),
    ...(await import('../model/da/models')),
  };
}

interface EvaluateCliOptions {
  cohort: string;
  weights?: string;
  model?: string;
  subjects?: string;
  out?: string;
  backend: string;
  json?: boolean;
}

export const registerEvaluate: Register = (program, run) => {
  program
    .command('evaluate')
    .description(
      'Compare NLM and the DA on cohort subjects (acquisition 1 denoised) against the mean of three and the noise-free truth',
    )
    .requiredOption('--cohort <dir>', 'cohort folder (sodium-denoise phantom --out) or phantom:<subjects>:<seed>')
    .option('--weights <dir>', 'DA weights folder (model.json + model-card.json); instead of --model')
    .option('--model <name>', 'DA: a shipped model, da | da-wide (default: the one weights/default.json names)')
    .option('--subjects <ids>', 'comma-separated subject ids (default: all)')
    .option('--out <dir>', 'write report.md, report.json, report-per-subject.csv and a comparison figure here')
    .option('--backend <name>', 'tfjs backend (wasm or cpu)', 'wasm')
    .option('--json', 'print the report as one JSON object')
    .action(
      run<EvaluateCliOptions>(async (o) => {
        const {
          activateBackend,
          createEvaluationDenoiser,
          evaluateSubjects,
          loadDA,
          openCohortSource,
          resolveWeightsSource,
        } = await loadEvaluation();
        if (o.out !== undefined) {
          const out = { flag: '--out', path: o.out };
          outputForm(out, ['folder'], 'the report');
          assertOutputSafe(out, [
            { flag: '--cohort', path: o.cohort },
            { flag: '--weights', path: resolveWeightsSource(o) },
          ]);
        }
        const reason = await activateBackend(o.backend);
        if (reason) throw new Error(`--backend ${o.backend}: ${reason}`);
        const cohort = await openCohortSource(o.cohort);
        const ids = o.subjects
          ? o.subjects
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : cohort.ids;
        const unknown = ids.filter((id) => !cohort.ids.includes(id));
        if (unknown.length)
          throw new Error(`--subjects: ${unknown.join(', ')} not in the cohort (it has ${cohort.ids.join(', ')})`);
        if (o.weights !== undefined && o.model !== undefined)
          throw new Error('--model and --weights are alternatives: give one');
        const model = await loadDA(resolveWeightsSource(o));
        const { report, files } = await evaluateSubjects(
          ids,
          (id) => cohort.load(id),
          createEvaluationDenoiser(model),
          {
            outDir: o.out ? path.resolve(o.out) : undefined,
            title: `NLM vs DA (${model.card.name} ${model.card.version}) on ${cohort.dir}`,
            notes: [
              `Weights: ${model.source} (${model.card.status}, ${model.card.created}).`,
              `Cohort: ${cohort.description}.`,
            ],
            log,
          },
        );
        const lines = report.tables.map(
          (t) =>
            `${t.metric} vs ${t.reference}: gain NLM ${t.improvementPct.nlm.mean.toFixed(2)} %, DA ${t.improvementPct.da.mean.toFixed(2)} % (paired t p = ${t.daVsNlm.tTest.pValue.toPrecision(3)})`,
        );
        return { json: { ...report, files }, text: [...lines, ...files.map((f) => `wrote ${f}`)].join('\n') };
      }),
    );
};

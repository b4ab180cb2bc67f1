// Evaluates test subjects: denoises each one's first acquisition with NLM and the DA, scores them against the mean of
// three and the truth, aggregates the report, and writes Markdown, JSON, CSV and a Fig.-2-like PNG.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Volume } from '../../core/volume';
import { renderComparisonFigure } from './comparisonFigure';
import { toEvaluationSubject, type CohortSubjectData } from './evaluationSubject';
import { buildReport, perSubjectCsv, reportMarkdown, type EvaluationReport } from './report';
import { scoreSubject, type SubjectScores } from './subjectScores';
import { writeFileAtomicSync } from '../../io/atomic-write';

/** Denoises one volume with a method; the caller binds weights, NLM parameters and the backend. */
export type Denoiser = (input: Volume, method: 'nlm' | 'da', subject: CohortSubjectData) => Promise<Volume>;

export interface EvaluateOptions {
  /** Folder for report.md, report.json, per-subject.csv and the figure; nothing is written without it. */
  outDir?: string;
  title: string;
  notes?: string[];
  /** Subject whose slice goes into the figure (default: the first). */
  figureSubject?: string;
  log?: (line: string) => void;
}

export interface EvaluateResult {
  report: EvaluationReport;
  files: string[];
}

/** Scores every subject (loaded one at a time to bound memory) and writes the report files. */
export async function evaluateSubjects(
  ids: readonly string[],
  load: (id: string) => Promise<CohortSubjectData>,
  denoise: Denoiser,
  opts: EvaluateOptions,
): Promise<EvaluateResult> {
  if (ids.length === 0) throw new Error('no test subjects to evaluate');
  const scores: SubjectScores[] = [];
  const files: string[] = [];
  const figureId = opts.figureSubject ?? ids[0];
  if (!ids.includes(figureId)) throw new Error(`figure subject ${figureId} is not among the evaluated subjects`);
  for (const id of ids) {
    const data = await load(id);
    const subject = toEvaluationSubject(data);
    const timed = async (method: 'nlm' | 'da') => {
      const t0 = performance.now();
      const out = await denoise(subject.input, method, data);
      return { out, seconds: (performance.now() - t0) / 1000 };
    };
    const nlm = await timed('nlm');
    const da = await timed('da');
    const s = scoreSubject(subject, { nlm: nlm.out, da: da.out }, { nlm: nlm.seconds, da: da.seconds });
    scores.push(s);
    const vs = s.quality.truth ?? s.quality.mean3;
    opts.log?.(
      `${id}: pSNR noisy ${vs!.noisy.psnr.toFixed(2)} | NLM ${vs!.nlm.psnr.toFixed(2)} | DA ${vs!.da.psnr.toFixed(2)} dB; SSIM ${vs!.noisy.ssim.toFixed(4)} | ${vs!.nlm.ssim.toFixed(4)} | ${vs!.da.ssim.toFixed(4)} (vs ${s.quality.truth ? 'truth' : 'mean of three'}; NLM ${nlm.seconds.toFixed(1)} s, DA ${da.seconds.toFixed(1)} s)`,
    );
    if (opts.outDir && id === figureId) {
      const panels = [
        { label: 'noisy', volume: subject.input },
        { label: 'NLM', volume: nlm.out },
        { label: 'DA', volume: da.out },
        ...(subject.truth ? [{ label: 'truth', volume: subject.truth }] : []),
        { label: 'mean3', volume: subject.mean3 },
      ];
      const fig = renderComparisonFigure(panels, { mask: subject.brainMask });
      fs.mkdirSync(opts.outDir, { recursive: true });
      const file = path.join(opts.outDir, `figure-${id}.png`);
      writeFileAtomicSync(file, fig.png);
      files.push(file);
    }
  }
  const report = buildReport(scores, opts.notes);
  if (opts.outDir) files.push(...writeReport(opts.outDir, report, opts.title));
  return { report, files };
}

export function writeReport(dir: string, report: EvaluationReport, title: string, stem = 'report'): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const md = path.join(dir, `${stem}.md`);
  const json = path.join(dir, `${stem}.json`);
  const csv = path.join(dir, `${stem}-per-subject.csv`);
  writeFileAtomicSync(md, reportMarkdown(report, title));
  writeFileAtomicSync(json, JSON.stringify(report, null, 1) + '\n');
  writeFileAtomicSync(csv, perSubjectCsv(report));
  return [md, json, csv];
}

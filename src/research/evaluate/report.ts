// Aggregates per-subject scores into the paper's Tables 2–3 (mean / median / σ of the relative improvement), absolute
// metrics, paired DA-vs-NLM tests and the quantification checks, and writes them as Markdown, JSON and CSV.
import { summarize, type Summary } from '../../core/stats';
import { pairedTTest, wilcoxonSignedRank, type PairedTTest, type WilcoxonTest } from './pairedTests';
import { METHODS, type Method, type Reference, type SubjectScores } from './subjectScores';

type Metric = 'psnr' | 'ssim';

export interface MetricTable {
  reference: Reference;
  metric: Metric;
  /** Absolute metric per method. */
  absolute: Record<Method, Summary>;
  /** Relative improvement over the noisy input (%), NLM and DA (the paper's Tables 2 and 3). */
  improvementPct: Record<'nlm' | 'da', Summary>;
  daVsNlm: { tTest: PairedTTest; wilcoxon: WilcoxonTest };
}

export interface QuantSummary {
  image: Method | 'truth' | 'mean3';
  /** Mean absolute ROI error over subjects (mM) per ROI. */
  roiAbsErrorMM: Record<string, Summary>;
  /** Mean absolute shift from the reference image's own ROI value (mM): what the method adds. */
  roiAbsShiftMM: Record<string, Summary>;
  /** Mean absolute tube bias (mM) over subjects and tubes. */
  tubeAbsBiasMM: Summary | null;
  lesionContrastRatio: Summary | null;
}

export interface EvaluationReport {
  subjects: string[];
  tables: MetricTable[];
  quantification: QuantSummary[];
  /** Seconds per subject (mean) for NLM and DA. */
  secondsPerSubject: Record<'nlm' | 'da', number>;
  perSubject: SubjectScores[];
  notes: string[];
}

export function buildReport(scores: readonly SubjectScores[], notes: string[] = []): EvaluationReport {
  if (scores.length === 0) throw new Error('no subjects were evaluated');
  const tables: MetricTable[] = [];
  for (const reference of ['mean3', 'truth'] as const) {
    if (scores.some((s) => !s.quality[reference])) continue;
    for (const metric of ['psnr', 'ssim'] as const) {
      const q = (m: Method) => scores.map((s) => s.quality[reference]![m][metric]);
      const gain = (m: Method) =>
        scores.map((s) => s.quality[reference]![m][metric === 'psnr' ? 'psnrGainPct' : 'ssimGainPct']);
      tables.push({
        reference,
        metric,
        absolute: Object.fromEntries(METHODS.map((m) => [m, summarize(q(m))])) as Record<Method, Summary>,
        improvementPct: { nlm: summarize(gain('nlm')), da: summarize(gain('da')) },
        daVsNlm: { tTest: pairedTTest(q('da'), q('nlm')), wilcoxon: wilcoxonSignedRank(q('da'), q('nlm')) },
      });
    }
  }
  const quantification: QuantSummary[] = [];
  const withQuant = scores.filter((s) => s.quant);
  if (withQuant.length) {
    for (const image of ['noisy', 'nlm', 'da', 'mean3', 'truth'] as const) {
      const rows = withQuant.map((s) => s.quant![image]).filter(Boolean);
      if (rows.length === 0) continue;
      const roiNames = [...new Set(rows.flatMap((r) => Object.keys(r.roiErrorMM)))];
      const tubes = rows.flatMap((r) => r.tubeBiasMM.map(Math.abs));
      const ratios = rows
        .map((r) => r.lesionContrastRatio)
        .filter((v): v is number => v !== null && Number.isFinite(v));
      quantification.push({
        image,
        roiAbsErrorMM: Object.fromEntries(
          roiNames.map((n) => [
            n,
            summarize(
              rows
                .map((r) => r.roiErrorMM[n])
                .filter((v) => v !== undefined)
                .map(Math.abs),
            ),
          ]),
        ),
        roiAbsShiftMM: Object.fromEntries(
          roiNames.map((n) => [
            n,
            summarize(
              rows
                .map((r) => r.roiShiftMM[n])
                .filter((v) => v !== undefined)
                .map(Math.abs),
            ),
          ]),
        ),
        tubeAbsBiasMM: tubes.length ? summarize(tubes) : null,
        lesionContrastRatio: ratios.length ? summarize(ratios) : null,
      });
    }
  }
  const meanSeconds = (m: 'nlm' | 'da') => scores.reduce((s, x) => s + x.seconds[m], 0) / scores.length;
  return {
    subjects: scores.map((s) => s.id),
    tables,
    quantification,
    secondsPerSubject: { nlm: meanSeconds('nlm'), da: meanSeconds('da') },
    perSubject: [...scores],
    notes,
  };
}

const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
const p = (v: number) => (Number.isNaN(v) ? 'n/a' : v < 1e-4 ? v.toExponential(1) : v.toFixed(4));
const REF_NAME: Record<Reference, string> = {
  mean3: "mean of three acquisitions (the paper's reference)",
  truth: 'noise-free phantom truth',
};

export function reportMarkdown(r: EvaluationReport, title: string): string {
  const out: string[] = [`# ${title}`, '', `Test subjects (${r.subjects.length}): ${r.subjects.join(', ')}`, ''];
  for (const t of r.tables) {
    const name = t.metric === 'psnr' ? 'pSNR' : 'SSIM';
    out.push(`## ${name} vs ${REF_NAME[t.reference]} (brain mask)`, '');
    out.push(
      `Relative improvement over the noisy input, percent (as the paper's Table ${t.metric === 'psnr' ? 2 : 3}):`,
      '',
    );
    out.push(`| | Mean ${name} | Median ${name} | σ(${name}) |`, '|---|---|---|---|');
    for (const m of ['nlm', 'da'] as const) {
      const s = t.improvementPct[m];
      out.push(`| ${m.toUpperCase()} | ${f(s.mean)} | ${f(s.median)} | ${f(s.std)} |`);
    }
    out.push(
      '',
      `Absolute ${name}${t.metric === 'psnr' ? ' (dB)' : ''}, mean ± σ: ` +
        METHODS.map(
          (m) =>
            `${m} ${f(t.absolute[m].mean, t.metric === 'psnr' ? 2 : 4)} ± ${f(t.absolute[m].std, t.metric === 'psnr' ? 2 : 4)}`,
        ).join(', ') +
        '.',
      '',
    );
    out.push(
      `DA − NLM: mean difference ${f(t.daVsNlm.tTest.meanDifference, 4)}; paired t(${t.daVsNlm.tTest.degreesOfFreedom}) = ${f(t.daVsNlm.tTest.t, 3)}, p = ${p(t.daVsNlm.tTest.pValue)}; Wilcoxon signed-rank W+ = ${t.daVsNlm.wilcoxon.wPlus} (n = ${t.daVsNlm.wilcoxon.n}, ${t.daVsNlm.wilcoxon.method}), p = ${p(t.daVsNlm.wilcoxon.pValue)}.`,
      '',
    );
  }
  if (r.quantification.length) {
    const rois = [...new Set(r.quantification.flatMap((q) => Object.keys(q.roiAbsErrorMM)))];
    out.push('## Sodium quantification (each image calibrated with its own two tubes; means over subjects)', '');
    out.push(
      `| image | ${rois.map((n) => `${n}: \\|error\\| / \\|shift\\| (mM)`).join(' | ')} | \\|tube bias\\| (mM) | lesion contrast / reference |`,
    );
    out.push(`|---|${rois.map(() => '---').join('|')}|---|---|`);
    for (const q of r.quantification) {
      const cells = rois.map((n) =>
        q.roiAbsErrorMM[n] ? `${f(q.roiAbsErrorMM[n].mean, 1)} / ${f(q.roiAbsShiftMM[n]?.mean ?? NaN, 1)}` : '—',
      );
      out.push(
        `| ${q.image} | ${cells.join(' | ')} | ${q.tubeAbsBiasMM ? `${f(q.tubeAbsBiasMM.mean)} ± ${f(q.tubeAbsBiasMM.std)}` : '—'} | ${q.lesionContrastRatio ? `${f(q.lesionContrastRatio.mean, 3)} ± ${f(q.lesionContrastRatio.std, 3)}` : '—'} |`,
      );
    }
    out.push(
      '',
      "ROI error = |mean TSC in the ROI − the manifest's true concentration|; the noise-free truth row shows what blurring (point-spread function), partial volume and coil sensitivity alone cost. ROI shift = |TSC − the same ROI on the reference image| (truth when present): what noise and the denoiser add. Tube bias = tube concentration read with the reference image's calibration − nominal: how far a method shifts the calibration. Lesion contrast = lesion TSC / TSC of a 2-voxel tissue shell around it, divided by the same ratio in the reference (truth when present).",
      '',
    );
  }
  out.push(`Mean time per subject: NLM ${f(r.secondsPerSubject.nlm, 1)} s, DA ${f(r.secondsPerSubject.da, 1)} s.`, '');
  for (const n of r.notes) out.push(`- ${n}`);
  return out.join('\n') + '\n';
}

/** One row per subject and method: the columns a spreadsheet needs. */
export function perSubjectCsv(r: EvaluationReport): string {
  const rois = [...new Set(r.perSubject.flatMap((s) => (s.quant ? Object.keys(s.quant.noisy.roiErrorMM) : [])))];
  const header = [
    'subject',
    'method',
    'psnr_mean3',
    'ssim_mean3',
    'psnr_gain_pct_mean3',
    'ssim_gain_pct_mean3',
    'psnr_truth',
    'ssim_truth',
    'psnr_gain_pct_truth',
    'ssim_gain_pct_truth',
    ...rois.map((n) => `tsc_error_mm_${n}`),
    'tube_bias_mm_1',
    'tube_bias_mm_2',
    'lesion_contrast',
    'lesion_contrast_ratio',
    'seconds',
  ];
  const rows = [header.join(',')];
  const num = (v: number | null | undefined, d = 5) =>
    v === null || v === undefined || !Number.isFinite(v) ? '' : v.toFixed(d);
  for (const s of r.perSubject) {
    for (const m of METHODS) {
      const a = s.quality.mean3?.[m];
      const t = s.quality.truth?.[m];
      const q = s.quant?.[m];
      rows.push(
        [
          s.id,
          m,
          num(a?.psnr),
          num(a?.ssim),
          num(a?.psnrGainPct),
          num(a?.ssimGainPct),
          num(t?.psnr),
          num(t?.ssim),
          num(t?.psnrGainPct),
          num(t?.ssimGainPct),
          ...rois.map((n) => num(q?.roiErrorMM[n], 3)),
          num(q?.tubeBiasMM[0], 3),
          num(q?.tubeBiasMM[1], 3),
          num(q?.lesionContrast, 4),
          num(q?.lesionContrastRatio, 4),
          m === 'noisy' ? '0' : num(s.seconds[m], 2),
        ].join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}

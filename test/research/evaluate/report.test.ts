// Subject scores and the pooled report on real phantom subjects: relative improvements match the absolute metrics,
// the noise-free truth scores zero tube bias and ROI shift, and Markdown/CSV carry one row per method and subject.
import { toEvaluationSubject } from '../../../src/research/evaluate/evaluationSubject';
import { buildReport, perSubjectCsv, reportMarkdown } from '../../../src/research/evaluate/report';
import { scoreSubject } from '../../../src/research/evaluate/subjectScores';
import { smoothVolumeMm } from '../../../src/core/filters';
import { resolvePhantomParams } from '../../../src/phantom/params';
import { generateSubject } from '../../../src/phantom/subject';

const params = resolvePhantomParams({
  seed: 41,
  subjects: 3,
  matrix: 32,
  voxelSizeMm: 8,
  oversampling: 1,
  lesions: { count: [1, 1], radiusMm: [11, 11] },
});

describe('evaluation report', () => {
  // Two real smoothing filters stand in for the methods: the report must not care what made the images.
  const scores = [0, 1, 2].map((i) => {
    const s = toEvaluationSubject(generateSubject(params, i));
    return scoreSubject(s, { nlm: smoothVolumeMm(s.input, 4), da: smoothVolumeMm(s.input, 6) }, { nlm: 1, da: 2 });
  });
  const report = buildReport(scores, ['a note']);

  it('computes relative improvements from the absolute metrics and summarises them over subjects', () => {
    expect(report.tables.map((t) => `${t.reference}/${t.metric}`)).toEqual([
      'mean3/psnr',
      'mean3/ssim',
      'truth/psnr',
      'truth/ssim',
    ]);
    for (const s of scores) {
      const q = s.quality.truth!;
      expect(q.noisy.psnrGainPct).toBe(0);
      expect(q.nlm.psnrGainPct).toBeCloseTo((100 * (q.nlm.psnr - q.noisy.psnr)) / q.noisy.psnr, 10);
    }
    const gains = scores.map((s) => s.quality.mean3!.da.ssimGainPct);
    const table = report.tables.find((t) => t.reference === 'mean3' && t.metric === 'ssim')!;
    expect(table.improvementPct.da.mean).toBeCloseTo(gains.reduce((a, b) => a + b, 0) / 3, 10);
    expect(table.daVsNlm.tTest.degreesOfFreedom).toBe(2);
    expect(report.secondsPerSubject).toEqual({ nlm: 1, da: 2 });
  });

  it('quantifies TSC per image: the truth has no tube bias or ROI shift, smoothing lowers lesion contrast', () => {
    const truth = report.quantification.find((q) => q.image === 'truth')!;
    expect(truth.tubeAbsBiasMM!.mean).toBeCloseTo(0, 8);
    expect(truth.roiAbsShiftMM.CSF.mean).toBeCloseTo(0, 8);
    expect(truth.lesionContrastRatio!.mean).toBeCloseTo(1, 10);
    const nlm = report.quantification.find((q) => q.image === 'nlm')!;
    const da = report.quantification.find((q) => q.image === 'da')!;
    expect(da.lesionContrastRatio!.mean).toBeLessThan(nlm.lesionContrastRatio!.mean);
    expect(Object.keys(nlm.roiAbsErrorMM).sort()).toEqual(['CSF', 'GM', 'WM', 'lesion']);
  });

  it('writes Markdown tables like the paper and a per-subject CSV', () => {
    const md = reportMarkdown(report, 'Test report');
    expect(md).toContain('# Test report');
    expect(md).toContain('| | Mean pSNR | Median pSNR | σ(pSNR) |');
    expect(md).toMatch(/\| DA \| -?\d+\.\d\d \| -?\d+\.\d\d \| \d+\.\d\d \|/);
    expect(md).toContain('- a note');
    const rows = perSubjectCsv(report).trim().split('\n');
    expect(rows).toHaveLength(1 + 3 * 3);
    const header = rows[0].split(',');
    expect(header).toContain('tsc_error_mm_CSF');
    expect(rows.slice(1).every((r) => r.split(',').length === header.length)).toBe(true);
    expect(() => buildReport([])).toThrow(/no subjects/);
  });
});

import { formatMillis, overlayLines, researchLabelLines } from '../../src/extension/metricsText';
import { overlayItems } from '../../src/extension/customizations/overlay';
import { RESEARCH_LABEL } from '../../src/extension/id';

describe('metrics overlay text', () => {
  it('denoised viewport: method, backend, runtime, pSNR/SSIM and the research label', () => {
    expect(
      overlayLines({
        role: 'denoised',
        method: 'DA',
        model: 'sodium-da 1.0.0',
        backend: 'wasm',
        millis: 2345.6,
        psnr: 31.2049,
        ssim: 0.87654,
      }),
    ).toEqual([
      'Na DA denoised',
      'model sodium-da 1.0.0',
      'WASM · 2.35 s',
      'pSNR 31.20 dB',
      'SSIM 0.877',
      'Research use —',
      'trained on synthetic data',
    ]);
  });

  it('denoised viewport: what the DA did about NLM, under the model', () => {
    const lines = overlayLines({
      role: 'denoised',
      method: 'DA',
      model: 'sodium-da 1.0.0',
      blend: 'blended with NLM by SURE: 23 % NLM',
      backend: 'wasm',
      millis: 1000,
    });
    expect(lines.slice(0, 4)).toEqual([
      'Na DA denoised',
      'model sodium-da 1.0.0',
      'blended with NLM by SURE: 23 % NLM',
      'WASM · 1.00 s',
    ]);
  });

  it('falls back to the reference-free SNR without repeats', () => {
    expect(overlayLines({ role: 'denoised', method: 'NLM', backend: 'js-cpu', millis: 800, snr: 21.37 })).toEqual([
      'Na NLM denoised',
      'JS-CPU · 800 ms',
      'SNR ≈ 21.4 (no repeats)',
      'Research use —',
      'not for diagnosis',
    ]);
    // NLM is not trained: its label never says so.
    expect(overlayLines({ role: 'denoised', method: 'NLM', snr: 2 }).join(' ')).not.toMatch(/trained|synthetic/);
    expect(researchLabelLines('DA').join(' ')).toBe(RESEARCH_LABEL);
  });

  it('denoised viewport: the regime warning in plain words, before the numbers', () => {
    const warning = 'noise is spatially correlated (0.63); this model was trained on ≤ 0.3: compare with NLM';
    expect(
      overlayLines({
        role: 'denoised',
        method: 'DA',
        backend: 'wasm',
        millis: 900,
        psnr: 30,
        ssim: 0.9,
        warnings: [warning],
      }),
    ).toEqual([
      'Na DA denoised',
      'WASM · 900 ms',
      `⚠ ${warning}`,
      'pSNR 30.00 dB',
      'SSIM 0.900',
      ...researchLabelLines(),
    ]);
  });

  it('original and reference viewports', () => {
    expect(overlayLines({ role: 'original', method: 'DA', psnr: 27.1, ssim: 0.81 })).toEqual([
      'Original',
      'pSNR 27.10 dB',
      'SSIM 0.810',
    ]);
    expect(overlayLines({ role: 'reference', method: 'DA', referenceCount: 3 })).toEqual([
      'Reference',
      'mean of 3 acquisitions',
    ]);
  });

  it('formats runtimes', () => {
    expect([formatMillis(12.4), formatMillis(999), formatMillis(1500), formatMillis(61234)]).toEqual([
      '12 ms',
      '999 ms',
      '1.50 s',
      '61.2 s',
    ]);
  });

  it('overlay items show one line each, only on our display sets', () => {
    const info = {
      role: 'denoised' as const,
      method: 'DA' as const,
      backend: 'webgl',
      millis: 100,
      psnr: 30,
      ssim: 0.9,
    };
    const ds = { naOverlay: info } as never;
    const shown = overlayItems
      .filter((it) => it.condition({ displaySet: ds }))
      .map((it) => it.contentF({ displaySet: ds }));
    expect(shown).toEqual(overlayLines(info));
    expect(overlayItems.some((it) => it.condition({ displaySet: { displaySetInstanceUID: 'x' } as never }))).toBe(
      false,
    );
  });
});

// Which series a click acts on (derived → source), the NLM dialog's rules, and the derived thumbnail's window.
import { denoiseTarget } from '../../src/extension/target';
import { buildDerivedDisplaySet } from '../../src/extension/displaySet';
import { readNlmForm } from '../../src/extension/nlmDialog';
import { windowOf } from '../../src/extension/thumbnail';
import { writeDicomSeries } from '../../src/io/dicom';
import { instanceMetadata } from '../../src/server/manifest';
import type { NaturalInstance } from '../../src/extension/ohif';
import { displaySetFromDicom, rampVolume } from './helpers';
import { newUid } from '../../src/io/dicom';

const study = newUid();
const source = displaySetFromDicom(rampVolume(), {
  studyInstanceUID: study,
  seriesNumber: 1,
  seriesDescription: '23Na acq 1',
});
const derived = buildDerivedDisplaySet({
  source,
  role: 'denoised',
  method: 'DA',
  displaySetInstanceUID: 'derived-ds',
  seriesInstanceUID: newUid(),
  imageIds: source.instances.map((_, k) => `derived:${k}`),
  overlay: { role: 'denoised', method: 'DA' },
  seriesNumber: 2,
});

describe('denoiseTarget', () => {
  it('acts on the selected original sodium series', () => {
    expect(denoiseTarget(source, [source])).toMatchObject({ ok: true, source });
  });

  it('on our denoised series, acts on its source', () => {
    const t = denoiseTarget(derived, [source, derived]);
    expect(t).toMatchObject({ ok: true, source, derivedFrom: derived });
  });

  it('on a saved DERIVED series from the PACS, acts on the series it references', () => {
    // Written as Save writes it: DERIVED\SECONDARY with ReferencedSeriesSequence → the source.
    const files = writeDicomSeries(rampVolume(), {
      studyInstanceUID: study,
      seriesNumber: 4,
      derivedFrom: {
        seriesInstanceUID: source.SeriesInstanceUID,
        sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
        sopInstanceUIDs: source.instances.map((i) => i.SOPInstanceUID),
        header: source.instance as unknown as Record<string, unknown>,
      },
    });
    const instances = files.map((b) => instanceMetadata(b) as NaturalInstance);
    const saved = {
      ...source,
      displaySetInstanceUID: 'saved',
      SeriesInstanceUID: instances[0].SeriesInstanceUID,
      instances,
      instance: instances[0],
    };
    expect(denoiseTarget(saved, [source, saved])).toMatchObject({ ok: true, source });
    expect(denoiseTarget(saved, [saved])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/source series is not in this study/),
    });
  });

  it('says why when nothing usable is selected', () => {
    expect(denoiseTarget(undefined, [])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Select a viewport/),
    });
  });
});

describe('NLM dialog rules (DIPY names)', () => {
  const form = { patchRadius: '1', blockRadius: '5', rician: true, sigmaMode: 'auto' as const, sigma: '' };
  it('accepts DIPY-valid values, σ automatic or given', () => {
    expect(readNlmForm(form)).toEqual({ ok: true, nlm: { patchRadius: 1, blockRadius: 5, rician: true } });
    expect(readNlmForm({ ...form, sigmaMode: 'given', sigma: '12.5', rician: false })).toEqual({
      ok: true,
      nlm: { patchRadius: 1, blockRadius: 5, rician: false, sigma: 12.5 },
    });
  });
  it('rejects bad values with one line', () => {
    expect(readNlmForm({ ...form, blockRadius: '1' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/block_radius must exceed/),
    });
    expect(readNlmForm({ ...form, patchRadius: '1.5' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/patch_radius/),
    });
    expect(readNlmForm({ ...form, sigmaMode: 'given', sigma: '-3' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/sigma/),
    });
    expect(readNlmForm({ ...form, sigmaMode: 'given', sigma: '' })).toMatchObject({ ok: false });
  });
});

describe('derived thumbnails', () => {
  it("use the source's stored window, else its display range", () => {
    const data = new Float32Array(100).map((_, i) => i);
    expect(windowOf(data, { instance: { WindowCenter: 50, WindowWidth: 20 } })).toEqual([40, 60]);
    expect(windowOf(data, { instance: { WindowCenter: ['50', '70'], WindowWidth: ['20', '10'] } })).toEqual([40, 60]);
    const [lo, hi] = windowOf(data, {});
    expect(lo).toBeLessThan(5);
    expect(hi).toBeGreaterThan(95);
  });
});

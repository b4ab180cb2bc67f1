// The quantification actions' rules (pure): when "Na concentration map" and "Residual" apply, what their derived
// sets are called and say (Save's Real World Value Mapping: test/e2e/quant.test.ts). Runtime < 2 s.
import { concentrationUnavailableReason, residualUnavailableReason } from '../../src/extension/quantAvailability';
import { buildDerivedDisplaySet } from '../../src/extension/displaySet';
import { overlayLines } from '../../src/extension/metricsText';
import type { DerivedResult } from '../../src/extension/saveRegistry';
import { newUid } from '../../src/io/dicom';
import { displaySetFromDicom, rampVolume } from './helpers';

const volume = rampVolume();
const source = displaySetFromDicom(volume, { seriesNumber: 1, seriesDescription: '23Na acq 1' });
const derivedSet = (role: 'denoised' | 'concentration' | 'residual', uid: string) =>
  buildDerivedDisplaySet({
    source,
    role,
    method: 'DA',
    displaySetInstanceUID: uid,
    seriesInstanceUID: newUid(),
    imageIds: source.instances.map((_, k) => `${uid}:${k}`),
    overlay: { role, method: 'DA' },
    seriesNumber: 2,
  });
const result = (extra: Partial<DerivedResult> = {}): DerivedResult => ({
  volume,
  method: 'DA',
  parameters: {},
  seriesInstanceUID: newUid(),
  seriesDescription: 'Na mM (original)',
  seriesNumber: 5,
  source: {
    seriesInstanceUID: source.SeriesInstanceUID,
    sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
    sopInstanceUIDs: source.instances.map((i) => String(i.SOPInstanceUID)),
    header: source.instances[0],
    imageIds: [],
  },
  saved: [],
  ...extra,
});

describe('quantification actions', () => {
  it('map an original or a denoised series, never a map, a residual or nothing; residuals only of denoised results', () => {
    const denoised = derivedSet('denoised', 'dn');
    const map = derivedSet('concentration', 'mm');
    expect(concentrationUnavailableReason(source, undefined)).toBeUndefined();
    expect(concentrationUnavailableReason(denoised, result())).toBeUndefined();
    expect(concentrationUnavailableReason(map, result())).toMatch(/concentration series/);
    expect(concentrationUnavailableReason(undefined, undefined)).toMatch(/Select a viewport/);
    expect(residualUnavailableReason(denoised, result())).toBeUndefined();
    expect(residualUnavailableReason(source, undefined)).toMatch(/denoised sodium series/);
    expect(
      residualUnavailableReason(map, result({ quantity: { kind: 'concentration', dicom: {}, imageComments: '' } })),
    ).toMatch(/denoised/);
    expect(map.SeriesDescription).toBe('Na mM (DA denoised)');
    expect(map.naRole).toBe('concentration');
    expect(map.isNaDenoised).toBe(false);
  });

  it('overlays a map with its title, fit lines and the research label', () => {
    const lines = overlayLines({
      role: 'concentration',
      title: 'Na concentration (mM) of original',
      lines: ['fit r² 1.0000'],
    });
    expect(lines[0]).toBe('Na concentration (mM) of original');
    expect(lines).toContain('fit r² 1.0000');
    expect(lines.join(' ')).toMatch(/Research use/);
  });
});

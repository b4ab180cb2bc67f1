// "Adapt DA to this study" without a browser: when the action is enabled (≥ 2 repeats) and the adapted overlay text.
import { adaptUnavailableReason } from '../../src/extension/adaptAvailability';
import { overlayLines } from '../../src/extension/metricsText';
import { derivedSeriesDescription } from '../../src/extension/displaySet';
import { newUid } from '../../src/io/dicom';
import { displaySetFromDicom, rampVolume } from './helpers';

describe('adapt action', () => {
  const common = { studyInstanceUID: newUid(), frameOfReferenceUID: newUid() };
  const vol = rampVolume();
  const acq = [1, 2].map((k) => displaySetFromDicom(vol, { ...common, seriesNumber: k }));

  it('is enabled with two repeats and disabled, with the reason, with one or none', () => {
    expect(adaptUnavailableReason(acq[0], acq)).toBeUndefined();
    expect(adaptUnavailableReason(acq[0], [acq[0]])).toMatch(/at least 2 repeated acquisitions .* has 1/);
    expect(adaptUnavailableReason(undefined, acq)).toBeDefined();
  });

  it('labels the derived series and overlay as adapted, with parent, seconds and held-out gain', () => {
    const adaptation = { parent: 'sodium-da 1.0.0', seconds: 41.6, gainPercent: 4.03, adapted: true };
    const lines = overlayLines({ role: 'denoised', method: 'DA', backend: 'wasm', millis: 900, adaptation });
    expect(lines.slice(0, 2)).toEqual([
      'Na DA (adapted) denoised',
      'adapted from sodium-da 1.0.0: 42 s, held-out gain 4.0 %',
    ]);
    const kept = overlayLines({ role: 'denoised', method: 'DA', adaptation: { ...adaptation, adapted: false } });
    expect(kept[1]).toBe('not adapted: no gain on held-out slabs (4.0 %)');
    // A study whose whitened candidate won says so (the reader learns the noise was correlated).
    const whitened = overlayLines({ role: 'denoised', method: 'DA', adaptation: { ...adaptation, whitened: true } });
    expect(whitened[1]).toBe(
      'adapted from sodium-da 1.0.0 (whitened input: correlated noise): 42 s, held-out gain 4.0 %',
    );
    // A study whose held-out slabs kept a blend with NLM says how much of NLM is in the image, adapted or not.
    const blended = overlayLines({ role: 'denoised', method: 'DA', adaptation: { ...adaptation, nlmBlend: 0.62 } });
    expect(blended[1]).toBe('adapted from sodium-da 1.0.0: 42 s, held-out gain 4.0 %; blended with NLM (62 %)');
    const keptBlended = { ...adaptation, adapted: false, nlmBlend: 0.3 };
    expect(overlayLines({ role: 'denoised', method: 'DA', adaptation: keptBlended })[1]).toBe(
      'not adapted: no gain on held-out slabs (4.0 %); blended with NLM (30 %)',
    );
    expect(derivedSeriesDescription('denoised', 'DA', 0, true)).toBe('Na DA adapted denoised');
    expect(derivedSeriesDescription('denoised', 'DA')).toBe('Na DA denoised');
  });
});

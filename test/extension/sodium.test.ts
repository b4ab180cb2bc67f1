import { checkSodiumSeries, sodiumEvidence } from '../../src/extension/sodium';
import { displaySetFromDicom, rampVolume } from './helpers';

describe('sodium series detection', () => {
  const vol = rampVolume();

  it('accepts a 23Na MR series by ImagedNucleus', () => {
    const ds = displaySetFromDicom(vol, { seriesDescription: 'brain 3D' });
    expect(ds.instance?.ImagedNucleus).toBe('23Na');
    expect(checkSodiumSeries(ds)).toEqual({ ok: true, evidence: 'ImagedNucleus', slices: 4 });
  });

  it('refuses a proton series, naming its nucleus', () => {
    const ds = displaySetFromDicom(vol, { seriesDescription: 'T1 MPRAGE' }, { ImagedNucleus: '1H' });
    const check = checkSodiumSeries(ds);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(/1H, not 23Na/);
  });

  it('a stated other nucleus wins over a hopeful description', () => {
    expect(sodiumEvidence({ ImagedNucleus: '31P' } as never, 'sodium-like 31P')).toBeNull();
  });

  it('falls back to ResonantNucleus (enhanced MR) and then to the series description', () => {
    const noNucleus = displaySetFromDicom(vol, { seriesDescription: 'Sodium TPI' }, { ImagedNucleus: undefined });
    expect(checkSodiumSeries(noNucleus)).toMatchObject({ ok: true, evidence: 'SeriesDescription' });
    const enhanced = displaySetFromDicom(
      vol,
      { seriesDescription: 'x' },
      { ImagedNucleus: undefined, ResonantNucleus: '23NA' },
    );
    expect(checkSodiumSeries(enhanced)).toMatchObject({ ok: true, evidence: 'ResonantNucleus' });
    const unknown = displaySetFromDicom(vol, { seriesDescription: 'FLAIR' }, { ImagedNucleus: undefined });
    expect(checkSodiumSeries(unknown)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Not a sodium series/),
    });
  });

  it('refuses a single slice, a non-MR modality and a non-reconstructable stack with a reason', () => {
    const single = displaySetFromDicom(rampVolume([8, 6, 1]), {});
    expect(checkSodiumSeries(single)).toMatchObject({ ok: false, reason: expect.stringMatching(/single slice/) });
    const ct = { ...displaySetFromDicom(vol, {}), Modality: 'CT' };
    expect(checkSodiumSeries(ct)).toMatchObject({ ok: false, reason: expect.stringMatching(/CT, not/) });
    const uneven = { ...displaySetFromDicom(vol, {}), isReconstructable: false };
    expect(checkSodiumSeries(uneven)).toMatchObject({ ok: false, reason: expect.stringMatching(/evenly spaced/) });
    expect(checkSodiumSeries(undefined)).toMatchObject({ ok: false });
  });
});

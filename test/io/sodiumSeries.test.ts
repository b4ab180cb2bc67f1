// The one sodium-series rule: nucleus tags decide, a stated other nucleus wins over the description, the description
// decides only when no nucleus is stated; DERIVED image types are not acquisitions.
import { isDerivedImageType, sodiumEvidence, statedNucleus } from '../../src/io/sodiumSeries';

describe('io/sodiumSeries', () => {
  it.each([
    [{ imagedNucleus: '23Na' }, 'ImagedNucleus'],
    [{ imagedNucleus: ' 23 NA ' }, 'ImagedNucleus'],
    [{ resonantNucleus: ['23Na'] }, 'ResonantNucleus'],
    [{ seriesDescription: 'Sodium 3D radial' }, 'SeriesDescription'],
    [{ seriesDescription: '23Na TPI' }, 'SeriesDescription'],
    [{ imagedNucleus: '1H', seriesDescription: 'sodium map' }, null],
    [{ seriesDescription: 'T1 MPRAGE' }, null],
    [{}, null],
  ])('%j → %s', (facts, evidence) => {
    expect(sodiumEvidence(facts)).toBe(evidence);
  });

  it('reads the stated nucleus and DERIVED image types', () => {
    expect(statedNucleus({ resonantNucleus: ' 31P ' })).toBe('31P');
    expect(statedNucleus({})).toBe('');
    expect(isDerivedImageType(['DERIVED', 'SECONDARY'])).toBe(true);
    expect(isDerivedImageType('ORIGINAL\\PRIMARY')).toBe(false);
    expect(isDerivedImageType(undefined)).toBe(false);
  });
});

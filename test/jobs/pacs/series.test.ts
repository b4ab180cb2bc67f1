// Which series a PACS worker may denoise: ORIGINAL sodium MR only, judged from QIDO-RS attributes.
import { classifySeries } from '../../../src/jobs/pacs/series';

describe('classifySeries', () => {
  const na = { Modality: 'MR', ImagedNucleus: '23Na', ImageType: ['ORIGINAL', 'PRIMARY', 'OTHER'] };

  it('takes ORIGINAL sodium MR, by nucleus (either tag) or by description when no nucleus is stated', () => {
    expect(classifySeries(na)).toEqual({ kind: 'source', evidence: 'ImagedNucleus' });
    expect(classifySeries({ ...na, ImagedNucleus: undefined, ResonantNucleus: '23NA' })).toMatchObject({
      kind: 'source',
      evidence: 'ResonantNucleus',
    });
    expect(
      classifySeries({ Modality: 'MR', ImageType: 'ORIGINAL\\PRIMARY'.split('\\'), SeriesDescription: 'Sodium TPI' }),
    ).toMatchObject({ kind: 'source', evidence: 'SeriesDescription' });
  });

  it('never takes a DERIVED series, ours or anyone else’s, nor one that does not say it is ORIGINAL', () => {
    expect(classifySeries({ ...na, ImageType: ['DERIVED', 'SECONDARY', 'OTHER'] })).toEqual({
      kind: 'not-original',
      reason: 'ImageType DERIVED\\SECONDARY\\OTHER is not ORIGINAL',
    });
    expect(classifySeries({ ...na, ImageType: undefined })).toMatchObject({ kind: 'not-original' });
  });

  it('leaves other nuclei and modalities alone, even with a sodium-sounding description', () => {
    expect(classifySeries({ ...na, ImagedNucleus: '1H', SeriesDescription: '23Na localizer' })).toEqual({
      kind: 'not-sodium',
      reason: 'images 1H, not 23Na',
    });
    expect(classifySeries({ ...na, Modality: 'CT' })).toMatchObject({ kind: 'not-sodium', reason: 'CT, not MR' });
    expect(classifySeries({ Modality: 'MR', ImageType: ['ORIGINAL'], SeriesDescription: 'T2 FLAIR' })).toMatchObject({
      kind: 'not-sodium',
    });
  });
});

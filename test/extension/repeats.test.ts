import { findRepeats, isDerived, sameGeometry } from '../../src/extension/repeats';
import { newUid } from '../../src/io/dicom';
import { displaySetFromDicom, rampVolume } from './helpers';

describe('repeated acquisitions', () => {
  const study = newUid();
  const frame = newUid();
  const common = { studyInstanceUID: study, frameOfReferenceUID: frame };
  const vol = rampVolume();
  const acq = [1, 2, 3].map((k) =>
    displaySetFromDicom(vol, { ...common, seriesNumber: k, seriesDescription: `23Na acq ${k}` }),
  );

  it('groups the other sodium series of the study on the same grid, in series order', () => {
    const shuffled = [acq[2], acq[0], acq[1]];
    expect(findRepeats(acq[1], shuffled).map((d) => d.SeriesNumber)).toEqual([1, 3]);
    expect(sameGeometry(acq[0], acq[2])).toBe(true);
  });

  it('leaves out other grids, other studies, other nuclei and derived series', () => {
    const shifted = displaySetFromDicom(rampVolume([8, 6, 4], [-16, -12, -4]), { ...common, seriesNumber: 4 });
    const otherSize = displaySetFromDicom(rampVolume([8, 8, 4]), { ...common, seriesNumber: 5 });
    const otherStudy = displaySetFromDicom(vol, {
      studyInstanceUID: newUid(),
      frameOfReferenceUID: frame,
      seriesNumber: 6,
    });
    const proton = displaySetFromDicom(vol, { ...common, seriesNumber: 7 }, { ImagedNucleus: '1H' });
    const derived = displaySetFromDicom(vol, {
      ...common,
      seriesNumber: 8,
      derivedFrom: {
        seriesInstanceUID: acq[0].SeriesInstanceUID,
        sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
        sopInstanceUIDs: acq[0].instances.map((i) => i.SOPInstanceUID),
        header: acq[0].instance!,
      },
      derivation: { method: 'DA denoised' },
    });
    expect(isDerived(derived)).toBe(true);
    const inMemory = { ...acq[2], displaySetInstanceUID: 'mem', SeriesInstanceUID: newUid(), isNaDenoised: true };
    const all = [...acq, shifted, otherSize, otherStudy, proton, derived, inMemory];
    expect(findRepeats(acq[0], all).map((d) => d.SeriesNumber)).toEqual([2, 3]);
  });

  it('finds none for a lone series', () => {
    expect(findRepeats(acq[0], [acq[0]])).toEqual([]);
  });
});

import { buildDerivedDisplaySet, nextSeriesNumber, STACK_SOP_CLASS_HANDLER } from '../../src/extension/displaySet';
import { sliceToRgba, displayRange } from '../../src/extension/thumbnail';
import { meanVolume } from '../../src/core/volume';
import { comparisonProtocol, SELECTORS } from '../../src/extension/getHangingProtocolModule';
import { newUid } from '../../src/io/dicom';
import { displaySetFromDicom, rampVolume } from './helpers';

describe('derived display sets', () => {
  const source = displaySetFromDicom(rampVolume(), { seriesNumber: 2, seriesDescription: '23Na acq 2' });
  const seriesUid = newUid();
  const imageIds = source.instances.map((_, k) => `derived:${k}`);
  const ds = buildDerivedDisplaySet({
    source,
    role: 'denoised',
    method: 'DA',
    displaySetInstanceUID: 'new-ds',
    seriesInstanceUID: seriesUid,
    imageIds,
    overlay: { role: 'denoised', method: 'DA', backend: 'wasm', millis: 10, psnr: 30, ssim: 0.9 },
    seriesNumber: nextSeriesNumber([source]),
    thumbnailSrc: 'data:image/png;base64,AAAA',
  });

  it('is a new MR series of the same study and frame of reference, routed to the cornerstone viewport', () => {
    expect(ds).toMatchObject({
      displaySetInstanceUID: 'new-ds',
      StudyInstanceUID: source.StudyInstanceUID,
      SeriesInstanceUID: seriesUid,
      SeriesDescription: 'Na DA denoised',
      SeriesNumber: 3,
      Modality: 'MR',
      FrameOfReferenceUID: source.FrameOfReferenceUID,
      SOPClassHandlerId: STACK_SOP_CLASS_HANDLER,
      isReconstructable: true,
      madeInClient: true,
      numImageFrames: 4,
      isNaDenoised: true,
      thumbnailSrc: 'data:image/png;base64,AAAA',
    });
    expect(ds.SeriesInstanceUID).not.toBe(source.SeriesInstanceUID);
  });

  it('patches copies of the instances and never the source', () => {
    expect(ds.instances.map((i) => i.SeriesInstanceUID)).toEqual(Array(4).fill(seriesUid));
    expect(ds.instances.map((i) => i.imageId)).toEqual(imageIds);
    expect(ds.instance?.ImageType).toEqual(['DERIVED', 'SECONDARY', 'OTHER']);
    expect(source.instances.every((i) => i.SeriesInstanceUID === source.SeriesInstanceUID)).toBe(true);
    // After the study's highest number, whatever the numbers look like (text, gaps, none).
    const numbered = (n: unknown) => ({ ...source, SeriesNumber: n as number });
    expect(nextSeriesNumber([numbered(1), numbered('12'), numbered(101)])).toBe(102);
    expect(nextSeriesNumber([numbered(undefined)])).toBe(1);
  });

  it('matches the comparison protocol selectors', () => {
    const rule = comparisonProtocol.displaySetSelectors[SELECTORS.denoised].seriesMatchingRules[0];
    expect(ds[rule.attribute]).toBe(rule.constraint.equals.value);
    expect(comparisonProtocol.stages.map((s) => s.viewports.length)).toEqual([3, 2]);
    const syncTypes = comparisonProtocol.stages[0].viewports[0].viewportOptions.syncGroups.map((g) => g.type);
    expect(syncTypes).toEqual(['cameraPosition', 'voi']);
  });

  it('mean of repeats and thumbnail pixels', () => {
    const a = rampVolume();
    const b = { ...a, data: a.data.map((v) => v + 2) };
    const m = meanVolume([a, b]);
    expect(m.data[5]).toBeCloseTo(a.data[5] + 1, 5);
    const [lo, hi] = displayRange(a.data);
    expect(lo).toBeLessThan(hi);
    const rgba = sliceToRgba(a.data, a.dims, 0, 10, 66);
    expect(rgba.length).toBe(8 * 6 * 4);
    expect([rgba[0], rgba[3]]).toEqual([0, 255]);
  });
});

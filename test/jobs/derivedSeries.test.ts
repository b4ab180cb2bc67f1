import { derivedInstanceUid, derivedSeriesKey, derivedSeriesUid, outputParameters } from '../../src/jobs/derivedSeries';
import { isValidUid } from '../../src/io/dicom/uid';

describe('derivedSeriesUid', () => {
  const key = {
    sourceSeriesInstanceUid: '2.25.4937439759020562795083752578306181753',
    method: 'nlm',
    parameters: { patchRadius: 1, blockRadius: 5, rician: true },
  };

  it('is a valid UID and the same for the same inputs, whatever the parameter order', () => {
    const a = derivedSeriesUid(key);
    const b = derivedSeriesUid({ ...key, parameters: { rician: true, blockRadius: 5, patchRadius: 1 } });
    expect(isValidUid(a)).toBe(true);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(b).toBe(a);
  });

  it('changes with the source, the method, a parameter or the model checksum', () => {
    const base = derivedSeriesUid(key);
    const variants = [
      derivedSeriesUid({ ...key, sourceSeriesInstanceUid: '2.25.1' }),
      derivedSeriesUid({ ...key, method: 'da' }),
      derivedSeriesUid({ ...key, parameters: { ...key.parameters, blockRadius: 3 } }),
      derivedSeriesUid({ ...key, modelChecksum: 'ab'.repeat(32) }),
    ];
    expect(new Set([base, ...variants]).size).toBe(5);
  });

  it('gives each instance its own deterministic UID', () => {
    const series = derivedSeriesUid(key);
    expect(derivedInstanceUid(series, 1)).toBe(derivedInstanceUid(series, 1));
    expect(derivedInstanceUid(series, 1)).not.toBe(derivedInstanceUid(series, 2));
    expect(isValidUid(derivedInstanceUid(series, 64))).toBe(true);
  });
});

describe('derivedSeriesKey', () => {
  const source = '2.25.4937439759020562795083752578306181753';
  const model = { card: { name: 'sodium-da', version: '1.0.0' }, checksum: 'ab'.repeat(32) };

  it('resolves NLM defaults, so a request that spells them out names the same series', () => {
    const implicit = derivedSeriesUid(derivedSeriesKey(source, { method: 'nlm' }));
    const explicit = derivedSeriesUid(
      derivedSeriesKey(source, { method: 'nlm', patchRadius: 1, blockRadius: 5, rician: true, implementation: 'tf' }),
    );
    expect(explicit).toBe(implicit);
    expect(derivedSeriesUid(derivedSeriesKey(source, { method: 'nlm', sigma: 12 }))).not.toBe(implicit);
  });

  it('names a DA result by the model name, version and checksum, and needs the model', () => {
    const uid = derivedSeriesUid(derivedSeriesKey(source, { method: 'da' }, model));
    const retrained = derivedSeriesUid(
      derivedSeriesKey(source, { method: 'da' }, { ...model, checksum: 'cd'.repeat(32) }),
    );
    expect(retrained).not.toBe(uid);
    expect(derivedSeriesKey(source, { method: 'da' }, model)).toMatchObject({
      method: 'da',
      parameters: { model: 'sodium-da', modelVersion: '1.0.0' },
      modelChecksum: model.checksum,
    });
    expect(() => derivedSeriesKey(source, { method: 'da' })).toThrow(/needs its loaded model/);
  });
});

describe('outputParameters', () => {
  it('keeps what defines the output and drops where it ran and where the weights came from', () => {
    const da = {
      weights: 'http://127.0.0.1:8787/na/weights/da/',
      model: 'sodium-da',
      modelVersion: '1.0',
      modelSha256: 'ab12',
      scale: 3,
      masked: false,
    };
    expect(outputParameters('da', da)).toEqual({ model: 'sodium-da', modelVersion: '1.0', modelSha256: 'ab12' });
    const nlm = { sigma: 12.5, sigmaSource: 'estimated', patchRadius: 1, blockRadius: 5, rician: true, threads: 4 };
    expect(outputParameters('nlm', nlm)).toEqual({ sigma: 12.5, patchRadius: 1, blockRadius: 5, rician: true });
  });
});

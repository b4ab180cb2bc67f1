// Save's choice of data source: OHIF's own rule for STOW targets (supportsStow, else a wadoRoot) on the configured
// storeDataSource or the active source; a source without store.dicom (or dicomjson's stub config) downloads instead.
import { storeTarget } from '../../src/extension/saveFlow';
import type { DataSource, ExtensionManager } from '../../src/extension/ohif';

jest.mock('@cornerstonejs/core', () => ({ metaData: { addProvider: jest.fn(), get: jest.fn() } }), { virtual: true });

const source = (config: Record<string, unknown>, store = true): DataSource => ({
  getImageIdsForDisplaySet: () => [],
  getConfig: () => config,
  ...(store ? { store: { dicom: async () => undefined } } : {}),
});

function manager(active: DataSource, named: Record<string, DataSource> = {}): ExtensionManager {
  return {
    getModuleEntry: () => undefined,
    getActiveDataSource: () => [active],
    getDataSources: (name: string) => (named[name] ? [named[name]] : undefined),
  };
}

describe('storeTarget', () => {
  const dicomweb = source({ wadoRoot: 'http://h/dicom-web', supportsStow: true });
  it('stores on a DICOMweb source with supportsStow, or with a wadoRoot when supportsStow is unset', () => {
    expect(storeTarget(manager(dicomweb), undefined)).toEqual({ dataSource: dicomweb, canStore: true });
    expect(storeTarget(manager(source({ wadoRoot: 'http://h/dw' })), undefined).canStore).toBe(true);
  });
  it('downloads where the source cannot store: supportsStow false, dicomjson (no wadoRoot), no store.dicom', () => {
    expect(storeTarget(manager(source({ wadoRoot: 'http://h/dw', supportsStow: false })), undefined).canStore).toBe(
      false,
    );
    expect(storeTarget(manager(source({ name: 'json' })), undefined).canStore).toBe(false);
    expect(storeTarget(manager(source({ supportsStow: true }, false)), undefined).canStore).toBe(false);
  });
  it('uses the configured storeDataSource over the active one, and names a missing one', () => {
    const json = source({ name: 'json' });
    expect(storeTarget(manager(json, { orthanc: dicomweb }), 'orthanc')).toEqual({
      dataSource: dicomweb,
      canStore: true,
    });
    expect(() => storeTarget(manager(json), 'pacs2')).toThrow('No data source named "pacs2" is configured');
  });
});

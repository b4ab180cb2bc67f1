// The viewer's engine glue: which backend fallbacks earn the radiologist a notice. A WebGL that could not start does
// (the run fell back to WASM); a WebGL left untried because it is a software rasterizer does not (WASM is faster
// there, so nothing was lost). (< 1 s)
import { fallbackNotices } from '../../src/extension/engine';

jest.mock('@cornerstonejs/core', () => ({ metaData: { addProvider: jest.fn(), get: jest.fn() } }), { virtual: true });

describe('fallbackNotices', () => {
  it('tells of a WebGL that failed, not of a software one left untried', () => {
    const failed = fallbackNotices({
      backend: 'wasm',
      tried: [
        { name: 'webgl', ok: false, reason: 'webgl failed to initialise' },
        { name: 'wasm', ok: true, gflops: 18 },
      ],
    });
    expect(failed).toEqual(['WebGL is not available (webgl failed to initialise); running on WASM instead.']);
    const software = fallbackNotices({
      backend: 'wasm',
      tried: [
        { name: 'webgpu', ok: false, reason: 'webgpu failed to initialise' },
        { name: 'webgl', ok: false, software: 'SwiftShader', reason: 'software renderer (SwiftShader): not tried' },
        { name: 'wasm', ok: true, gflops: 18 },
      ],
    });
    expect(software).toEqual([]);
  });
});

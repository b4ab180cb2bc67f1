// The extension's OHIF service: registered the way OHIF registers services, it holds the options, the run lock, the
// owned worker pools and the bounded records; the test hook exists only when configured and holds no voxels.
import { NaDenoiseService, naDenoiseService, owned } from '../../src/extension/naDenoiseService';
import { createRunLock } from '../../src/extension/runLock';
import { installDebugHook, type NaDebugHook } from '../../src/extension/debugHook';
import type { ServicesManager } from '../../src/extension/ohif';

jest.mock('@cornerstonejs/core', () => ({ metaData: { addProvider: jest.fn(), get: jest.fn() } }), { virtual: true });

/** OHIF's ServicesManager.registerService in miniature: create() with the configuration, first name wins. */
function servicesManager(): ServicesManager {
  const sm = {
    services: {} as Record<string, unknown>,
    registerService(reg: { name: string; altName?: string; create: (a: object) => unknown }, configuration = {}) {
      if (sm.services[reg.name]) return;
      sm.services[reg.name] = reg.create({ configuration, servicesManager: sm });
      if (reg.altName) sm.services[reg.altName] = sm.services[reg.name];
    },
  };
  return sm as unknown as ServicesManager;
}

const hookOf = () => (globalThis as { __naDenoise?: NaDebugHook }).__naDenoise;

afterEach(() => delete (globalThis as { __naDenoise?: unknown }).__naDenoise);

describe('NaDenoiseService', () => {
  it('is registered through its REGISTRATION with window.config.naDenoise as configuration', () => {
    const sm = servicesManager();
    sm.registerService(NaDenoiseService.REGISTRATION, { weightsUrl: 'http://pacs.example/w/da', maxVoxels: 1000 });
    const s = naDenoiseService(sm);
    expect(s).toBeInstanceOf(NaDenoiseService);
    expect(s.options.weightsUrl).toBe('http://pacs.example/w/da/');
    expect(s.options.maxVoxels).toBe(1000);
    expect((sm.services as unknown as Record<string, unknown>).NaDenoiseService).toBe(s);
    expect(() => naDenoiseService(servicesManager())).toThrow(/naDenoiseService is not registered/);
  });

  it('two services (two app instances) share no state', () => {
    const a = new NaDenoiseService(NaDenoiseService.REGISTRATION.create({}).options);
    const b = NaDenoiseService.REGISTRATION.create({});
    a.results.set('x', {} as never);
    a.referenceSets.set('s', 'r');
    expect(a.runLock.tryAcquire('DA')).toBeDefined();
    expect(b.results.size + b.referenceSets.size).toBe(0);
    expect(b.runLock.busy).toBe(false);
    expect(a.pools.nlm).not.toBe(b.pools.nlm);
  });

  it('keeps the newest 20 error messages only', () => {
    const s = NaDenoiseService.REGISTRATION.create({});
    for (let i = 0; i < 50; i++) s.recordError(`e${i}`);
    expect(s.errors).toHaveLength(20);
    expect(s.errors[0]).toBe('e30');
    expect(s.errors[19]).toBe('e49');
  });
});

describe('run lock', () => {
  it('admits one run; a stale release does not free a later holder', () => {
    const lock = createRunLock();
    const first = lock.tryAcquire('DA')!;
    expect(lock.tryAcquire('NLM')).toBeUndefined();
    expect(lock.holder).toBe('DA');
    first();
    const second = lock.tryAcquire('NLM')!;
    first(); // stale
    expect(lock.busy).toBe(true);
    second();
    expect(lock.busy).toBe(false);
  });
});

describe('owned', () => {
  it('creates on first use, disposes what it made, and makes a new one afterwards', async () => {
    const made: number[] = [];
    const freed: number[] = [];
    const slot = owned(
      () => (made.push(made.length), made.length),
      (v) => void freed.push(v),
    );
    expect(slot.peek()).toBeUndefined();
    expect(slot.get()).toBe(1);
    expect(slot.get()).toBe(1);
    await slot.dispose();
    expect(freed).toEqual([1]);
    expect(slot.get()).toBe(2);
    await owned(() => 0).dispose(); // never created: nothing to free
  });
});

describe('test hook', () => {
  const readers = {
    readSeries: async () => [],
    readVolume: async () => ({
      dims: [1, 1, 1] as [number, number, number],
      data: new Float32Array(1),
      from: 'cache' as const,
    }),
    denoise: async () => ({ data: new Float32Array(0), backend: 'cpu', millis: 0 }),
    tensorMemory: () => ({ numTensors: 0, numBytes: 0 }),
  };

  it('is absent unless the deployment sets debugHook', () => {
    installDebugHook(NaDenoiseService.REGISTRATION.create({}), readers);
    expect(hookOf()).toBeUndefined();
  });

  it('reads the service live: the last run only, no voxel arrays, busy from the run lock, read-only', () => {
    const s = NaDenoiseService.REGISTRATION.create({ configuration: { debugHook: true } });
    installDebugHook(s, readers);
    const hook = hookOf()!;
    expect(hook.runCount).toBe(0);
    const run = (n: number) => ({
      method: 'DA',
      backend: 'wasm',
      millis: n,
      dims: [4, 4, 4] as [number, number, number],
      metrics: { psnr: n },
      displaySetInstanceUID: `d${n}`,
      sourceDisplaySetInstanceUID: 's',
      seriesInstanceUID: '1.2',
      seriesNumber: 4,
      parameters: {},
      selectedSeriesInstanceUID: '1.1',
    });
    s.recordRun(run(1));
    s.recordRun(run(2));
    expect(hook.runCount).toBe(2);
    expect(hook.lastRun).toMatchObject({ millis: 2, displaySetInstanceUID: 'd2' });
    const values = Object.values(hook.lastRun!).filter((v) => ArrayBuffer.isView(v));
    expect(values).toEqual([]);
    const release = s.runLock.tryAcquire('NLM')!;
    expect(hook.busy).toBe(true);
    release();
    expect(hook.busy).toBe(false);
    s.recordSave('d2', '1.2');
    expect(hook.saveCount).toBe(1);
    expect(hook.lastRun!.savedSeriesInstanceUID).toBe('1.2');
    expect(() => ((hook as { busy: boolean }).busy = true)).toThrow(TypeError);
  });
});

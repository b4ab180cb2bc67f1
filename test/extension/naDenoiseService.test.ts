// The extension's OHIF service: registered the way OHIF registers services, it holds the options, the run lock, the
// owned worker pools and the bounded records; the test hook exists only when configured and holds no voxels.
import { NaDenoiseService, naDenoiseService, owned, type PlacedTube } from '../../src/extension/naDenoiseService';
import { nextConcentration, placementSeries } from '../../src/extension/tubePlacement';
import { createRunLock } from '../../src/extension/runLock';
import { installDebugHook, type NaDebugHook } from '../../src/extension/debugHook';
import type { ServicesManager } from '../../src/extension/ohif';

jest.mock('@cornerstonejs/core', () => ({ metaData: { addProvider: jest.fn(), get: jest.fn() } }), { virtual: true });
jest.mock('@cornerstonejs/tools', () => ({}), { virtual: true });

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

describe('change events (the Sodium panel re-renders on them instead of polling)', () => {
  const tube = (id: string, mM: number, series = 'ds-1'): PlacedTube => ({
    id,
    positionMm: [id.length, 0, 0],
    voxel: [1, 2, 3],
    concentrationMM: mM,
    seriesDisplaySetInstanceUID: series,
    seriesName: 'Na',
  });

  it('publishes CHANGED for results, runs, saves, maps, ROIs, tubes and mode exit; unsubscribed callbacks hear nothing', () => {
    const s = NaDenoiseService.REGISTRATION.create({});
    const heard: string[] = [];
    const sub = s.subscribe(s.EVENTS.CHANGED, (p) => heard.push((p as { what: string }).what));
    const other: unknown[] = [];
    const sub2 = s.subscribe(s.EVENTS.CHANGED, (p) => other.push(p));
    expect(s.listenerCount(s.EVENTS.CHANGED)).toBe(2);
    s.results.set('d1', {} as never);
    s.results.delete('nothing');
    s.results.delete('d1');
    s.recordRun({ displaySetInstanceUID: 'd1' } as never);
    s.recordSave('d1', '1.2');
    s.lastQuant = { kind: 'residual', text: 'r' } as never;
    s.lastRoi = { text: 'ROI' } as never;
    s.placeTube(tube('a', 50));
    s.setTubeConcentration('a', 60);
    s.removeTube('a');
    s.removeTube('a');
    s.setPlacingTubes(true);
    s.refuseTube('Tube not placed: in air');
    sub2.unsubscribe();
    s.onModeExit();
    expect(heard).toEqual([
      'results',
      'results',
      'lastRun',
      'save',
      'lastQuant',
      'lastRoi',
      'placedTubes',
      'placedTubes',
      'placedTubes',
      'placingTubes',
      'tubeMessage',
      'lastQuant',
      'lastRoi',
      'placingTubes',
      'modeExit',
    ]);
    expect(other).toHaveLength(11);
    sub.unsubscribe();
    expect(s.listenerCount(s.EVENTS.CHANGED)).toBe(0);
    s.lastQuant = undefined;
    expect(heard).toHaveLength(15);
    expect(() => s.subscribe('event::nope', () => undefined)).toThrow(/no event "event::nope"/);
  });

  it('a failing subscriber does not keep the others from the event', () => {
    const s = NaDenoiseService.REGISTRATION.create({});
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    let heard = 0;
    s.subscribe(s.EVENTS.CHANGED, () => {
      throw new Error('boom');
    });
    s.subscribe(s.EVENTS.CHANGED, () => heard++);
    s.lastRoi = undefined;
    expect(heard).toBe(1);
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });

  it('keeps placed tubes per series: moved markers replace, concentrations checked, copies handed out', () => {
    const s = NaDenoiseService.REGISTRATION.create({ configuration: { tubeConcentrationsMM: [20, 60, 120] } });
    s.placeTube(tube('a', 20));
    s.placeTube(tube('b', 60, 'ds-2'));
    s.placeTube({ ...tube('a', 20), positionMm: [9, 9, 9] });
    expect(s.placedTubes.map((t) => t.id)).toEqual(['a', 'b']);
    expect(s.placedTubesFor('ds-1')).toEqual([{ ...tube('a', 20), positionMm: [9, 9, 9] }]);
    s.placedTubesFor('ds-1')[0].concentrationMM = 999;
    expect(() => ((s.placedTubes[0] as { concentrationMM: number }).concentrationMM = 1)).toThrow(TypeError);
    expect(s.placedTubes[0].concentrationMM).toBe(20);
    expect(() => s.setTubeConcentration('a', -1)).toThrow('a tube concentration must be a number ≥ 0 mM, got -1');
    expect(() => s.setTubeConcentration('a', NaN)).toThrow('got NaN');
    expect(() => s.setTubeConcentration('zz', 5)).toThrow('no placed tube zz');
    expect(() => s.placeTube(tube('c', Infinity))).toThrow('got Infinity');
    // The next click gets the first configured concentration no tube of its series has yet, then the last one.
    expect(nextConcentration(s.options.tubeConcentrationsMM, s.placedTubesFor('ds-1'))).toBe(60);
    expect(nextConcentration(undefined, [])).toBe(50);
    expect(nextConcentration([50, 100], [tube('x', 50), tube('y', 100)])).toBe(100);
    s.setPlacingTubes(true);
    s.placementInputs.set('ds-1', Promise.resolve({} as never));
    s.setPlacingTubes(false);
    expect(s.placementInputs.size).toBe(0);
  });

  it('places a click on a derived series on its source, and refuses a non-sodium one with its reason', () => {
    const original = { displaySetInstanceUID: 'o', instances: [] } as never;
    const sm = {
      services: { displaySetService: { getDisplaySetByUID: (uid: string) => (uid === 'o' ? original : undefined) } },
    } as unknown as ServicesManager;
    expect(placementSeries(sm, { displaySetInstanceUID: 'm', naSourceDisplaySetInstanceUID: 'o' } as never)).toEqual({
      series: original,
    });
    expect(placementSeries(sm, { naSourceDisplaySetInstanceUID: 'gone', SeriesDescription: 'Na mM' } as never)).toEqual(
      { reason: expect.stringMatching(/source series of .* is no longer in the viewer/) },
    );
    expect(placementSeries(sm, undefined)).toEqual({ reason: 'click on a viewport showing a sodium series' });
    expect(placementSeries(sm, { displaySetInstanceUID: 'ct', Modality: 'CT', instances: [] } as never)).toHaveProperty(
      'reason',
    );
  });
});

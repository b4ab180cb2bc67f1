// The Denoise Na mode's read of the shown series ahead of the first click, up to the read itself (which needs
// Cornerstone: the viewer e2e test covers it): off when configured off; reads nothing while no sodium series is shown
// or while a run holds the lock; then starts the read (before the viewport has drawn the series), once per series;
// stops (and unsubscribes) on the mode's exit.
// OHIF's services are small fakes with OHIF's subscribe shape. (< 1 s)
import { NaDenoiseService } from '../../src/extension/naDenoiseService';
import { watchShownInput } from '../../src/extension/inputPrefetch';
import type { DisplaySet, ExtensionParams } from '../../src/extension/ohif';
import { newUid } from '../../src/io/dicom';
import { readOptions } from '../../src/extension/options';
import { displaySetFromDicom, rampVolume } from './helpers';

jest.mock('@cornerstonejs/core', () => ({ metaData: { addProvider: jest.fn(), get: jest.fn() } }), { virtual: true });
jest.mock('@cornerstonejs/tools', () => ({}), { virtual: true });

const shownSet = displaySetFromDicom(rampVolume(), {
  studyInstanceUID: newUid(),
  seriesNumber: 1,
  seriesDescription: '23Na acq 1',
});
const sodium: DisplaySet = { ...shownSet, imageIds: shownSet.instances.map((_, k) => `wadors:acq1/${k}`) };

/** OHIF's display-set, viewport-grid and Cornerstone viewport services in miniature, counting subscriptions. */
function fakeViewer(shown: DisplaySet | undefined) {
  const listeners = new Set<() => void>();
  const subscribe = (_event: string, cb: () => void) => {
    listeners.add(cb);
    return { unsubscribe: () => void listeners.delete(cb) };
  };
  const viewer = {
    status: 'loading', // the viewport never draws here: the read does not wait for it
    listeners,
    fire: () => listeners.forEach((cb) => cb()),
    params: {
      servicesManager: {
        services: {
          displaySetService: {
            EVENTS: { DISPLAY_SETS_ADDED: 'added', DISPLAY_SETS_CHANGED: 'changed' },
            getActiveDisplaySets: () => (shown ? [shown] : []),
            getDisplaySetByUID: (uid: string) => (uid === shown?.displaySetInstanceUID ? shown : undefined),
            subscribe,
          },
          viewportGridService: {
            EVENTS: { ACTIVE_VIEWPORT_ID_CHANGED: 'active', GRID_STATE_CHANGED: 'grid' },
            getActiveViewportId: () => 'vp-1',
            getDisplaySetsUIDsForViewport: () => (shown ? [shown.displaySetInstanceUID] : []),
            subscribe,
          },
          cornerstoneViewportService: { getCornerstoneViewport: () => ({ viewportStatus: viewer.status }) },
        },
      },
      extensionManager: { getActiveDataSource: () => [] },
      commandsManager: { runCommand: () => undefined },
    } as unknown as ExtensionParams,
  };
  return viewer;
}

/** Long enough for the look after an event (a timer in Node, which has no requestIdleCallback) and a failed read. */
const settle = () => new Promise((r) => setTimeout(r, 250));

describe('watchShownInput', () => {
  it('does nothing and subscribes to nothing when naDenoise.prefetch is false', () => {
    const service = new NaDenoiseService(readOptions({ prefetch: false }));
    const viewer = fakeViewer(sodium);
    service.stopPrefetch = watchShownInput(viewer.params, service);
    expect(service.prefetch).toEqual({ state: 'off' });
    expect(viewer.listeners.size).toBe(0);
  });

  it('reads nothing before a sodium series is shown, nor while a run holds the lock; stops on mode exit', async () => {
    const none = fakeViewer(undefined);
    const idle = new NaDenoiseService(readOptions({}));
    idle.stopPrefetch = watchShownInput(none.params, idle);
    none.fire();
    await settle();
    expect(idle.prefetch).toEqual({ state: 'waiting' });
    expect(idle.inputs.loads).toBe(0);
    idle.onModeExit();
    expect(none.listeners.size).toBe(0);

    const service = new NaDenoiseService(readOptions({}));
    const viewer = fakeViewer(sodium);
    const release = service.runLock.tryAcquire('DA')!;
    service.stopPrefetch = watchShownInput(viewer.params, service);
    // Every display-set and viewport-grid event looks again.
    expect(viewer.listeners.size).toBe(4);
    viewer.fire();
    await settle();
    expect(service.prefetch).toEqual({ state: 'waiting' }); // a run reads its own input
    expect(service.inputs.loads).toBe(0);
    release();
    // Shown (drawn or not: the read does not wait for the drawing), no run: the read starts (here it fails: Cornerstone is a stub; the viewer e2e test reads for real).
    viewer.fire();
    await settle();
    expect(service.inputs.loads).toBe(1);
    expect(service.prefetch).toMatchObject({ state: 'failed', displaySetInstanceUID: sodium.displaySetInstanceUID });
    // A failed series is not read again on every event (the click reads it and says why).
    viewer.fire();
    await settle();
    expect(service.inputs.loads).toBe(1);
    service.onModeExit();
    expect(viewer.listeners.size).toBe(0);
    expect(service.prefetch).toBeUndefined();
    viewer.fire();
    await settle();
    expect(service.inputs.loads).toBe(1);
  });
});

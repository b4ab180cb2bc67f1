// The service's kept run inputs: one read per series and key, shared while loading, dropped when the series' images,
// its repeats or its Cornerstone volume change, when OHIF removes or invalidates one of its display sets, and beyond
// the limit (least recently used first); a failed or cancelled read keeps nothing. (< 1 s)
import { createInputCache, inputKey, watchInputs } from '../../src/extension/inputCache';
import type { DisplaySet, ServicesManager } from '../../src/extension/ohif';

const ds = (uid: string, images = 3): DisplaySet =>
  ({ displaySetInstanceUID: uid, imageIds: Array.from({ length: images }, (_, k) => `wadors:${uid}/${k}`) }) as never;
const ids = (d: DisplaySet) => d.imageIds as string[];

/** Counts loads; each resolves to a fresh object named after its call. */
function loader() {
  let calls = 0;
  return {
    load: (name: string) => async () => ({ name, call: ++calls }),
    get calls() {
      return calls;
    },
  };
}

describe('createInputCache', () => {
  it('reads a series once per key; another image list, other repeats or a stale volume read again', async () => {
    const cache = createInputCache<{ name: string; call: number }>();
    const l = loader();
    const key = inputKey([ds('a'), ds('r1'), ds('r2')], ids);
    expect(key.displaySets).toEqual(['a', 'r1', 'r2']);
    const first = await cache.get(key, l.load('a'));
    expect(await cache.get(inputKey([ds('a'), ds('r1'), ds('r2')], ids), l.load('a'))).toBe(first);
    expect(l.calls).toBe(1);
    // One more image in the source, or a repeat less: not the same read.
    expect((await cache.get(inputKey([ds('a', 4), ds('r1'), ds('r2')], ids), l.load('a'))).call).toBe(2);
    expect((await cache.get(inputKey([ds('a', 4), ds('r1')], ids), l.load('a'))).call).toBe(3);
    // The entry fails its check (the source's Cornerstone volume was evicted and re-created): read again.
    const again = await cache.get(inputKey([ds('a', 4), ds('r1')], ids), l.load('a'), () => false);
    expect(again.call).toBe(4);
    expect(cache.size).toBe(1);
  });

  it('shares a read in progress, keeps nothing of a failed or cancelled one', async () => {
    const cache = createInputCache<number>();
    let resolve!: (v: number) => void;
    let loads = 0;
    const slow = () => {
      loads++;
      return new Promise<number>((r) => (resolve = r));
    };
    const key = inputKey([ds('a')], ids);
    const p1 = cache.get(key, slow);
    const p2 = cache.get(key, slow);
    expect(cache.has(key)).toBe(false); // still loading
    resolve(7);
    expect(await Promise.all([p1, p2])).toEqual([7, 7]);
    expect(loads).toBe(1);
    expect(cache.has(key)).toBe(true);
    expect([cache.loads, cache.hits]).toEqual([1, 1]);

    const other = inputKey([ds('b')], ids);
    await expect(cache.get(other, () => Promise.reject(new DOMException('Cancelled', 'AbortError')))).rejects.toThrow(
      'Cancelled',
    );
    expect(cache.has(other)).toBe(false);
    expect(await cache.get(other, async () => 8)).toBe(8);
    expect([cache.loads, cache.hits]).toEqual([3, 1]);
  });

  it('keeps the most recently used series up to its limit', async () => {
    const cache = createInputCache<{ name: string; call: number }>(2);
    const l = loader();
    const get = async (uid: string) => (await cache.get(inputKey([ds(uid)], ids), l.load(uid))).call;
    expect([await get('a'), await get('b'), await get('a'), await get('c')]).toEqual([1, 2, 1, 3]);
    expect(cache.size).toBe(2);
    expect(await get('a')).toBe(1); // used after b: kept
    expect(await get('b')).toBe(4); // the least recent: dropped
  });
});

describe('watchInputs', () => {
  it('forgets the reads of a removed or invalidated display set (source or repeat), and stops on unsubscribe', async () => {
    const listeners = new Map<string, Set<(arg: unknown) => void>>();
    const EVENTS = {
      DISPLAY_SETS_REMOVED: 'event::displaySetService:displaySetsRemoved',
      DISPLAY_SET_SERIES_METADATA_INVALIDATED: 'event::displaySetService:displaySetSeriesMetadataInvalidated',
    };
    const displaySetService = {
      EVENTS,
      subscribe(event: string, cb: (arg: unknown) => void) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(cb);
        return { unsubscribe: () => listeners.get(event)!.delete(cb) };
      },
    };
    const emit = (event: string, arg: unknown) => listeners.get(event)?.forEach((cb) => cb(arg));
    const cache = createInputCache<number>(3);
    const stop = watchInputs(cache, { services: { displaySetService } } as unknown as ServicesManager);
    let n = 0;
    const get = (uids: string[]) =>
      cache.get(
        inputKey(
          uids.map((u) => ds(u)),
          ids,
        ),
        async () => ++n,
      );
    await get(['a', 'r']);
    await get(['b']);
    await get(['c']);
    emit(EVENTS.DISPLAY_SETS_REMOVED, { displaySetInstanceUIDs: ['r'] }); // a repeat of a's read
    expect(cache.size).toBe(2);
    emit(EVENTS.DISPLAY_SET_SERIES_METADATA_INVALIDATED, { displaySetInstanceUID: 'b', invalidateData: true });
    expect(cache.size).toBe(1);
    expect(await get(['c'])).toBe(3);
    stop();
    emit(EVENTS.DISPLAY_SETS_REMOVED, { displaySetInstanceUIDs: ['c'] });
    expect(cache.size).toBe(1);
    expect([...listeners.values()].every((s) => s.size === 0)).toBe(true);
  });
});

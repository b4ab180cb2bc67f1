// A run's input (the source series and its repeats read in full precision, and their mean) kept per source series, so
// a second click on the same series (the other method, a repeat, adapted weights) does not read and decode every
// slice again (2–3 s at 64³ on a loaded 2-core machine). The service owns one; entries go when OHIF removes or
// invalidates one of their display sets, when the series' images or its repeats change (the key), and on mode exit.
import type { DisplaySet, ServicesManager } from './ohif';

/** What identifies a read: the display sets read and their images, in order (source first, then the repeats). */
export interface InputKey {
  /** The source's display set first. */
  displaySets: string[];
  key: string;
}

export function inputKey(series: readonly DisplaySet[], imageIdsOf: (ds: DisplaySet) => readonly string[]): InputKey {
  return {
    displaySets: series.map((ds) => ds.displaySetInstanceUID),
    key: JSON.stringify(series.map((ds) => [ds.displaySetInstanceUID, ...imageIdsOf(ds)])),
  };
}

interface Entry<T> {
  key: string;
  displaySets: readonly string[];
  value: Promise<T>;
  settled?: T;
}

/** The kept inputs, by source display set; at most `limit` (the most recently used), each a promise while it loads. */
export interface InputCache<T> {
  /**
   * The entry read under `key` (for its source display set) when `valid(entry)` holds; else `load()`'s, kept once it
   * resolves (a failed or cancelled load keeps nothing). A load in progress is shared.
   */
  get(key: InputKey, load: () => Promise<T>, valid?: (entry: T) => boolean): Promise<T>;
  /** Drops every entry that read one of these display sets. */
  forget(displaySetInstanceUIDs: readonly string[]): void;
  clear(): void;
  readonly size: number;
  /** Loads started and entries found kept (or being read), since the page opened (tests, the bench, support). */
  readonly loads: number;
  readonly hits: number;
  /** Whether the entry under `key` has been read and is kept (not still loading). */
  has(key: InputKey): boolean;
}

/**
 * `limit`: series kept (default 1, the one being worked on: at 128³ an entry holds four Float32 volumes, 32 MB, and
 * its analysis, about 25 MB).
 * @example const input = await cache.get(inputKey([source, ...repeats], imageIdsOf), () => readAll(source, repeats))
 */
export function createInputCache<T>(limit = 1): InputCache<T> {
  // By source display set; insertion order is use order (a hit moves to the end), so the first is the least recent.
  const entries = new Map<string, Entry<T>>();
  let loads = 0;
  let hits = 0;
  return {
    async get({ key, displaySets }, load, valid) {
      const source = displaySets[0];
      const kept = entries.get(source);
      if (kept && kept.key === key && (kept.settled === undefined || !valid || valid(kept.settled))) {
        entries.delete(source);
        entries.set(source, kept);
        hits++;
        return kept.value;
      }
      entries.delete(source);
      loads++;
      const entry: Entry<T> = { key, displaySets, value: load() };
      entries.set(source, entry);
      while (entries.size > limit) entries.delete(entries.keys().next().value as string);
      try {
        entry.settled = await entry.value;
        return entry.settled;
      } catch (e) {
        if (entries.get(source) === entry) entries.delete(source);
        throw e;
      }
    },
    forget(uids) {
      for (const [source, entry] of entries)
        if (uids.some((uid) => entry.displaySets.includes(uid))) entries.delete(source);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
    get loads() {
      return loads;
    },
    get hits() {
      return hits;
    },
    has({ key, displaySets }) {
      const kept = entries.get(displaySets[0]);
      return !!kept && kept.key === key && kept.settled !== undefined;
    },
  };
}

/**
 * Forgets kept inputs whose display sets OHIF removes or marks invalid (their data may change); returns the
 * unsubscribe.
 * @example service.stopInputWatch = watchInputs(service.inputs, servicesManager)
 */
export function watchInputs(cache: InputCache<unknown>, servicesManager: ServicesManager): () => void {
  const { displaySetService } = servicesManager.services;
  const subs = [
    displaySetService.subscribe(
      displaySetService.EVENTS.DISPLAY_SETS_REMOVED ?? 'event::displaySetService:displaySetsRemoved',
      (arg) => cache.forget((arg as { displaySetInstanceUIDs?: string[] })?.displaySetInstanceUIDs ?? []),
    ),
    displaySetService.subscribe(
      displaySetService.EVENTS.DISPLAY_SET_SERIES_METADATA_INVALIDATED ??
        'event::displaySetService:displaySetSeriesMetadataInvalidated',
      (arg) => {
        const uid = (arg as { displaySetInstanceUID?: string })?.displaySetInstanceUID;
        if (uid) cache.forget([uid]);
      },
    ),
  ];
  return () => subs.forEach((s) => s.unsubscribe());
}

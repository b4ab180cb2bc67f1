// One run at a time: denoising and adaptation read the same volumes, fill the same worker pools and replace the same
// display sets, so a second click while a run is in progress is refused with a message rather than queued.

/** Releases the lock (idempotent). */
export type RunRelease = () => void;

export interface RunLock {
  /** True while a run holds the lock. */
  readonly busy: boolean;
  /** What holds it ('DA', 'NLM', 'adapt'), for messages. */
  readonly holder: string | undefined;
  /** Takes the lock for `what`; undefined when another run holds it. */
  tryAcquire(what: string): RunRelease | undefined;
}

/**
 * A fresh, free lock (the service owns the page's one).
 * @example const release = lock.tryAcquire('DA'); if (!release) return; try { … } finally { release(); }
 */
export function createRunLock(): RunLock {
  let holder: string | undefined;
  let token = 0;
  return {
    get busy() {
      return holder !== undefined;
    },
    get holder() {
      return holder;
    },
    tryAcquire(what) {
      if (holder !== undefined) return undefined;
      holder = what;
      const mine = ++token;
      return () => {
        // A stale release (after a later acquire) must not free someone else's hold.
        if (token === mine) holder = undefined;
      };
    },
  };
}

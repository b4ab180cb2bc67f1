// One way for long computations to let pending events run between chunks (progress, Cancel, signals).

/**
 * Resolves after the event loop has run once. Node: setImmediate (after pending I/O and signals). Browsers: a
 * MessageChannel message, which background tabs do not throttle the way they clamp setTimeout to ≥ 1 s.
 * @example for (const chunk of chunks) { work(chunk); await yieldToEventLoop(); signal?.throwIfAborted(); }
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

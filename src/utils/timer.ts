/** Elapsed-time measurement and an abortable sleep. */

/** Starts a clock; the returned function gives the milliseconds (fractional) since the start. */
export function startTimer(now: () => number = () => performance.now()): () => number {
  const start = now();
  return () => now() - start;
}

/** Resolves after `ms`; rejects with `signal.reason` as soon as the signal aborts, clearing the timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waiting, on behalf of one caller, for work that many callers share (one /api/tags refresh, one
 * /api/show). The caller's abort ends its own wait, with the signal's reason as fetch does, and
 * leaves the work to the others. When the work settles, the waiters are resumed a few per turn of
 * the event loop (spread-over-turns.ts): a thousand requests parked on one refresh would otherwise
 * all continue inside a single microtask run, each opening its upstream stream, and hold the loop
 * (and /health, and every open stream) for their combined time, which measured 0.8 s for 1,000
 * streams.
 */
import { spreadOverTurns } from '../utils/spread-over-turns.js';

export function waitShared<T>(shared: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onAbort = (): void => {
      done = true;
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (finish: () => void): void => {
      signal?.removeEventListener('abort', onAbort);
      spreadOverTurns(() => {
        if (!done) finish();
      });
    };
    shared.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error as Error)),
    );
  });
}

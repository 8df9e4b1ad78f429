/**
 * A limit on pipeline runs in flight: a run takes a slot or waits in a bounded FIFO queue; when
 * the queue is full the answer is 429 with Retry-After, so a client backs off instead of piling
 * more work on a laptop's models. A waiting client that goes away leaves the queue at once.
 */
import { RlmError } from '../../utils/errors.js';

export class RunQueueFullError extends RlmError {
  constructor(running: number, queued: number, retryAfterSeconds: number) {
    super(`The server is busy: ${running} pipeline runs are in flight and ${queued} are waiting. Retry in about ${retryAfterSeconds} s.`, {
      status: 429,
      type: 'rate_limit_error',
      code: 'run_queue_full',
      retryable: true,
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

export interface RunLimiter {
  /** Resolves with a release function once a slot is free; rejects if the queue is full or the signal aborts. */
  acquire(signal: AbortSignal): Promise<() => void>;
  readonly running: number;
  readonly queued: number;
  /** Throws the 429 now if a run asking for a slot would be turned away (checked before answering starts). */
  assertRoom(): void;
}

export function createRunLimiter(options: { maxConcurrent: number; maxQueued: number; retryAfterSeconds?: number }): RunLimiter {
  let running = 0;
  const waiting: { grant: () => void }[] = [];

  const release = (): void => {
    const next = waiting.shift();
    if (next) next.grant();
    else running--;
  };
  const releaseOnce = (): (() => void) => {
    let released = false;
    return () => {
      if (!released) {
        released = true;
        release();
      }
    };
  };

  return {
    get running() {
      return running;
    },
    get queued() {
      return waiting.length;
    },
    assertRoom() {
      if (running >= options.maxConcurrent && waiting.length >= options.maxQueued) {
        throw new RunQueueFullError(running, waiting.length, options.retryAfterSeconds ?? 10);
      }
    },
    acquire(signal) {
      signal.throwIfAborted();
      if (running < options.maxConcurrent) {
        running++;
        return Promise.resolve(releaseOnce());
      }
      if (waiting.length >= options.maxQueued) {
        return Promise.reject(new RunQueueFullError(running, waiting.length, options.retryAfterSeconds ?? 10));
      }
      return new Promise<() => void>((resolve, reject) => {
        // The slot passes straight from the releasing run to this one: `running` is unchanged.
        const entry = {
          grant: () => {
            signal.removeEventListener('abort', onAbort);
            resolve(releaseOnce());
          },
        };
        const onAbort = (): void => {
          const index = waiting.indexOf(entry);
          if (index >= 0) waiting.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.push(entry);
      });
    },
  };
}

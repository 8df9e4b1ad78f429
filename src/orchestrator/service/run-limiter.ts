/**
 * A limit on pipeline runs in flight: a run takes a slot or waits in a bounded FIFO queue; when
 * the queue is full the answer is 429 with Retry-After, so a client backs off instead of piling
 * more work on a laptop's models. A waiting client that goes away leaves the queue at once.
 *
 * The place is taken by `reserve()`, synchronously, before any answer is sent: checking for room
 * and taking it are one step, so of a hundred requests arriving together exactly as many are
 * admitted as there are slots and queue places, and every other one gets its 429 while a real
 * status can still be sent.
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

/** A place taken for one run: a slot already, or a place in the queue. Exactly one of start or cancel gives it back. */
export interface RunReservation {
  /**
   * Resolves with the release function once the run holds a slot (at once if it already does);
   * rejects with the signal's reason if the signal aborts first, giving the place back.
   */
  start(signal: AbortSignal): Promise<() => void>;
  /** Gives the place back without running (its slot, if it had one, passes to the next in the queue). */
  cancel(): void;
}

export interface RunLimiter {
  /** Takes a place now or throws RunQueueFullError (the 429). */
  reserve(): RunReservation;
  /** Slots held, by runs executing or about to. */
  readonly running: number;
  /** Places taken in the queue. */
  readonly queued: number;
}

interface QueueEntry {
  granted: boolean;
  onGrant?: () => void;
}

export function createRunLimiter(options: { maxConcurrent: number; maxQueued: number; retryAfterSeconds?: number }): RunLimiter {
  let running = 0;
  const waiting: QueueEntry[] = [];

  // A slot passes straight from the releasing run to the first in the queue: `running` is unchanged.
  const releaseSlot = (): void => {
    const next = waiting.shift();
    if (next === undefined) {
      running--;
      return;
    }
    next.granted = true;
    next.onGrant?.();
  };

  const reservationFor = (entry: QueueEntry): RunReservation => {
    let returned = false;
    let started = false;
    const giveBack = (): void => {
      if (returned) return;
      returned = true;
      if (entry.granted) releaseSlot();
      else waiting.splice(waiting.indexOf(entry), 1);
    };
    return {
      cancel: giveBack,
      start(signal) {
        if (returned || started) return Promise.reject(new Error('This run reservation was already used.'));
        started = true;
        return new Promise<() => void>((resolve, reject) => {
          const onAbort = (): void => {
            entry.onGrant = undefined;
            giveBack();
            reject(signal.reason);
          };
          if (signal.aborted) return onAbort();
          const grant = (): void => {
            signal.removeEventListener('abort', onAbort);
            resolve(giveBack);
          };
          if (entry.granted) return grant();
          entry.onGrant = grant;
          signal.addEventListener('abort', onAbort, { once: true });
        });
      },
    };
  };

  return {
    get running() {
      return running;
    },
    get queued() {
      return waiting.length;
    },
    reserve() {
      if (running < options.maxConcurrent) {
        running++;
        return reservationFor({ granted: true });
      }
      if (waiting.length >= options.maxQueued) throw new RunQueueFullError(running, waiting.length, options.retryAfterSeconds ?? 10);
      const entry: QueueEntry = { granted: false };
      waiting.push(entry);
      return reservationFor(entry);
    },
  };
}

/**
 * A limit on pipeline runs in flight: a run takes a slot or waits in a bounded FIFO queue; when
 * the queue is full the answer is 429 with Retry-After, so a client backs off instead of piling
 * more work on a laptop's models. A waiting client that goes away leaves the queue at once.
 *
 * The place is taken by `reserve()`, synchronously, before any answer is sent: checking for room
 * and taking it are one step, so of a hundred requests arriving together exactly as many are
 * admitted as there are slots and queue places, and every other one gets its 429 while a real
 * status can still be sent. The queue itself is src/utils/slot-queue.ts, shared with the backend pool.
 */
import { RlmError } from '../../utils/errors.js';
import { createSlotQueue } from '../../utils/slot-queue.js';

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

export function createRunLimiter(options: { maxConcurrent: number; maxQueued: number; retryAfterSeconds?: number }): RunLimiter {
  let running = 0;
  const queue = createSlotQueue<undefined>({ maxQueued: options.maxQueued });
  // A released slot goes straight to the first in the queue, if any: `running` ends unchanged.
  const releaseSlot = (): void => {
    running--;
    queue.wake();
  };

  return {
    get running() {
      return running;
    },
    get queued() {
      return queue.queued;
    },
    reserve() {
      let returned = false;
      let started = false;
      // What a granted place holds is the run's release function itself.
      const giveBack = (): void => {
        if (returned) return;
        returned = true;
        if (place.leave() !== undefined) releaseSlot();
      };
      const take = (): (() => void) | undefined => {
        if (running >= options.maxConcurrent) return undefined;
        running++;
        return giveBack;
      };
      const full = (): never => {
        throw new RunQueueFullError(running, queue.queued, options.retryAfterSeconds ?? 10);
      };
      const place = queue.enter(take, undefined) ?? full();
      return {
        cancel: giveBack,
        start(signal) {
          if (returned || started) return Promise.reject(new Error('This run reservation was already used.'));
          started = true;
          return place.wait(signal, giveBack);
        },
      };
    },
  };
}

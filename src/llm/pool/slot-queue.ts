/**
 * Waiting for a backend slot, with the run limiter's admission rules (run-limiter.ts): a slot is
 * taken at once when one is free, else a place in one bounded FIFO queue, else a 429 with
 * Retry-After, decided synchronously; a waiter whose signal aborts leaves the queue at once.
 *
 * Unlike the run limiter's single count, a waiter here may be served by any of its candidates,
 * so what "a free slot" means is the waiter's own `take` (which picks a backend and takes its slot
 * in one step, or answers undefined). Whenever a slot comes free, `wake()` offers it to the
 * waiters in arrival order; a waiter none of whose candidates has room lets the later ones pass.
 */
import { RlmError } from '../../utils/errors.js';

export class BackendQueueFullError extends RlmError {
  constructor(model: string, queued: number, retryAfterSeconds: number) {
    super(`Every backend serving '${model}' is at its concurrency limit and ${queued} requests are already waiting. Retry in about ${retryAfterSeconds} s.`, {
      status: 429,
      type: 'rate_limit_error',
      code: 'backend_queue_full',
      retryable: true,
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

interface Waiter {
  take: () => unknown;
  candidates: readonly unknown[];
  grant: (taken: unknown) => void;
}

export interface SlotQueue {
  /**
   * `take()`'s answer now, or once a `wake()` finds it one; rejects with the signal's reason when
   * it aborts first, or at once with BackendQueueFullError when the queue is full.
   */
  acquire<T>(take: () => T | undefined, candidates: readonly unknown[], model: string, signal?: AbortSignal): Promise<T>;
  /** Offers free slots to the waiters, first come first served. */
  wake(): void;
  /** Waiters in all. */
  readonly queued: number;
  /** Waiters that this candidate could serve. */
  queuedFor(candidate: unknown): number;
}

export function createSlotQueue(options: { maxQueued: number; retryAfterSeconds: number }): SlotQueue {
  const waiting: Waiter[] = [];
  let waking = false;

  return {
    acquire<T>(take: () => T | undefined, candidates: readonly unknown[], model: string, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      const now = take();
      if (now !== undefined) return Promise.resolve(now);
      if (waiting.length >= options.maxQueued) return Promise.reject(new BackendQueueFullError(model, waiting.length, options.retryAfterSeconds));
      return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => {
          const at = waiting.indexOf(waiter);
          if (at !== -1) waiting.splice(at, 1);
          reject(signal?.reason as Error);
        };
        const waiter: Waiter = {
          take,
          candidates,
          grant: (taken) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(taken as T);
          },
        };
        waiting.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    wake() {
      // A grant resolves a promise (its continuation runs later), so no re-entry; the flag is a guard all the same.
      if (waking) return;
      waking = true;
      try {
        for (let index = 0; index < waiting.length; ) {
          const waiter = waiting[index] as Waiter;
          const taken = waiter.take();
          if (taken === undefined) {
            index += 1;
            continue;
          }
          waiting.splice(index, 1);
          waiter.grant(taken);
        }
      } finally {
        waking = false;
      }
    },
    get queued() {
      return waiting.length;
    },
    queuedFor: (candidate) => waiting.filter((waiter) => waiter.candidates.includes(candidate)).length,
  };
}

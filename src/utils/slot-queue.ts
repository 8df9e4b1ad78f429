/**
 * Admission to something with a limited number of slots, in the run limiter's terms: a place is
 * taken synchronously (a slot now, or a place in one bounded FIFO queue, or none: the caller
 * answers 429 while a real status can still be sent), and a waiter whose signal aborts leaves
 * the queue at once. What a slot is belongs to the caller: `take()` checks for room and takes
 * it in one step, answering what was taken or undefined, and the caller calls `wake()` whenever
 * room may have appeared, which offers it to the waiters in arrival order. A waiter whose
 * `take()` finds no room lets later ones pass (they may want other slots).
 *
 * Used by the pipeline's run limiter (one count) and the backend pool (a slot on any of a
 * request's candidate backends).
 */

/** One caller's place: granted already, or waiting in the queue. */
export interface QueuePlace<T> {
  /**
   * What was taken, once granted (at once if it already is). If the signal aborts first, the
   * place leaves the queue and this rejects with the signal's reason (a place already granted
   * stays granted: `leave()` gives it back). `onAbort` runs then, before the rejection, in the
   * same turn as the abort.
   */
  wait(signal?: AbortSignal, onAbort?: () => void): Promise<T>;
  /** Leaves the queue, if still in it; answers what was granted, for the caller to give back, or undefined. */
  leave(): T | undefined;
}

export interface SlotQueue<K> {
  /** A place now, or undefined when no slot is free and the queue is full. `tag` is what `queuedWhere` sees. */
  enter<T>(take: () => T | undefined, tag: K): QueuePlace<T> | undefined;
  /** Offers free slots to the waiters, first come first served. */
  wake(): void;
  readonly queued: number;
  /** Waiters whose tag matches. */
  queuedWhere(predicate: (tag: K) => boolean): number;
}

interface Entry<K> {
  take: () => unknown;
  tag: K;
  /** Set when granted: what its take() answered. */
  taken?: { value: unknown };
  onGrant?: () => void;
}

export function createSlotQueue<K>(options: { maxQueued: number }): SlotQueue<K> {
  const waiting: Entry<K>[] = [];

  const placeFor = <T>(entry: Entry<K>): QueuePlace<T> => ({
    wait(signal, onAbandon) {
      return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => {
          entry.onGrant = undefined;
          const at = waiting.indexOf(entry);
          if (at !== -1) waiting.splice(at, 1);
          onAbandon?.();
          reject(signal?.reason as Error);
        };
        if (signal?.aborted === true) return onAbort();
        const grant = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve(entry.taken?.value as T);
        };
        if (entry.taken !== undefined) return grant();
        entry.onGrant = grant;
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    leave() {
      if (entry.taken !== undefined) return entry.taken.value as T;
      const at = waiting.indexOf(entry);
      if (at !== -1) waiting.splice(at, 1);
      return undefined;
    },
  });

  return {
    enter<T>(take: () => T | undefined, tag: K): QueuePlace<T> | undefined {
      const entry: Entry<K> = { take, tag };
      const now = take();
      if (now !== undefined) entry.taken = { value: now };
      else if (waiting.length >= options.maxQueued) return undefined;
      else waiting.push(entry);
      return placeFor<T>(entry);
    },
    wake() {
      for (let index = 0; index < waiting.length; ) {
        const entry = waiting[index] as Entry<K>;
        const taken = entry.take();
        if (taken === undefined) {
          index += 1;
          continue;
        }
        waiting.splice(index, 1);
        entry.taken = { value: taken };
        entry.onGrant?.();
      }
    },
    get queued() {
      return waiting.length;
    },
    queuedWhere: (predicate) => waiting.filter((entry) => predicate(entry.tag)).length,
  };
}

/**
 * A request's cancellation without an AbortSignal made for every request. Node 20 makes an
 * AbortSignal as an EventTarget whose prototype is then replaced, a couple of microseconds each and
 * work for the collector; one per pass-through request measured about 7 % of rlm's CPU per request
 * (a duck in its place, side by side with the build before).
 *
 * The server gives each request one RequestAbort. It has the AbortSignal interface (aborted,
 * reason, throwIfAborted, abort listeners, onabort), which is all that rlm's own upstream layer
 * uses of a caller's signal: the exchange's cancel, the model catalogue's and the pool's waits, the
 * SSE writer. It is not a real AbortSignal for Node's or the web platform's own APIs (fetch, timers
 * with a signal, events.once): whatever hands the request's cancellation to those takes `signal`,
 * a real AbortSignal made on first use that aborts with this one. The pass-through paths take
 * `context.cancel`; everything else `context.signal`.
 */

type Listener = Parameters<AbortSignal['addEventListener']>[1];

export class RequestAbort implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, event: Event) => unknown) | null = null;
  #listeners: Listener[] | undefined = undefined;
  #controller: AbortController | undefined = undefined;

  /** A real AbortSignal that aborts with this one (made on first use, once). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  /** Aborts once: the real signal, if made, then `onabort` and the listeners, in the order they were added. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (this.onabort === null && listeners === undefined) return;
    const event = new Event('abort');
    if (this.onabort !== null) this.#call(this.onabort, event);
    if (listeners !== undefined) for (const listener of listeners) this.#call(listener, event);
  }

  /**
   * As on an AbortSignal, an 'abort' listener is called at most once, and not at all when added
   * after the abort; the same listener added twice is one listener. Other event types never fire.
   */
  addEventListener(type: string, listener: Listener | null, _options?: Parameters<AbortSignal['addEventListener']>[2]): void {
    if (type !== 'abort' || listener === null || this.aborted) return;
    const listeners = (this.#listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(type: string, listener: Listener | null, _options?: Parameters<AbortSignal['removeEventListener']>[2]): void {
    const listeners = this.#listeners;
    if (type !== 'abort' || listener === null || listeners === undefined) return;
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  }

  dispatchEvent(event: Event): boolean {
    if (event.type !== 'abort') return true;
    for (const listener of [...(this.#listeners ?? [])]) this.#call(listener, event);
    return true;
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  #call(listener: Listener | ((this: AbortSignal, event: Event) => unknown), event: Event): void {
    try {
      if (typeof listener === 'function') listener.call(this, event);
      else listener.handleEvent(event);
    } catch (error) {
      // As an EventTarget does: a listener's throw is reported (uncaught), and the others still run.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

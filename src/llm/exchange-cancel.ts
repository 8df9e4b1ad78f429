/**
 * How the client tells its transport that an exchange is over early (the caller left, or Ollama
 * went silent): a plain object with one listener slot, not an AbortController. Each AbortSignal
 * is an EventTarget, and one more per upstream exchange, with its listener added and removed, was
 * a measurable share of a pass-through request's CPU. The transport sets `listener` while it has
 * something to destroy; a transport that needs a real signal (fetch) makes one from it.
 */
export class ExchangeCancel {
  aborted = false;
  reason: unknown = undefined;
  /** Called once, when the exchange is aborted; at most one (the transport's). */
  listener: (() => void) | undefined = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }

  /** A real AbortSignal following this one, for a transport that needs one (fetch). */
  toSignal(): AbortSignal {
    const controller = new AbortController();
    if (this.aborted) controller.abort(this.reason);
    else this.listener = () => controller.abort(this.reason);
    return controller.signal;
  }
}

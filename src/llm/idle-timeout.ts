/**
 * A deadline that moves every time the backend shows a sign of life: it aborts its signal when the
 * backend has been silent for `ms`. A total timeout would kill long, healthy generations; silence
 * is what marks a stuck backend.
 */
export interface IdleTimeout {
  readonly signal: AbortSignal;
  /** The backend sent something: restart the countdown. */
  touch(): void;
  /** Stop counting (the exchange is over). */
  clear(): void;
}

export function createIdleTimeout(ms: number, reason: () => Error): IdleTimeout {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(reason()), ms);
    timer.unref();
  };
  arm();
  return {
    signal: controller.signal,
    touch: () => {
      if (!controller.signal.aborted) arm();
    },
    clear: () => clearTimeout(timer),
  };
}

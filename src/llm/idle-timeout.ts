/**
 * A deadline that moves every time the backend shows a sign of life: `onSilent` runs once the
 * backend has been silent for `ms`. A total timeout would kill long, healthy generations; silence
 * is what marks a stuck backend.
 *
 * A touch only notes the time: re-arming a timer per streamed chunk cost a timer's churn per token.
 * The one timer, when it fires, checks how long the silence really has been and sleeps again for
 * what is left, so the deadline is exact to the timer's own precision.
 */
export interface IdleTimeout {
  /** The backend sent something: restart the countdown. */
  touch(): void;
  /** Stop counting (the exchange is over). */
  clear(): void;
  /** Whether the deadline passed (and `onSilent` ran). */
  readonly expired: boolean;
}

export function createIdleTimeout(ms: number, onSilent: () => void): IdleTimeout {
  let lastSign = performance.now();
  let expired = false;
  let timer: NodeJS.Timeout;
  const check = (): void => {
    const silent = performance.now() - lastSign;
    if (silent >= ms) {
      expired = true;
      onSilent();
      return;
    }
    timer = setTimeout(check, ms - silent);
    timer.unref();
  };
  timer = setTimeout(check, ms);
  timer.unref();
  return {
    touch: () => {
      lastSign = performance.now();
    },
    clear: () => clearTimeout(timer),
    get expired() {
      return expired;
    },
  };
}

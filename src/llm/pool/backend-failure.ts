/**
 * Which failures are the backend's, and so take it out of rotation and let a request move to
 * another one: nothing answered (unreachable), a silence before the first byte (timeout), a
 * connection that broke (protocol), a 5xx, and a 429 (the server says it is too busy: the
 * request was fine, the backend is not). Any other 4xx is the request's own fault, the same on
 * every backend, and a caller's cancel is nobody's: neither counts.
 */
import { ClientAbortedError, RlmError, UpstreamError, UpstreamTimeoutError } from '../../utils/errors.js';

/** `started`: the call had already produced output (a chunk), after which a silence is not a failure to answer. */
export function isBackendFailure(error: unknown, started: boolean, signal?: AbortSignal): boolean {
  if (signal?.aborted === true || error instanceof ClientAbortedError) return false;
  if (!(error instanceof RlmError)) return false; // a bug or a fake's own throw, not the backend's answer
  if (error instanceof UpstreamTimeoutError) return !started;
  if (error instanceof UpstreamError) return error.upstreamStatus >= 500 || error.upstreamStatus === 429;
  return error.status >= 500;
}

/**
 * A 404 from a backend the pool sent the model to by its list: the list was stale (the model was
 * removed since). Not the backend's failure, but the request may still be served elsewhere.
 */
export const isModelGone = (error: unknown): boolean => error instanceof UpstreamError && error.upstreamStatus === 404;

/** The longest Retry-After honoured; a server asking for more is probed again after this. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The wait an error's `retry-after` header asks for (RFC 9110 §10.2.3: delay-seconds or an
 * HTTP-date), or undefined when it has none or it cannot be read.
 */
export function retryAfterMs(error: unknown, now: number): number | undefined {
  if (!(error instanceof RlmError)) return undefined;
  const value = error.headers['retry-after'] ?? error.headers['Retry-After'];
  if (value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

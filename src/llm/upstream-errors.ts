/**
 * Turns what the transport throws (node:http's socket errors, or an injected fetch's), and what
 * Ollama answers with a non-2xx status, into the project's typed
 * errors, so that every caller sees one vocabulary: unreachable, timed out, protocol broken, or
 * Ollama's own message.
 */
import {
  ClientAbortedError,
  RlmError,
  UpstreamError,
  UpstreamProtocolError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
} from '../utils/errors.js';

/** Error codes (undici and libuv) that mean nothing is listening or the host cannot be found. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export interface ClassifyContext {
  baseUrl: string;
  timeoutMs: number;
  /** The caller's signal: aborted means the client went away. */
  callerSignal: AbortSignal | undefined;
  /** The idle deadline passed: the backend went silent. */
  readonly idleExpired: boolean;
}

export function classifyUpstreamFailure(error: unknown, context: ClassifyContext): RlmError {
  if (context.callerSignal?.aborted) {
    const reason: unknown = context.callerSignal.reason;
    return reason instanceof RlmError ? reason : new ClientAbortedError();
  }
  if (context.idleExpired) return new UpstreamTimeoutError(context.baseUrl, context.timeoutMs);
  if (error instanceof RlmError) return error;
  const code = errorCode(error);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return new UpstreamUnreachableError(context.baseUrl, error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) return new UpstreamTimeoutError(context.baseUrl, context.timeoutMs);
  const detail = describe(error);
  if (code === 'ERR_BLOCKED_PORT' || /\bbad port\b/.test(detail)) {
    // The Fetch standard's blocked ports (6000, 6665…, see blocked-ports.ts); nothing was even tried.
    return new RlmError(
      `Cannot connect to Ollama at ${context.baseUrl}: rlm refuses that port as unsafe, as browsers and Node's fetch do. Run Ollama on another port, such as its default 11434, and set OLLAMA_HOST to match.`,
      { status: 502, type: 'api_error', code: 'upstream_port_blocked', cause: error },
    );
  }
  return new UpstreamProtocolError(`The connection to Ollama at ${context.baseUrl} failed: ${detail}.`, error);
}

/** Builds the error for a non-2xx answer from Ollama's `{"error": "..."}` body (or whatever it sent). */
export function upstreamErrorFromBody(status: number, bodyText: string): UpstreamError {
  let message = bodyText.trim();
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') {
      message = (parsed as { error: string }).error;
    }
  } catch {
    // Not JSON (a proxy's HTML page, gin's plain-text 404): the raw text is the best message there is.
  }
  if (message === '') message = `Ollama answered HTTP ${status} with an empty body`;
  return new UpstreamError(status >= 500 ? `Ollama failed (HTTP ${status}): ${message}` : message, status);
}

/** node:http puts the code on the error; fetch wraps it as `TypeError('fetch failed', {cause})`, on the cause. */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 4; depth++) {
    if (typeof current !== 'object' || current === null) return undefined;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    parts.push(current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}

/**
 * Turns what the transport throws (node:http's socket errors, or an injected fetch's), and what
 * the backend answers with a non-2xx status (Ollama's `{"error":"…"}`, an OpenAI-compatible
 * server's `{"error":{"message":…}}`), into the project's typed errors, so that every caller sees
 * one vocabulary: unreachable, timed out, protocol broken, or the backend's own message.
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
  /**
   * How messages name a backend that is not Ollama (`the OpenAI-compatible backend "vllm"`); its
   * fixes then point at rlm.config.json instead of `ollama serve` and OLLAMA_HOST. Default Ollama.
   */
  server?: string;
}

export function classifyUpstreamFailure(error: unknown, context: ClassifyContext): RlmError {
  if (context.callerSignal?.aborted) {
    const reason: unknown = context.callerSignal.reason;
    return reason instanceof RlmError ? reason : new ClientAbortedError();
  }
  const { baseUrl, server } = context;
  const named = server ?? 'Ollama';
  const timedOut = (): UpstreamTimeoutError =>
    server === undefined ? new UpstreamTimeoutError(baseUrl, context.timeoutMs) : new UpstreamTimeoutError(baseUrl, context.timeoutMs, capitalise(server));
  if (context.idleExpired) return timedOut();
  if (error instanceof RlmError) return error;
  const code = errorCode(error);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    if (server === undefined) return new UpstreamUnreachableError(baseUrl, error);
    return new UpstreamUnreachableError(baseUrl, error, `Cannot reach ${server} at ${baseUrl}. Is it running? Check its url under backends in rlm.config.json.`);
  }
  if (code !== undefined && TIMEOUT_CODES.has(code)) return timedOut();
  const detail = describe(error);
  if (code === 'ERR_BLOCKED_PORT' || /\bbad port\b/.test(detail)) {
    // The Fetch standard's blocked ports (6000, 6665…, see blocked-ports.ts); nothing was even tried.
    const fix = server === undefined ? 'Run Ollama on another port, such as its default 11434, and set OLLAMA_HOST to match.' : 'Serve it on another port and change its url in rlm.config.json.';
    return new RlmError(`Cannot connect to ${named} at ${baseUrl}: rlm refuses that port as unsafe, as browsers and Node's fetch do. ${fix}`, {
      status: 502,
      type: 'api_error',
      code: 'upstream_port_blocked',
      cause: error,
    });
  }
  return new UpstreamProtocolError(`The connection to ${named} at ${baseUrl} failed: ${detail}.`, error);
}

export interface ErrorBodyOptions {
  /** How the 5xx message names the backend; default Ollama. */
  server?: string;
  /** The answer's `retry-after` header, passed on (a 429 or 503 from a server that sends one). */
  retryAfter?: string | undefined;
}

/**
 * Builds the error for a non-2xx answer from its body: Ollama's `{"error": "..."}`, OpenAI's
 * `{"error": {"message": "...", "type", "code"}}`, or whatever else was sent.
 */
export function upstreamErrorFromBody(status: number, bodyText: string, options: ErrorBodyOptions = {}): UpstreamError {
  const server = capitalise(options.server ?? 'Ollama');
  let message = bodyText.trim();
  try {
    const found = errorMessageOf(JSON.parse(bodyText));
    if (found !== undefined) message = found;
  } catch {
    // Not JSON (a proxy's HTML page, gin's plain-text 404): the raw text is the best message there is.
  }
  if (message === '') message = `${server} answered HTTP ${status} with an empty body`;
  const headers = options.retryAfter === undefined || options.retryAfter === '' ? undefined : { 'retry-after': options.retryAfter };
  return new UpstreamError(status >= 500 ? `${server} failed (HTTP ${status}): ${message}` : message, status, headers === undefined ? {} : { headers });
}

/** The message of an error body in either shape, or undefined when it is neither. */
export function errorMessageOf(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const error = (parsed as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return undefined;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
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

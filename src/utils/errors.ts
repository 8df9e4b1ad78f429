/**
 * One error base class and its subclasses. Each carries what the HTTP answer needs (status, OpenAI
 * error type, param, code) and whether a client retry could help; exactly one function turns any of
 * them into an answer (src/server/error-response.ts).
 */
import type { OpenAIErrorType } from '../types/openai.js';

export interface RlmErrorOptions {
  status: number;
  type: OpenAIErrorType;
  param?: string | null;
  code?: string | null;
  /** false: tell clients (x-should-retry) that repeating the request would only repeat the failure. */
  retryable?: boolean;
  /** Extra response headers, e.g. Allow on a 405 or Retry-After on a 429. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class RlmError extends Error {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryable: boolean;
  readonly headers: Record<string, string>;

  constructor(message: string, options: RlmErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.type = options.type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retryable = options.retryable ?? false;
    this.headers = options.headers ?? {};
  }
}

/** 400: the request is wrong; the message names the field. */
export class InvalidRequestError extends RlmError {
  constructor(message: string, param: string | null = null, code: string | null = null) {
    super(message, { status: 400, type: 'invalid_request_error', param, code });
  }
}

export class AuthenticationError extends RlmError {
  constructor(message: string) {
    super(message, { status: 401, type: 'authentication_error', code: 'invalid_api_key' });
  }
}

export class PermissionError extends RlmError {
  constructor(message: string, code: string) {
    super(message, { status: 403, type: 'permission_error', code });
  }
}

export class NotFoundError extends RlmError {
  constructor(message: string, param: string | null = null, code: string | null = null) {
    super(message, { status: 404, type: 'not_found_error', param, code });
  }
}

export class MethodNotAllowedError extends RlmError {
  constructor(method: string, path: string, allowed: string[]) {
    super(`Method ${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`, {
      status: 405,
      type: 'invalid_request_error',
      code: 'method_not_allowed',
      headers: { allow: allowed.join(', ') },
    });
  }
}

export class PayloadTooLargeError extends RlmError {
  constructor(limitBytes: number) {
    super(`Request body is larger than the ${limitBytes}-byte limit (set RLM_MAX_BODY_BYTES to raise it).`, {
      status: 413,
      type: 'invalid_request_error',
      code: 'payload_too_large',
      // The rest of an oversized body is not worth reading: close the connection after answering.
      headers: { connection: 'close' },
    });
  }
}

/** 502: nothing answered at the backend URL. */
export class UpstreamUnreachableError extends RlmError {
  /** `message`: for a backend that is not Ollama, what to say instead of the `ollama serve` advice. */
  constructor(url: string, cause?: unknown, message?: string) {
    super(message ?? `Cannot reach Ollama at ${url}. Is it running? Start it with \`ollama serve\`, or point OLLAMA_HOST at it.`, {
      status: 502,
      type: 'api_error',
      code: 'upstream_unreachable',
      cause,
    });
  }
}

/** The backend answered with an error; its message is passed on. */
export class UpstreamError extends RlmError {
  /** The status Ollama sent (the answer's status may differ: a 500 there is a 502 here). */
  readonly upstreamStatus: number;

  /** `headers`: what the answer passes on, such as the backend's `retry-after` on a 429 or 503. */
  constructor(message: string, upstreamStatus: number, options: { retryable?: boolean; cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, {
      status: gatewayStatus(upstreamStatus),
      type: upstreamStatus === 404 ? 'not_found_error' : upstreamStatus < 500 && upstreamStatus !== 429 ? 'invalid_request_error' : 'api_error',
      code: 'upstream_error',
      retryable: options.retryable ?? (upstreamStatus === 429 || upstreamStatus === 503),
      cause: options.cause,
      ...(options.headers !== undefined && { headers: options.headers }),
    });
    this.upstreamStatus = upstreamStatus;
  }
}

/** 502: the backend's answer broke its own protocol (bad NDJSON line, stream ended without done). */
export class UpstreamProtocolError extends RlmError {
  constructor(message: string, cause?: unknown) {
    super(message, { status: 502, type: 'api_error', code: 'upstream_protocol_error', cause });
  }
}

/** 504: the backend stayed silent longer than the configured timeout. */
export class UpstreamTimeoutError extends RlmError {
  /** `server`: how to name a backend that is not Ollama ("The OpenAI-compatible server vllm"). */
  constructor(url: string, timeoutMs: number, server = 'Ollama') {
    super(
      `${server} at ${url} sent nothing for ${Math.round(timeoutMs / 1000)} s. The model may still be loading or too slow for this machine; raise RLM_UPSTREAM_TIMEOUT or use a smaller model.`,
      { status: 504, type: 'api_error', code: 'upstream_timeout' },
    );
  }
}

/** The client went away; nothing is sent back (there is nobody to send it to). */
export class ClientAbortedError extends RlmError {
  constructor() {
    super('The client closed the connection before the answer was complete.', {
      status: 499,
      type: 'api_error',
      code: 'client_closed_request',
    });
  }
}

/** Statuses the backend may send map to what a gateway should say: its 4xx pass, its 5xx are ours to own as 502/503/504. */
function gatewayStatus(upstreamStatus: number): number {
  if (upstreamStatus === 503 || upstreamStatus === 504 || upstreamStatus === 429) return upstreamStatus;
  if (upstreamStatus >= 500) return 502;
  if (upstreamStatus >= 400) return upstreamStatus;
  return 502;
}

/** Anything thrown that is not ours becomes a 500 with a message that does not leak internals. */
export function toRlmError(error: unknown): RlmError {
  if (error instanceof RlmError) return error;
  return new RlmError('Internal server error.', { status: 500, type: 'server_error', code: 'internal_error', cause: error });
}

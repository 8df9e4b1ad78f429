/**
 * Errors on Ollama's native routes (`/` and `/api/*`) in Ollama's own shape, `{"error":"<message>"}`
 * (docs/reference/ollama-protocol.md §8), so that Ollama's clients show the message: the `ollama`
 * npm client reads `error` as a string and printed `ResponseError: [object Object]` for OpenAI's
 * object. Before the answer has started it is a JSON body with its status; inside an NDJSON stream
 * it is Ollama's one trailing `{"error":…}` line (§8.2).
 */
import type { ServerResponse } from 'node:http';
import type { Handler } from '../../server/context.js';
import type { OllamaErrorBody } from '../../types/ollama.js';
import { ClientAbortedError, RlmError, toRlmError, UpstreamError } from '../../utils/errors.js';

/** Ollama's JSON content type: gin's c.JSON writes the charset. */
export const NATIVE_JSON = 'application/json; charset=utf-8';
export const NDJSON = 'application/x-ndjson';

/** Whether a request target is one of Ollama's native routes, so its errors take Ollama's shape. */
export function isNativeApiPath(target: string | undefined): boolean {
  const path = (target ?? '').split('?')[0] ?? '';
  return path === '/' || path === '/api' || path.startsWith('/api/');
}

export function nativeErrorBody(error: RlmError): OllamaErrorBody {
  return { error: error.message };
}

/**
 * Ollama's own answer keeps its status (a 500 for a bad option stays a 500, as a client of Ollama
 * expects); rlm's own failures (502 unreachable, 504 silent) keep theirs.
 */
export function nativeErrorStatus(error: RlmError): number {
  return error instanceof UpstreamError ? error.upstreamStatus : error.status;
}

/**
 * The hook for src/server/error-response.ts: the body an error raised before routing (the API key,
 * Host and Origin checks) gets on a native path, or undefined for the OpenAI shape elsewhere.
 */
export function nativeErrorBodyFor(target: string | undefined, error: RlmError): OllamaErrorBody | undefined {
  return isNativeApiPath(target) ? nativeErrorBody(error) : undefined;
}

/** Answers `thrown` in Ollama's shape; returns the RlmError it used (for the log). */
export function sendNativeError(response: ServerResponse, thrown: unknown): RlmError {
  const error = toRlmError(thrown);
  if (error instanceof ClientAbortedError || response.destroyed || response.writableEnded) {
    if (!response.writableEnded) response.destroy();
    return error;
  }
  const body = JSON.stringify(nativeErrorBody(error));
  if (response.headersSent) {
    // An NDJSON stream ends with the error line and no done line, as Ollama's does; a JSON body
    // half written cannot be repaired, so the connection is cut.
    if (String(response.getHeader('content-type') ?? '').startsWith(NDJSON)) response.end(`${body}\n`);
    else response.destroy(error);
    return error;
  }
  response.writeHead(nativeErrorStatus(error), { ...error.headers, 'content-type': NATIVE_JSON, 'content-length': Buffer.byteLength(body) });
  response.end(body);
  return error;
}

/**
 * A native route's handler with its own error path, so its errors never reach the server's
 * OpenAI-shaped one: the same rules (a client gone is not answered, 5xx are logged with the cause).
 */
export function withNativeErrors(handler: Handler): Handler {
  return async (context) => {
    try {
      await handler(context);
    } catch (thrown) {
      const error = sendNativeError(context.response, context.signal.aborted ? context.signal.reason : thrown);
      context.logFields.error = error.message;
      if (error.status >= 500 && error.status !== 499) context.logger.error('request_failed', { error: thrown });
    }
  };
}

/** A 400 worded as Ollama words its own (`model is required`, `invalid input type`). */
export class NativeRequestError extends RlmError {
  constructor(message: string, code: string | null = null) {
    super(message, { status: 400, type: 'invalid_request_error', code });
  }
}

/**
 * The one place an error becomes an HTTP answer: the OpenAI error body with its status before a
 * response has started, or a final `data: {"error":…}` event once an event stream is open, so a
 * client never sees a stream silently cut short.
 */
import type { ServerResponse } from 'node:http';
import { nativeErrorBodyFor } from '../api/ollama/native-errors.js';
import { ClientAbortedError, toRlmError, type RlmError } from '../utils/errors.js';
import { flushEvents, isEventStream } from '../utils/stream.js';
import type { OpenAIErrorBody } from '../types/openai.js';

export function errorBody(error: RlmError): OpenAIErrorBody {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

/** Answers with `error`; returns the RlmError it used (for logging). */
export function sendError(response: ServerResponse, thrown: unknown): RlmError {
  const error = toRlmError(thrown);
  if (error instanceof ClientAbortedError || response.destroyed || response.writableEnded) {
    // Nobody is listening any more; make sure the socket does not linger.
    if (!response.writableEnded) response.destroy();
    return error;
  }
  if (response.headersSent) {
    // writeHead's headers cannot be read back unless one was set before it; the writer is known.
    if (isEventStream(response) || String(response.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
      // The events the stream's writer still holds go first, so none is lost behind the error.
      flushEvents(response);
      response.end(`data: ${JSON.stringify(errorBody(error))}\n\n`);
    } else {
      // A JSON answer half written cannot be repaired; cutting the connection is the honest signal.
      response.destroy(error);
    }
    return error;
  }
  // On Ollama's own routes (/api/*) even the errors raised before routing (API key, Host, Origin)
  // take Ollama's shape, so an Ollama client shows the message rather than "[object Object]".
  const body = JSON.stringify(nativeErrorBodyFor(response.req?.url, error) ?? errorBody(error));
  response.writeHead(error.status, {
    ...error.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    // Clients such as the openai SDK retry 5xx and timeouts twice; say when a retry would only
    // repeat the same failure (or the same expensive work).
    'x-should-retry': error.retryable ? 'true' : 'false',
  });
  response.end(body);
  return error;
}

/** Writes a JSON success answer. */
export function sendJson(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

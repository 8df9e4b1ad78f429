/**
 * A request relayed to Ollama as it is, for the routes rlm adds nothing to (/api/ps, and the model
 * management routes when they are enabled): Ollama's status, content type and bytes, each piece
 * written as it arrives, so `ollama pull`'s progress lines flow. A client that leaves aborts the
 * upstream request. These routes are rare and operator-driven, so they use the platform's fetch
 * rather than the inference client, whose NDJSON reader expects a `done` line that /api/pull's
 * progress stream never sends.
 */
import { classifyUpstreamFailure } from '../../llm/upstream-errors.js';
import type { RequestContext } from '../../server/context.js';
import { NATIVE_JSON } from './native-errors.js';

export interface ForwardRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** The JSON text to send, as the client sent it. */
  body?: string;
}

export async function forwardToOllama(context: RequestContext, forward: ForwardRequest): Promise<void> {
  const { app, signal, response } = context;
  const baseUrl = app.ollama.baseUrl;
  const fail = (error: unknown): Error =>
    classifyUpstreamFailure(error, { baseUrl, timeoutMs: app.config.upstreamTimeoutMs, callerSignal: signal, idleExpired: false });
  let upstream: Response;
  try {
    upstream = await fetch(`${baseUrl}${forward.path}`, {
      method: forward.method,
      ...(forward.body !== undefined ? { body: forward.body, headers: { 'content-type': 'application/json' } } : {}),
      signal,
    });
  } catch (error) {
    throw fail(error);
  }
  response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? NATIVE_JSON });
  if (upstream.body === null) {
    response.end();
    return;
  }
  const reader = upstream.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!response.write(value)) await drained(context);
    }
  } catch (error) {
    throw fail(error);
  } finally {
    reader.releaseLock();
    if (signal.aborted) await upstream.body.cancel().catch(() => undefined);
  }
  response.end();
}

function drained(context: RequestContext): Promise<void> {
  const { response, signal } = context;
  return new Promise((resolve, reject) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      signal.removeEventListener('abort', aborted);
      resolve();
    };
    const aborted = (): void => {
      done();
      reject(signal.reason);
    };
    response.once('drain', done);
    response.once('close', done);
    signal.addEventListener('abort', aborted, { once: true });
  });
}

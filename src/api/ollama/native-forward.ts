/**
 * A request relayed to Ollama as it is, for the routes rlm adds nothing to (/api/ps, and the model
 * management routes when they are enabled): Ollama's status, content type and bytes, each piece
 * written as it arrives, so `ollama pull`'s progress lines flow. A client that leaves aborts the
 * upstream request. These routes are rare and operator-driven, so they use the platform's fetch
 * rather than the inference client, whose NDJSON reader expects a `done` line that /api/pull's
 * progress stream never sends.
 *
 * With `backends` configured, these are Ollama's own routes, so they go to the Ollama backends
 * only: /api/ps asks each and lists what all of them have loaded, and model management goes to the
 * first one in the configuration (an OpenAI-compatible server has neither).
 */
import { RlmError } from '../../utils/errors.js';
import { classifyUpstreamFailure } from '../../llm/upstream-errors.js';
import type { AppDeps, RequestContext } from '../../server/context.js';
import { NATIVE_JSON } from './native-errors.js';

export interface ForwardRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** The JSON text to send, as the client sent it. */
  body?: string;
}

/** The Ollama servers behind rlm: the one --ollama-host, or the `ollama` backends in configuration order. */
export function ollamaBaseUrls(app: AppDeps): string[] {
  if (app.backends.pool === undefined) return [app.ollama.baseUrl];
  return app.backends.probes.filter((backend) => backend.type === 'ollama').map((backend) => backend.url);
}

/** What a native-only route answers when every backend is OpenAI-compatible. */
export function noOllamaBackend(path: string): RlmError {
  return new RlmError(`${path} is Ollama's own route, and none of rlm's backends is an Ollama server (every one in rlm.config.json is "type": "openai"). Run it against the model server itself.`, {
    status: 501,
    type: 'api_error',
    code: 'no_ollama_backend',
  });
}

export async function forwardToOllama(context: RequestContext, forward: ForwardRequest): Promise<void> {
  const { app, signal, response } = context;
  const baseUrl = ollamaBaseUrls(app)[0];
  if (baseUrl === undefined) throw noOllamaBackend(forward.path);
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

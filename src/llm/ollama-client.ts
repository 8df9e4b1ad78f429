/**
 * The thin adapter for Ollama's native API (docs/api.md in the Ollama repository). Every call takes
 * an AbortSignal; chat and generate always stream upstream (the non-streaming forms aggregate), so
 * that a backend gone silent is caught by the idle deadline and a client's cancel closes the socket,
 * which is what makes Ollama stop generating.
 */
import { aggregateChat, aggregateGenerate } from './aggregate.js';
import { createIdleTimeout, type IdleTimeout } from './idle-timeout.js';
import { readOllamaStream } from './ndjson.js';
import { spreadOverTurns } from '../utils/spread-over-turns.js';
import { classifyUpstreamFailure, upstreamErrorFromBody } from './upstream-errors.js';
import { UpstreamProtocolError, type RlmError } from '../utils/errors.js';
import type {
  OllamaChatRequest,
  OllamaChatResponse,
  OllamaEmbedRequest,
  OllamaEmbedResponse,
  OllamaGenerateRequest,
  OllamaGenerateResponse,
  OllamaShowRequest,
  OllamaShowResponse,
  OllamaTagsResponse,
  OllamaVersionResponse,
} from '../types/ollama.js';

export interface OllamaClientOptions {
  /** Base URL, e.g. "http://127.0.0.1:11434" (a path prefix is allowed). */
  baseUrl: string;
  /** Longest silence from Ollama (before headers or between chunks) before UpstreamTimeoutError. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface OllamaClient {
  readonly baseUrl: string;
  chatStream(request: OllamaChatRequest, signal?: AbortSignal): AsyncGenerator<OllamaChatResponse>;
  chat(request: OllamaChatRequest, signal?: AbortSignal): Promise<OllamaChatResponse>;
  generateStream(request: OllamaGenerateRequest, signal?: AbortSignal): AsyncGenerator<OllamaGenerateResponse>;
  generate(request: OllamaGenerateRequest, signal?: AbortSignal): Promise<OllamaGenerateResponse>;
  embed(request: OllamaEmbedRequest, signal?: AbortSignal): Promise<OllamaEmbedResponse>;
  tags(signal?: AbortSignal): Promise<OllamaTagsResponse>;
  show(request: OllamaShowRequest, signal?: AbortSignal): Promise<OllamaShowResponse>;
  version(signal?: AbortSignal): Promise<OllamaVersionResponse>;
}

interface OpenExchange {
  response: Response;
  idle: IdleTimeout;
  /** Classifies a failure of this exchange (client gone, backend silent, unreachable, protocol). */
  fail(error: unknown): RlmError;
  /** The exchange is over: stop the deadline and stop listening to the caller's signal. */
  finish(): void;
}

/**
 * The signal fetch is given: it aborts at once when the backend goes silent, and on a later turn
 * of the event loop, a few per turn, when the caller leaves. Cancelling a fetch (socket destroyed,
 * body errored, generators unwound) costs about half a millisecond; a thousand clients leaving
 * together paid it in one turn and held the loop for half a second. The caller, gone, waits for
 * nothing, and the classification reads the caller's own signal, not this one.
 */
function upstreamSignal(caller: AbortSignal | undefined, idle: AbortSignal): { signal: AbortSignal; release(): void } {
  if (caller === undefined) return { signal: idle, release: () => undefined };
  const controller = new AbortController();
  if (caller.aborted) controller.abort(caller.reason);
  const onCaller = (): void => spreadOverTurns(() => controller.abort(caller.reason));
  const onIdle = (): void => controller.abort(idle.reason);
  caller.addEventListener('abort', onCaller, { once: true });
  idle.addEventListener('abort', onIdle, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      caller.removeEventListener('abort', onCaller);
      idle.removeEventListener('abort', onIdle);
    },
  };
}

export function createOllamaClient(options: OllamaClientOptions): OllamaClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? fetch;
  const { timeoutMs } = options;

  /** Sends one request and checks its status; the caller reads the body while the deadline still watches. */
  async function open(path: string, body: object | undefined, signal: AbortSignal | undefined): Promise<OpenExchange> {
    const idle = createIdleTimeout(timeoutMs, () => new Error('Ollama went silent'));
    const context = { baseUrl, timeoutMs, callerSignal: signal, idleSignal: idle.signal };
    const fail = (error: unknown): RlmError => classifyUpstreamFailure(error, context);
    const upstream = upstreamSignal(signal, idle.signal);
    const finish = (): void => {
      idle.clear();
      upstream.release();
    };
    const init: RequestInit = { method: body === undefined ? 'GET' : 'POST', signal: upstream.signal };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    try {
      const response = await fetchImpl(`${baseUrl}${path}`, init);
      idle.touch();
      if (!response.ok) throw upstreamErrorFromBody(response.status, await response.text());
      return { response, idle, fail, finish };
    } catch (error) {
      finish();
      throw fail(error);
    }
  }

  async function json<T>(path: string, body: object | undefined, signal?: AbortSignal): Promise<T> {
    const { response, fail, finish } = await open(path, body, signal);
    try {
      const text = await response.text();
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new UpstreamProtocolError(`Ollama answered ${path} with something that is not JSON: ${text.slice(0, 200)}`, error);
      }
    } catch (error) {
      throw fail(error);
    } finally {
      finish();
    }
  }

  async function* stream<T extends { done: boolean }>(path: string, body: object, signal?: AbortSignal): AsyncGenerator<T> {
    const { response, idle, fail, finish } = await open(path, { ...body, stream: true }, signal);
    try {
      if (response.body === null) throw new UpstreamProtocolError(`Ollama answered ${path} with no body.`);
      // Leaving this loop early (the consumer stopped) returns the reader's generator, whose finally
      // cancels the body: the socket closes and Ollama stops generating.
      for await (const chunk of readOllamaStream<T>(response.body)) {
        // Lines already buffered would still be read after a cancel; the caller asked to stop.
        if (signal?.aborted) throw signal.reason;
        idle.touch();
        yield chunk;
      }
    } catch (error) {
      throw fail(error);
    } finally {
      finish();
    }
  }

  const client: OllamaClient = {
    baseUrl,
    chatStream: (request, signal) => stream<OllamaChatResponse>('/api/chat', request, signal),
    chat: (request, signal) => aggregateChat(client.chatStream(request, signal)),
    generateStream: (request, signal) => stream<OllamaGenerateResponse>('/api/generate', request, signal),
    generate: (request, signal) => aggregateGenerate(client.generateStream(request, signal)),
    embed: (request, signal) => json<OllamaEmbedResponse>('/api/embed', request, signal),
    tags: (signal) => json<OllamaTagsResponse>('/api/tags', undefined, signal),
    show: (request, signal) => json<OllamaShowResponse>('/api/show', request, signal),
    version: (signal) => json<OllamaVersionResponse>('/api/version', undefined, signal),
  };
  return client;
}

/**
 * The thin adapter for Ollama's native API (docs/api.md in the Ollama repository). Every call takes
 * an AbortSignal; chat and generate always stream upstream (the non-streaming forms aggregate), so
 * that a backend gone silent is caught by the idle deadline and a client's cancel closes the socket,
 * which is what makes Ollama stop generating.
 */
import { chatFold, generateFold, type Fold } from './aggregate.js';
import { createFetchTransport } from './fetch-transport.js';
import { createHttpTransport } from './http-transport.js';
import { flattenBatches } from './flatten-batches.js';
import { incompleteStream, toOllamaChunk } from './ndjson.js';
import { createExchangeOpener, readWhole, type OpenExchange } from './upstream-exchange.js';
import type { UpstreamTransport } from './upstream-transport.js';
import { UpstreamProtocolError } from '../utils/errors.js';
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
  /** Reach Ollama through this fetch instead of node:http (tests, embedders). */
  fetch?: typeof fetch;
  /** Or through this transport; the default is node:http with one keep-alive Agent. */
  transport?: UpstreamTransport;
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

export function createOllamaClient(options: OllamaClientOptions): OllamaClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const transport = options.transport ?? (options.fetch ? createFetchTransport(options.fetch) : createHttpTransport());
  const { timeoutMs } = options;

  const opener = createExchangeOpener({ baseUrl, timeoutMs, transport });
  const open = (path: string, body: object | undefined, idempotent: boolean, signal: AbortSignal | undefined): Promise<OpenExchange> =>
    opener({ method: body === undefined ? 'GET' : 'POST', path, ...(body !== undefined && { body }), idempotent }, signal);

  async function json<T>(path: string, body: object | undefined, signal?: AbortSignal): Promise<T> {
    const { response, fail, finish } = await open(path, body, true, signal);
    try {
      const text = await readWhole(response);
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

  /**
   * The answer's chunks, a batch (the lines that arrived together) per yield, each line checked by
   * Ollama's rules; a bad line ends the stream after the good ones before it.
   */
  async function* batches<T extends { done: boolean }>(path: string, body: object, signal?: AbortSignal): AsyncGenerator<T[], void> {
    const { response, idle, fail, finish } = await open(path, { ...body, stream: true }, false, signal);
    // Whether the done chunk was read: the answer is complete and its connection can be kept.
    let complete = false;
    try {
      // Leaving this loop early (the consumer stopped) ends in the finally below, which releases
      // the answer unread: the socket closes and Ollama stops generating.
      for await (const values of response.batches()) {
        // Lines read after a cancel are not handed out; the caller asked to stop.
        if (signal?.aborted) throw signal.reason;
        const chunks: T[] = [];
        let bad: unknown;
        for (const value of values) {
          try {
            chunks.push(toOllamaChunk<T>(value));
          } catch (error) {
            bad = error;
            break;
          }
          if (chunks[chunks.length - 1]?.done === true) {
            complete = true;
            break; // the last chunk; anything after it is not read
          }
        }
        idle.touch();
        if (chunks.length > 0) yield chunks;
        if (bad !== undefined) throw bad;
        if (complete) return;
      }
      throw incompleteStream();
    } catch (error) {
      throw fail(error);
    } finally {
      finish();
      response.release(complete);
    }
  }

  /** One chunk at a time; nor are the chunks of a batch already yielded, after a cancel. */
  const stream = <T extends { done: boolean }>(path: string, body: object, signal?: AbortSignal): AsyncGenerator<T> =>
    flattenBatches(batches<T>(path, body, signal), () => {
      if (signal?.aborted) throw signal.reason;
    });

  /** A non-streaming answer: the stream folded as its lines arrive, without handing out each chunk. */
  async function collect<T extends { done: boolean }>(path: string, body: object, fold: Fold<T>, signal?: AbortSignal): Promise<T> {
    for await (const chunks of batches<T>(path, body, signal)) for (const chunk of chunks) fold.push(chunk);
    return fold.result();
  }

  const client: OllamaClient = {
    baseUrl,
    chatStream: (request, signal) => stream<OllamaChatResponse>('/api/chat', request, signal),
    chat: (request, signal) => collect('/api/chat', request, chatFold(), signal),
    generateStream: (request, signal) => stream<OllamaGenerateResponse>('/api/generate', request, signal),
    generate: (request, signal) => collect('/api/generate', request, generateFold(), signal),
    embed: (request, signal) => json<OllamaEmbedResponse>('/api/embed', request, signal),
    tags: (signal) => json<OllamaTagsResponse>('/api/tags', undefined, signal),
    show: (request, signal) => json<OllamaShowResponse>('/api/show', request, signal),
    version: (signal) => json<OllamaVersionResponse>('/api/version', undefined, signal),
  };
  return client;
}

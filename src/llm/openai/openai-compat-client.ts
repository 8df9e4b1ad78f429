/**
 * The adapter for an OpenAI-compatible server (vLLM, llama.cpp's server, LM Studio, SGLang, and
 * Ollama's own /v1), behind the same `OllamaClient` interface as the native adapter, so the
 * pipeline and the API above it do not change: native requests go out as `/v1` calls and the
 * answers come back in native shapes. As the native adapter does, it always streams chat and
 * completions upstream (the non-streaming forms fold the stream), with one idle deadline and one
 * cancel per exchange (upstream-exchange.ts), so silence times out and a caller's cancel closes
 * the socket. What the backend was configured not to offer is refused before anything is sent.
 */
import { chatFold, generateFold, type Fold } from '../aggregate.js';
import { createFetchTransport } from '../fetch-transport.js';
import { flattenBatches } from '../flatten-batches.js';
import { createHttpTransport } from '../http-transport.js';
import type { OllamaClient } from '../ollama-client.js';
import { createExchangeOpener, readWhole, type ExchangeRequest } from '../upstream-exchange.js';
import type { UpstreamTransport } from '../upstream-transport.js';
import type { BackendFeature } from '../../types/backend.js';
import type { OllamaChatResponse, OllamaGenerateResponse, OllamaTagsResponse } from '../../types/ollama.js';
import { UpstreamProtocolError } from '../../utils/errors.js';
import { backendAuthFailure } from './backend-auth-error.js';
import { BackendFeatureError, chatFeatureMissing, generateFeatureMissing } from './backend-feature-error.js';
import { createChatChunkReader, type ChunkReaderDeps } from './chat-chunk-reader.js';
import { toChatCompletionBody } from './chat-completion-request.js';
import { createCompletionChunkReader } from './completion-chunk-reader.js';
import { toCompletionBody } from './completion-request.js';
import { toCompletionChunk, type CompletionChunk } from './completion-chunk.js';
import { fromEmbeddingsAnswer, toEmbeddingsBody } from './embeddings-mapping.js';
import { syntheticShow, tagModel, tagsFromModelList } from './model-list.js';
import { readSseValues, SSE_DONE } from './sse-values.js';

export interface OpenAiCompatClientOptions {
  /** The server's root, without `/v1` (a path prefix is allowed): "http://gpu-box:8000". */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`. */
  apiKey?: string | undefined;
  /** Longest silence (before headers or between chunks) before UpstreamTimeoutError. */
  timeoutMs: number;
  /** The models it serves, when its /v1/models should not be asked or trusted; null or absent: asked. */
  models?: string[] | null;
  /** Features the server lacks; requests using them are refused before they are sent. */
  unsupported?: BackendFeature[];
  /** The backend's name in messages (its key in `backends`). Default "openai". */
  name?: string;
  /** Reach the server through this transport; the default is node:http with one keep-alive Agent. */
  transport?: UpstreamTransport;
  /** Or through this fetch. */
  fetch?: typeof fetch;
  /** Milliseconds for the durations reported in native metrics; default performance.now. */
  now?: () => number;
  /** For `created_at`; default the current date. */
  date?: () => Date;
}

interface ChunkReader<T> {
  read(chunk: CompletionChunk): T[];
  readonly finished: boolean;
  done(): T[];
}

const VERSION = 'openai-compatible';

export function createOpenAiCompatClient(options: OpenAiCompatClientOptions): OllamaClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const transport = options.transport ?? (options.fetch ? createFetchTransport(options.fetch) : createHttpTransport());
  const name = options.name ?? 'openai';
  const server = `the OpenAI-compatible backend "${name}"`;
  const unsupported = options.unsupported ?? [];
  const deps: ChunkReaderDeps = { now: options.now ?? (() => performance.now()), date: options.date ?? (() => new Date()), server: capitalise(server) };
  const headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : undefined;
  const opener = createExchangeOpener({ baseUrl, timeoutMs: options.timeoutMs, transport, server, ...(headers !== undefined && { headers }) });
  const open: typeof opener = (request, signal) =>
    opener(request, signal).catch((error: unknown) => {
      throw backendAuthFailure(error, name);
    });

  async function json(request: ExchangeRequest, signal: AbortSignal | undefined): Promise<unknown> {
    const { response, fail, finish } = await open(request, signal);
    try {
      const text = await readWhole(response);
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new UpstreamProtocolError(`${deps.server} answered ${request.path} with something that is not JSON: ${text.slice(0, 200)}`, error);
      }
    } catch (error) {
      throw fail(error);
    } finally {
      finish();
    }
  }

  /**
   * The native chunks of one streamed answer, a batch per arrival. The stream is whole at
   * `data: [DONE]`, or when it ends after a finish reason (a server that leaves out [DONE]); Ollama's
   * /v1 cut by an error mid-stream sends neither, which is an incomplete answer, never a short one.
   */
  async function* batches<T>(path: string, body: object, reader: ChunkReader<T>, signal: AbortSignal | undefined): AsyncGenerator<T[], void> {
    const { response, idle, fail, finish } = await open({ method: 'POST', path, body, idempotent: false }, signal);
    let complete = false;
    try {
      for await (const values of readSseValues(response.bytes(), deps.server)) {
        if (signal?.aborted) throw signal.reason;
        idle.touch();
        const out: T[] = [];
        for (const value of values) {
          if (value === SSE_DONE) {
            complete = true;
            break;
          }
          out.push(...reader.read(toCompletionChunk(value, deps.server)));
        }
        if (complete) out.push(...reader.done());
        if (out.length > 0) yield out;
        if (complete) return;
      }
      if (!reader.finished) throw new UpstreamProtocolError(`${deps.server} ended the stream of ${path} without a finish reason or [DONE]; the answer is incomplete.`);
      complete = true;
      yield reader.done();
    } catch (error) {
      throw fail(error);
    } finally {
      finish();
      response.release(complete);
    }
  }

  const stream = <T>(path: string, body: object, reader: ChunkReader<T>, signal: AbortSignal | undefined): AsyncGenerator<T> =>
    flattenBatches(batches(path, body, reader, signal), () => {
      if (signal?.aborted) throw signal.reason;
    });

  async function collect<T>(path: string, body: object, reader: ChunkReader<T>, fold: Fold<T>, signal: AbortSignal | undefined): Promise<T> {
    for await (const chunks of batches(path, body, reader, signal)) for (const chunk of chunks) fold.push(chunk);
    return fold.result();
  }

  /** Checked at the call, so a refused request fails before any byte is sent; generators would wait for the first next(). */
  function refuse(model: string, feature: BackendFeature | undefined): void {
    if (feature !== undefined) throw new BackendFeatureError(name, model, feature);
  }

  async function* refused<T>(error: unknown): AsyncGenerator<T> {
    throw error;
  }

  function chatStream(request: Parameters<OllamaClient['chat']>[0], signal?: AbortSignal): AsyncGenerator<OllamaChatResponse> {
    try {
      refuse(request.model, chatFeatureMissing(request, unsupported));
    } catch (error) {
      return refused(error);
    }
    return stream('/v1/chat/completions', toChatCompletionBody(request), createChatChunkReader(request.model, deps), signal);
  }

  function generateStream(request: Parameters<OllamaClient['generate']>[0], signal?: AbortSignal): AsyncGenerator<OllamaGenerateResponse> {
    try {
      refuse(request.model, generateFeatureMissing(request, unsupported));
    } catch (error) {
      return refused(error);
    }
    return stream('/v1/completions', toCompletionBody(request), createCompletionChunkReader(request.model, deps), signal);
  }

  const configured = (): OllamaTagsResponse | undefined => (options.models == null ? undefined : { models: options.models.map((id) => tagModel(id)) });

  return {
    baseUrl,
    chatStream,
    async chat(request, signal) {
      refuse(request.model, chatFeatureMissing(request, unsupported));
      return collect('/v1/chat/completions', toChatCompletionBody(request), createChatChunkReader(request.model, deps), chatFold(), signal);
    },
    generateStream,
    async generate(request, signal) {
      refuse(request.model, generateFeatureMissing(request, unsupported));
      return collect('/v1/completions', toCompletionBody(request), createCompletionChunkReader(request.model, deps), generateFold(), signal);
    },
    async embed(request, signal) {
      refuse(request.model, unsupported.includes('embeddings') ? 'embeddings' : undefined);
      const body = toEmbeddingsBody(request);
      const started = deps.now();
      const answer = await json({ method: 'POST', path: '/v1/embeddings', body, idempotent: true }, signal);
      return fromEmbeddingsAnswer(request.model, body.input.length, answer, deps.server, deps.now() - started);
    },
    async tags(signal) {
      return configured() ?? tagsFromModelList(await json({ method: 'GET', path: '/v1/models', idempotent: true }, signal), deps.server);
    },
    async show(request) {
      return syntheticShow(request.model, unsupported);
    },
    async version(signal) {
      // There is no version route in the OpenAI API; answering /v1/models is what "up" means.
      await json({ method: 'GET', path: '/v1/models', idempotent: true }, signal);
      return { version: VERSION };
    },
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

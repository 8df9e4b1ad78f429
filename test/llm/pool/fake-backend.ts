/**
 * A fake OllamaClient for the pool's unit tests: it serves a list of models, counts and records
 * what it is asked, fails on command (before the first chunk or after some), and can hold its
 * model calls until released, so that tests control exactly what is in flight.
 */
import type { OllamaClient } from '../../../src/llm/ollama-client.js';
import type { OllamaChatResponse, OllamaShowResponse, OllamaTagModel } from '../../../src/types/ollama.js';
import { RlmError, UpstreamError, UpstreamUnreachableError } from '../../../src/utils/errors.js';

export interface Failure {
  error: () => Error;
  /** Chunks a stream yields before failing; 0 by default (before any output). */
  afterChunks?: number;
}

export interface FakeBackend {
  client: OllamaClient;
  /** The model of every model call (chat, generate, embed), in order. */
  readonly sent: string[];
  readonly tagsCalls: number;
  readonly versionCalls: number;
  /** Model calls running now. */
  readonly running: number;
  models: string[];
  /** The next calls fail, one failure each; `always` makes every call fail until cleared. */
  failNext(...failures: Failure[]): void;
  always: Failure | undefined;
  /** Model calls wait until release() (all) while held. */
  hold(): void;
  release(): void;
  /** Resolves once this many model calls are running. */
  untilRunning(count: number): Promise<void>;
  /** Signals the model calls were given. */
  readonly signals: (AbortSignal | undefined)[];
}

const tag = (name: string): OllamaTagModel => ({
  name,
  model: name,
  modified_at: '2025-01-01T00:00:00Z',
  size: 1,
  digest: `digest-${name}`,
  details: { parent_model: '', format: 'gguf', family: 'llama', families: null, parameter_size: '1B', quantization_level: 'Q4_K_M' },
});

const chunk = (model: string, content: string, done: boolean): OllamaChatResponse => ({
  model,
  created_at: '2025-01-01T00:00:00Z',
  message: { role: 'assistant', content },
  done,
});

export const unreachable = (url = 'http://fake'): Failure => ({ error: () => new UpstreamUnreachableError(url) });
export const http = (status: number, headers: Record<string, string> = {}): Failure => ({
  error: () => {
    const error = new UpstreamError(`HTTP ${status}`, status);
    Object.assign(error.headers, headers);
    return error;
  },
});
export const midStream = (afterChunks: number): Failure => ({ afterChunks, error: () => new RlmError('connection reset', { status: 502, type: 'api_error', code: 'upstream_protocol_error' }) });

export function fakeBackend(name: string, models: string[]): FakeBackend {
  const sent: string[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  const queued: Failure[] = [];
  let held: Promise<void> | undefined;
  let open: () => void = () => undefined;
  let running = 0;
  let tagsCalls = 0;
  let versionCalls = 0;
  const watchers = new Set<() => void>();
  const changed = (): void => watchers.forEach((watch) => watch());

  const begin = async (model: string, signal: AbortSignal | undefined): Promise<Failure | undefined> => {
    sent.push(model);
    signals.push(signal);
    running += 1;
    changed();
    if (held !== undefined) await held;
    return queued.shift() ?? fake.always;
  };
  const end = (): void => {
    running -= 1;
    changed();
  };

  async function* stream(model: string, signal: AbortSignal | undefined): AsyncGenerator<OllamaChatResponse> {
    try {
      const failure = await begin(model, signal);
      for (let index = 0; index < 3; index++) {
        if (failure !== undefined && index === (failure.afterChunks ?? 0)) throw failure.error();
        yield chunk(model, `${name}${index}`, false);
      }
      if (failure !== undefined) throw failure.error();
      yield chunk(model, '', true);
    } finally {
      end();
    }
  }
  const whole = async <T>(model: string, signal: AbortSignal | undefined, answer: T): Promise<T> => {
    try {
      const failure = await begin(model, signal);
      if (failure !== undefined) throw failure.error();
      return answer;
    } finally {
      end();
    }
  };

  const fake: FakeBackend = {
    models,
    sent,
    signals,
    always: undefined,
    get tagsCalls() {
      return tagsCalls;
    },
    get versionCalls() {
      return versionCalls;
    },
    get running() {
      return running;
    },
    failNext: (...failures) => void queued.push(...failures),
    hold() {
      held = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      held = undefined;
      open();
    },
    untilRunning: (count) =>
      new Promise((resolve) => {
        const watch = (): void => {
          if (running < count) return;
          watchers.delete(watch);
          resolve();
        };
        watchers.add(watch);
        watch();
      }),
    client: {
      baseUrl: `http://${name}`,
      chatStream: (request, signal) => stream(request.model, signal),
      chat: (request, signal) => whole(request.model, signal, chunk(request.model, name, true)),
      generateStream: (request, signal) =>
        (async function* () {
          for await (const part of stream(request.model, signal)) yield { model: part.model, created_at: part.created_at, response: part.message.content, done: part.done };
        })(),
      generate: (request, signal) => whole(request.model, signal, { model: request.model, created_at: '', response: name, done: true }),
      embed: (request, signal) => whole(request.model, signal, { model: request.model, embeddings: [[1]] }),
      async tags() {
        tagsCalls += 1;
        const failure = fake.always;
        if (failure !== undefined) throw failure.error();
        return { models: fake.models.map(tag) };
      },
      async show(request) {
        const failure = fake.always;
        if (failure !== undefined) throw failure.error();
        return { modelfile: `${name}:${request.model}` } as OllamaShowResponse;
      },
      async version() {
        versionCalls += 1;
        const failure = fake.always;
        if (failure !== undefined) throw failure.error();
        return { version: `${name}-1.0` };
      },
    },
  };
  return fake;
}

/** Reads a chat stream to its end, returning the content. */
export async function readAll(stream: AsyncIterable<OllamaChatResponse>): Promise<string> {
  let text = '';
  for await (const part of stream) text += part.message.content;
  return text;
}

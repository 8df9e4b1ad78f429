/**
 * The OpenAI-compatible adapter against a real OpenAI-compatible server: real Ollama's own /v1,
 * which is what vLLM and llama.cpp's server imitate. Then the simulator's /v1 beside the real one,
 * the same requests to both: statuses, error strings, and the fields (with their JSON types) of
 * each answer and of the first, finish and usage events of each stream must be equal; wherever
 * they differ, the simulator is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiCompatClient } from '../../src/llm/openai/openai-compat-client.js';
import type { OllamaClient } from '../../src/llm/ollama-client.js';
import type { OllamaChatResponse } from '../../src/types/ollama.js';
import { ClientAbortedError, UpstreamError } from '../../src/utils/errors.js';
import { REAL_MODELS } from '../support/real-ollama.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { realOllamaUrl, realSkipped } from './real-stack.js';

const chatModel = REAL_MODELS.chat;
const embedModel = REAL_MODELS.embed;
const few = { num_predict: 6, temperature: 0, seed: 1 };
const hi = [{ role: 'user' as const, content: 'Say hello.' }];

describe.skipIf(realSkipped !== undefined)('the OpenAI-compatible adapter against real Ollama /v1', () => {
  let client: OllamaClient;
  beforeAll(() => {
    client = createOpenAiCompatClient({ baseUrl: realOllamaUrl(), timeoutMs: 300_000, name: 'ollama-v1', apiKey: 'ignored-by-ollama' });
  });

  it('lists the installed models, and is up', async () => {
    const names = (await client.tags()).models.map((model) => model.name);
    expect(names).toEqual(expect.arrayContaining([chatModel, embedModel, REAL_MODELS.ladder]));
    expect(await client.version()).toEqual({ version: 'openai-compatible' });
  });

  it('streams chat as native chunks ending in one done chunk with the counts and durations', async () => {
    const chunks: OllamaChatResponse[] = [];
    for await (const chunk of client.chatStream({ model: chatModel, messages: hi, options: few })) chunks.push(chunk);
    expect(chunks.filter((chunk) => chunk.done)).toHaveLength(1);
    const last = chunks.at(-1)!;
    expect(last).toMatchObject({ done: true, done_reason: 'length', eval_count: 6, prompt_eval_count: expect.any(Number) });
    expect(last.prompt_eval_count).toBeGreaterThan(0);
    expect(last.total_duration).toBeGreaterThan(0);
    expect(chunks.map((chunk) => chunk.message.content).join('').length).toBeGreaterThan(0);
  });

  it('logprobs with alternatives, in native shape', async () => {
    const answer = await client.chat({ model: chatModel, messages: hi, options: few, logprobs: true, top_logprobs: 2 });
    expect(answer.logprobs).toHaveLength(6);
    const [first] = answer.logprobs!;
    expect(first).toEqual({ token: expect.any(String), logprob: expect.any(Number), bytes: expect.any(Array), top_logprobs: expect.any(Array) });
    expect(first!.top_logprobs).toHaveLength(2);
    expect(answer.logprobs!.map((entry) => entry.token).join('')).toBe(answer.message.content);
  });

  it('a JSON schema through response_format gives JSON that fits it', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string', enum: ['yes', 'no'] } }, required: ['answer'] };
    const answer = await client.chat({ model: chatModel, messages: [{ role: 'user', content: 'Is the sky blue? Answer yes or no in JSON.' }], format: schema, options: { ...few, num_predict: 64 } });
    expect(['yes', 'no']).toContain((JSON.parse(answer.message.content) as { answer: string }).answer);
  });

  it('completions, and embeddings in input order', async () => {
    const completed = await client.generate({ model: chatModel, prompt: 'The sky is', options: few });
    expect(completed).toMatchObject({ done: true, done_reason: 'length', eval_count: 6 });
    expect(completed.response.length).toBeGreaterThan(0);
    const embedded = await client.embed({ model: embedModel, input: ['a cat', 'a dog', 'a cat'] });
    expect(embedded.embeddings).toHaveLength(3);
    expect(embedded.embeddings[0]).toHaveLength(384);
    expect(embedded.embeddings[2]).toEqual(embedded.embeddings[0]);
  });

  it("Ollama's own refusals come back as UpstreamErrors with its words", async () => {
    const missing = client.chat({ model: 'missing:1b', messages: hi });
    await expect(missing).rejects.toBeInstanceOf(UpstreamError);
    await expect(missing).rejects.toMatchObject({ upstreamStatus: 404, message: "model 'missing:1b' not found" });
    await expect(client.chat({ model: chatModel, messages: hi, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }] })).rejects.toMatchObject({
      upstreamStatus: 400,
      message: `registry.ollama.ai/library/${chatModel} does not support tools`,
    });
    await expect(client.generate({ model: chatModel, prompt: 'def f(', suffix: ')' })).rejects.toMatchObject({ upstreamStatus: 400, message: `registry.ollama.ai/library/${chatModel} does not support insert` });
  });

  it('a backend configured without tools refuses them before Ollama is asked', async () => {
    const limited = createOpenAiCompatClient({ baseUrl: realOllamaUrl(), timeoutMs: 60_000, name: 'no-tools', unsupported: ['tools'] });
    await expect(limited.chat({ model: chatModel, messages: hi, tools: [{ type: 'function', function: { name: 'f' } }] })).rejects.toMatchObject({ code: 'backend_feature_unsupported' });
  });

  it('a cancel mid-stream ends the stream at once', async () => {
    const controller = new AbortController();
    let chunks = 0;
    const started = Date.now();
    const consume = async (): Promise<void> => {
      for await (const chunk of client.chatStream({ model: chatModel, messages: [{ role: 'user', content: 'Write a long story.' }], options: { num_predict: 2000 } }, controller.signal)) {
        void chunk;
        chunks += 1;
        if (chunks === 3) controller.abort(new ClientAbortedError());
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(ClientAbortedError);
    expect(chunks).toBe(3);
    expect(Date.now() - started).toBeLessThan(30_000);
    // The slot is free again: a short request after it is answered promptly.
    const after = Date.now();
    await client.chat({ model: chatModel, messages: hi, options: few });
    expect(Date.now() - after).toBeLessThan(15_000);
  });
});

/** The real server's models, as the simulator should present them (as test/real/fidelity.test.ts has them). */
const SIMULATED = [
  { name: REAL_MODELS.chat, family: 'llama', capabilities: ['completion'], contextLength: 8192 },
  { name: REAL_MODELS.ladder, family: 'gemma3', capabilities: ['completion'], contextLength: 32768 },
  { name: REAL_MODELS.embed, family: 'bert', quantization: 'F16', capabilities: ['embedding'], contextLength: 512, embeddingLength: 384 },
];

interface Case {
  name: string;
  method?: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

const CASES: Case[] = [
  { name: 'models', method: 'GET', path: '/v1/models' },
  { name: 'a model', method: 'GET', path: `/v1/models/${chatModel}` },
  { name: 'a missing model', method: 'GET', path: '/v1/models/missing:1b' },
  { name: 'chat', path: '/v1/chat/completions', body: { model: chatModel, messages: hi, max_tokens: 4, temperature: 0 } },
  { name: 'chat: streamed with usage', path: '/v1/chat/completions', body: { model: chatModel, messages: hi, max_tokens: 4, temperature: 0, stream: true, stream_options: { include_usage: true } } },
  { name: 'chat: streamed without usage', path: '/v1/chat/completions', body: { model: chatModel, messages: hi, max_tokens: 4, temperature: 0, stream: true } },
  { name: 'chat: logprobs', path: '/v1/chat/completions', body: { model: chatModel, messages: hi, max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 2 } },
  { name: 'chat: logprobs streamed', path: '/v1/chat/completions', body: { model: chatModel, messages: hi, max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 2, stream: true } },
  { name: 'chat: a missing model', path: '/v1/chat/completions', body: { model: 'missing:1b', messages: hi } },
  { name: 'chat: no messages', path: '/v1/chat/completions', body: { model: chatModel, messages: [] } },
  { name: 'chat: an empty body', path: '/v1/chat/completions', body: '' },
  { name: 'chat: tools on a model without tools', path: '/v1/chat/completions', body: { model: chatModel, messages: hi, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }] } },
  { name: 'completions', path: '/v1/completions', body: { model: chatModel, prompt: 'The sky is', max_tokens: 4, temperature: 0 } },
  { name: 'completions: streamed with usage', path: '/v1/completions', body: { model: chatModel, prompt: 'The sky is', max_tokens: 4, temperature: 0, stream: true, stream_options: { include_usage: true } } },
  { name: 'completions: a suffix on a model without insert', path: '/v1/completions', body: { model: chatModel, prompt: 'def f(', suffix: ')', max_tokens: 4 } },
  { name: 'embeddings', path: '/v1/embeddings', body: { model: embedModel, input: ['a cat', 'a dog'] } },
  { name: 'embeddings: a missing model', path: '/v1/embeddings', body: { model: 'missing:1b', input: ['a cat'] } },
  { name: 'embeddings: no input', path: '/v1/embeddings', body: { model: embedModel, input: [] } },
];

interface Observed {
  status: number;
  contentType: string;
  error?: unknown;
  /** Field paths with JSON types: the answer's, or a stream's first event, its finish event and its last event. */
  shapes: string[][];
  /** A stream's last data line was `[DONE]`. */
  done?: boolean;
}

function shape(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [`${prefix}:array`] : [`${prefix}:array`, ...shape(value[0], `${prefix}[]`)];
  if (value !== null && typeof value === 'object') {
    const paths = prefix === '' ? [] : [`${prefix}:object`];
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) paths.push(...shape(inner, prefix === '' ? key : `${prefix}.${key}`));
    return paths.sort();
  }
  return [`${prefix}:${value === null ? 'null' : typeof value}`];
}

async function observe(baseUrl: string, testCase: Case): Promise<Observed> {
  const response = await fetch(`${baseUrl}${testCase.path}`, {
    method: testCase.method ?? 'POST',
    ...(testCase.body === undefined ? {} : { body: typeof testCase.body === 'string' ? testCase.body : JSON.stringify(testCase.body) }),
  });
  const text = await response.text();
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!;
  if (contentType === 'text/event-stream') {
    const data = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice('data: '.length));
    const done = data.at(-1) === '[DONE]';
    const events = data.filter((line) => line !== '[DONE]').map((line) => JSON.parse(line) as { choices?: { finish_reason?: unknown }[] });
    const finish = events.find((event) => event.choices?.[0]?.finish_reason != null);
    return { status: response.status, contentType, done, shapes: [shape(events[0]), shape(finish), shape(events.at(-1)), [`events after the finish: ${events.length - 1 - events.indexOf(finish!)}`]] };
  }
  const value = JSON.parse(text) as { error?: unknown };
  return { status: response.status, contentType, ...(value.error !== undefined && { error: value.error }), shapes: [shape(value)] };
}

describe.skipIf(realSkipped !== undefined)("the simulator's /v1 against real Ollama's", () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ models: SIMULATED });
  });
  afterAll(async () => simulator?.close());

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const real = await observe(realOllamaUrl(), testCase);
      const simulated = await observe(simulator.url, testCase);
      expect(simulated, `real Ollama answered ${JSON.stringify(real)}`).toEqual(real);
    });
  }
});

/**
 * The OpenAI-compatible adapter's mapping details: the exact /v1 bodies it sends, tool-call
 * deltas streamed piece by piece (as vLLM does) assembled into whole native calls, logprobs,
 * reasoning, usage, features the backend lacks refused with nothing sent, the Authorization
 * header, OpenAI error bodies with Retry-After, a stream cut short, cancellation and silence.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiCompatClient, type OpenAiCompatClientOptions } from '../../src/llm/openai/openai-compat-client.js';
import { toChatCompletionBody } from '../../src/llm/openai/chat-completion-request.js';
import { toCompletionBody } from '../../src/llm/openai/completion-request.js';
import type { OllamaChatResponse } from '../../src/types/ollama.js';
import { ClientAbortedError, UpstreamError, UpstreamProtocolError, UpstreamTimeoutError } from '../../src/utils/errors.js';
import { startSimulator, type Simulator } from '../simulator/index.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A scripted OpenAI server on port 0: each request gets the next answer; every request is recorded. */
async function scriptedServer(answer: (request: Seen, response: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      const entry = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
      seen.push(entry);
      answer(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const events = (...values: unknown[]): string => values.map((value) => `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`).join('');
const sse = (body: string) => (_request: Seen, response: ServerResponse): void => {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.end(body);
};
const chunk = (choice: object, extra: object = {}): object => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, ...choice }], ...extra });
const hi = [{ role: 'user' as const, content: 'Hi' }];
const fixedClock = { now: () => 0, date: () => new Date('2026-01-02T03:04:05.000Z') };

async function collect(stream: AsyncIterable<OllamaChatResponse>): Promise<OllamaChatResponse[]> {
  const chunks: OllamaChatResponse[] = [];
  for await (const piece of stream) chunks.push(piece);
  return chunks;
}

describe('the bodies sent', () => {
  it('maps a chat request: images, tool calls and results, options, a schema, logprobs; drops the Ollama-only hints', () => {
    const body = toChatCompletionBody({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is this?', images: ['iVBORw0KGgo=', '/9j/4AAQ'] },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'look', arguments: { q: 'x' } } }, { id: 'call_b', function: { name: 'fetch', arguments: {} } }] },
        { role: 'tool', content: 'fetched', tool_name: 'fetch' },
        { role: 'tool', content: 'seen', tool_name: 'look' },
        { role: 'tool', content: 'explicit', tool_call_id: 'call_z' },
      ],
      tools: [{ type: 'function', function: { name: 'look', parameters: { type: 'object' } } }],
      format: { type: 'object', properties: { a: { type: 'string' } } },
      options: { temperature: 0, top_p: 0.9, top_k: 40, seed: 7, num_predict: 32, num_ctx: 8192, stop: ['\n\n'], presence_penalty: 0.1, frequency_penalty: 0.2, repeat_penalty: 1.1 },
      keep_alive: '5m',
      think: true,
      logprobs: true,
      top_logprobs: 3,
      stream: false,
    });
    expect(body).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          ],
        },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'call_2_0', type: 'function', function: { name: 'look', arguments: '{"q":"x"}' } },
            { id: 'call_b', type: 'function', function: { name: 'fetch', arguments: '{}' } },
          ],
        },
        { role: 'tool', content: 'fetched', tool_call_id: 'call_b' },
        { role: 'tool', content: 'seen', tool_call_id: 'call_2_0' },
        { role: 'tool', content: 'explicit', tool_call_id: 'call_z' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
      top_p: 0.9,
      seed: 7,
      max_tokens: 32,
      stop: ['\n\n'],
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: true } },
      tools: [{ type: 'function', function: { name: 'look', parameters: { type: 'object' } } }],
      logprobs: true,
      top_logprobs: 3,
    });
  });

  it('JSON mode, an unbounded num_predict, and a completion with a suffix', () => {
    const chat = toChatCompletionBody({ model: 'm', messages: hi, format: 'json', options: { num_predict: -1 } });
    expect(chat).toEqual({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true }, response_format: { type: 'json_object' } });
    expect(toCompletionBody({ model: 'c', prompt: 'def f(', suffix: '\n  return x', raw: true, system: 'dropped', options: { num_predict: 16, temperature: 0.2 } })).toEqual({
      model: 'c',
      prompt: 'def f(',
      suffix: '\n  return x',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 16,
    });
  });
});

describe('a streamed answer read back as native chunks', () => {
  let server: Awaited<ReturnType<typeof scriptedServer>>;
  let body = '';
  beforeAll(async () => {
    server = await scriptedServer((request, response) => sse(body)(request, response));
  });
  afterAll(async () => server.close());
  const client = (options: Partial<OpenAiCompatClientOptions> = {}) => createOpenAiCompatClient({ baseUrl: server.url, timeoutMs: 2000, name: 'vllm', ...fixedClock, ...options });

  it('assembles tool-call deltas into whole calls, in order, each handed out when complete', async () => {
    body = events(
      chunk({ delta: { role: 'assistant', content: null, reasoning_content: 'Need the weather.' }, finish_reason: null }),
      chunk({ delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] }, finish_reason: null }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, finish_reason: null }),
      chunk({ delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }, finish_reason: null }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
      { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } },
      '[DONE]',
    );
    const chunks = await collect(client().chatStream({ model: 'qwen', messages: hi, tools: [{ type: 'function', function: { name: 'get_weather' } }] }));
    const stamp = '2026-01-02T03:04:05.000Z';
    expect(chunks).toEqual([
      { model: 'qwen', created_at: stamp, message: { role: 'assistant', content: '', thinking: 'Need the weather.' }, done: false },
      { model: 'qwen', created_at: stamp, message: { role: 'assistant', content: '', tool_calls: [{ id: 'call_a', function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } }] }, done: false },
      { model: 'qwen', created_at: stamp, message: { role: 'assistant', content: '', tool_calls: [{ id: 'call_b', function: { index: 1, name: 'get_time', arguments: {} } }] }, done: false },
      { model: 'qwen', created_at: stamp, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 0, prompt_eval_count: 12, prompt_eval_duration: 0, eval_count: 9, eval_duration: 0 },
    ]);
    expect(server.seen.at(-1)).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { stream: true, stream_options: { include_usage: true } } });
  });

  it("maps logprobs to Ollama's shape and a length finish to done_reason length", async () => {
    const logprob = { token: 'Hi', logprob: -0.5, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.5, bytes: [72, 105] }, { token: 'Yo', logprob: -1.5, bytes: null }] };
    body = events(chunk({ delta: { content: 'Hi' }, logprobs: { content: [logprob] }, finish_reason: null }), chunk({ delta: {}, finish_reason: 'length' }, { usage: { prompt_tokens: 3, completion_tokens: 1 } }), '[DONE]');
    const answer = await client().chat({ model: 'm', messages: hi, logprobs: true, top_logprobs: 2 });
    expect(answer.logprobs).toEqual([{ token: 'Hi', logprob: -0.5, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.5, bytes: [72, 105] }, { token: 'Yo', logprob: -1.5 }] }]);
    expect(answer).toMatchObject({ message: { role: 'assistant', content: 'Hi' }, done: true, done_reason: 'length', prompt_eval_count: 3, eval_count: 1 });
  });

  it('reads CRLF framing, comments and an event split across writes', async () => {
    body = `: keep-alive\r\n\r\ndata: ${JSON.stringify(chunk({ delta: { content: 'a' } }))}\r\n\r\ndata: ${JSON.stringify(chunk({ delta: { content: 'b' }, finish_reason: 'stop' }))}\r\n\r\ndata: [DONE]\r\n\r\n`;
    expect((await client().chat({ model: 'm', messages: hi })).message.content).toBe('ab');
  });

  it('accepts a finished stream without [DONE]; a stream cut before its finish is incomplete', async () => {
    body = events(chunk({ delta: { content: 'ok' }, finish_reason: 'stop' }));
    expect((await client().chat({ model: 'm', messages: hi })).message.content).toBe('ok');
    // What Ollama's /v1 sends when its stream fails mid-way: an empty chunk, and the end.
    body = events(chunk({ delta: { content: 'half' }, finish_reason: null }), chunk({ delta: { content: '' }, finish_reason: null }));
    await expect(client().chat({ model: 'm', messages: hi })).rejects.toThrow(/vllm" ended the stream of \/v1\/chat\/completions without a finish reason or \[DONE\]/);
  });

  it("an error event mid-stream is the backend's error; a bad event a protocol error", async () => {
    body = events(chunk({ delta: { content: 'x' } }), { error: { message: 'out of memory', type: 'InternalServerError', code: 500 } });
    await expect(client().chat({ model: 'm', messages: hi })).rejects.toMatchObject({ message: 'The OpenAI-compatible backend "vllm" failed mid-stream: out of memory', upstreamStatus: 500 });
    body = events(chunk({ delta: { content: 'x' } }), '{not json');
    await expect(client().chat({ model: 'm', messages: hi })).rejects.toBeInstanceOf(UpstreamProtocolError);
  });

  it('a tool call whose arguments are not a JSON object is a protocol error naming the tool', async () => {
    body = events(chunk({ delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{"a":' } }] }, finish_reason: 'tool_calls' }), '[DONE]');
    await expect(client().chat({ model: 'm', messages: hi })).rejects.toThrow(/tool call "f" with arguments that are not JSON/);
  });

  it('a completion stream becomes native generate chunks', async () => {
    const text = (value: string, finish: string | null) => ({ id: 'x', object: 'text_completion', created: 1, model: 'c', choices: [{ index: 0, text: value, finish_reason: finish }] });
    body = events(text('def', null), text(' f', 'stop'), { id: 'x', object: 'text_completion', created: 1, model: 'c', choices: [], usage: { prompt_tokens: 4, completion_tokens: 2 } }, '[DONE]');
    expect(await client().generate({ model: 'c', prompt: 'x', suffix: 'y' })).toEqual({
      model: 'c',
      created_at: '2026-01-02T03:04:05.000Z',
      response: 'def f',
      done: true,
      done_reason: 'stop',
      total_duration: 0,
      prompt_eval_count: 4,
      prompt_eval_duration: 0,
      eval_count: 2,
      eval_duration: 0,
    });
    expect(server.seen.at(-1)).toMatchObject({ path: '/v1/completions', body: { prompt: 'x', suffix: 'y' } });
  });
});

describe('answers that are not streams', () => {
  let server: Awaited<ReturnType<typeof scriptedServer>>;
  let reply: (request: Seen, response: ServerResponse) => void = () => {};
  beforeAll(async () => {
    server = await scriptedServer((request, response) => reply(request, response));
  });
  afterAll(async () => server.close());
  const client = () => createOpenAiCompatClient({ baseUrl: server.url, timeoutMs: 2000, name: 'vllm', apiKey: 'sk-secret' });
  const json = (status: number, value: unknown, headers: Record<string, string> = {}) => (_request: Seen, response: ServerResponse): void => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(value));
  };

  it('an OpenAI error body is an UpstreamError with its message and status, Retry-After kept', async () => {
    reply = json(429, { error: { message: 'Rate limit reached', type: 'rate_limit_error', code: 'rate_limited' } }, { 'retry-after': '7' });
    const limited = await client().chat({ model: 'm', messages: hi }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(UpstreamError);
    expect(limited).toMatchObject({ message: 'Rate limit reached', upstreamStatus: 429, status: 429, retryable: true, headers: { 'retry-after': '7' } });
    reply = json(503, { error: { message: 'overloaded', type: 'server_error' } }, { 'retry-after': '30' });
    await expect(client().embed({ model: 'e', input: 'x' })).rejects.toMatchObject({
      message: 'The OpenAI-compatible backend "vllm" failed (HTTP 503): overloaded',
      status: 503,
      headers: { 'retry-after': '30' },
    });
    reply = json(404, { error: { message: 'The model `x` does not exist.', type: 'NotFoundError', code: 404 } });
    await expect(client().chat({ model: 'x', messages: hi })).rejects.toMatchObject({ upstreamStatus: 404, message: 'The model `x` does not exist.', headers: {} });
  });

  it("a 401 from the backend is rlm's credentials failing, a 502 naming the setting, not the client's 401", async () => {
    reply = json(401, { error: { message: 'Invalid API key', type: 'authentication_error' } });
    await expect(client().tags()).rejects.toMatchObject({
      status: 502,
      code: 'upstream_auth_failed',
      message: 'The backend "vllm" refused rlm\'s credentials (HTTP 401: Invalid API key). Check its apiKey (or apiKeyEnv) in rlm.config.json.',
    });
  });

  it('embeddings come back in input order by index; the key goes as a Bearer token', async () => {
    reply = json(200, { object: 'list', data: [{ object: 'embedding', index: 1, embedding: [0, 1] }, { object: 'embedding', index: 0, embedding: [1, 0] }], usage: { prompt_tokens: 2, total_tokens: 2 } });
    const embedded = await client().embed({ model: 'e', input: ['first', 'second'], dimensions: 2, truncate: true });
    expect(embedded).toMatchObject({ model: 'e', embeddings: [[1, 0], [0, 1]], prompt_eval_count: 2 });
    expect(server.seen.at(-1)).toMatchObject({ path: '/v1/embeddings', body: { model: 'e', input: ['first', 'second'], encoding_format: 'float', dimensions: 2 } });
    expect(server.seen.at(-1)?.headers.authorization).toBe('Bearer sk-secret');
  });

  it('tags come from /v1/models (null data is no models); the configured list asks nothing', async () => {
    reply = json(200, { object: 'list', data: [{ id: 'meta-llama/Llama-3.1-8B-Instruct', object: 'model', created: 1700000000, owned_by: 'vllm' }] });
    const { models } = await client().tags();
    expect(models).toEqual([
      {
        name: 'meta-llama/Llama-3.1-8B-Instruct',
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        modified_at: '2023-11-14T22:13:20.000Z',
        size: 0,
        digest: expect.stringMatching(/^[0-9a-f]{64}$/),
        details: { parent_model: '', format: '', family: '', families: null, parameter_size: '', quantization_level: '' },
      },
    ]);
    reply = json(200, { object: 'list', data: null });
    expect(await client().tags()).toEqual({ models: [] });
    const before = server.seen.length;
    const configured = createOpenAiCompatClient({ baseUrl: server.url, timeoutMs: 2000, models: ['a', 'b'] });
    expect((await configured.tags()).models.map((model) => model.name)).toEqual(['a', 'b']);
    expect(server.seen.length).toBe(before);
  });
});

describe('against the simulator /v1', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator();
  });
  afterAll(async () => simulator.close());
  beforeEach(() => simulator.reset());

  it('refuses what the backend lacks at once, naming backend, model and feature, with nothing sent', async () => {
    const client = createOpenAiCompatClient({ baseUrl: simulator.url, timeoutMs: 2000, name: 'old-llamacpp', unsupported: ['structured', 'tools', 'logprobs', 'completions', 'embeddings'] });
    const refusals = [
      client.chat({ model: 'llama3.2', messages: hi, format: 'json' }),
      client.chat({ model: 'llama3.2', messages: hi, tools: [{ type: 'function', function: { name: 'f' } }] }),
      client.chat({ model: 'llama3.2', messages: hi, logprobs: true }),
      client.generate({ model: 'llama3.2', prompt: 'x' }),
      client.embed({ model: 'nomic-embed-text', input: 'x' }),
      client.chatStream({ model: 'llama3.2', messages: hi, format: { type: 'object' } }).next(),
    ];
    const errors = await Promise.all(refusals.map((refusal) => (refusal as Promise<unknown>).catch((error: unknown) => error)));
    expect(errors.map((error) => (error as { feature: string }).feature)).toEqual(['structured', 'tools', 'logprobs', 'completions', 'embeddings', 'structured']);
    for (const error of errors) expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'backend_feature_unsupported' });
    expect((errors[1] as Error).message).toBe(
      'The backend "old-llamacpp" serving "llama3.2" does not offer tool calls (tools). Send the request without it, pin a model on a backend that offers it (backend/model), or remove "tools" from that backend\'s "unsupported" list in rlm.config.json if the server does support it.',
    );
    expect(simulator.requests).toEqual([]);
    // What it does offer still goes through.
    expect((await client.chat({ model: 'llama3.2', messages: hi })).done).toBe(true);
    expect((await client.show({ model: 'llama3.2' })).capabilities).toEqual(['completion']);
    expect((await createOpenAiCompatClient({ baseUrl: simulator.url, timeoutMs: 2000 }).show({ model: 'llama3.2' })).capabilities).toEqual(['completion', 'tools', 'insert']);
    expect((await client.show({ model: 'nomic-embed-text' })).capabilities).toEqual([]);
  });

  it.each([
    ['node:http', {}],
    ['fetch', { fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, init) }],
  ])('sends Authorization: Bearer over %s, and nothing without a key', async (_name, transport) => {
    await createOpenAiCompatClient({ baseUrl: simulator.url, timeoutMs: 2000, apiKey: 'sk-test', ...transport }).chat({ model: 'llama3.2', messages: hi });
    await createOpenAiCompatClient({ baseUrl: simulator.url, timeoutMs: 2000, apiKey: 'sk-test', ...transport }).tags();
    await createOpenAiCompatClient({ baseUrl: simulator.url, timeoutMs: 2000, ...transport }).tags();
    expect(simulator.requests.map((request) => [request.path, request.headers.authorization])).toEqual([
      ['/v1/chat/completions', 'Bearer sk-test'],
      ['/v1/models', 'Bearer sk-test'],
      ['/v1/models', undefined],
    ]);
  });

  it('the simulator scripts tool calls and structured output through /v1 as through the native API', async () => {
    const client = createOpenAiCompatClient({ baseUrl: simulator.url, timeoutMs: 2000 });
    simulator.script('llama3.2', { content: '', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_1' }] });
    const called = await client.chat({ model: 'llama3.2', messages: hi, tools: [{ type: 'function', function: { name: 'get_weather' } }] });
    expect(called.message.tool_calls).toEqual([{ id: 'call_1', function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } }]);
    const structured = await client.chat({ model: 'qwen2.5:0.5b', messages: hi, format: { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] } });
    expect(JSON.parse(structured.message.content)).toEqual({ answer: 0 });
    expect(simulator.requests[1]?.body).toMatchObject({ response_format: { type: 'json_schema', json_schema: { name: 'response', strict: true } } });
  });

  it.each([
    ['node:http', {}],
    ['fetch', { fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, init) }],
  ])('a consumer that stops early, or a cancel, closes the upstream socket (over %s)', async (_name, transport) => {
    const slow = await startSimulator({ tokenLatencyMs: 50 });
    try {
      slow.script('llama3.2:latest', 'word '.repeat(50));
      const client = createOpenAiCompatClient({ baseUrl: slow.url, timeoutMs: 5000, ...transport });
      for await (const piece of client.chatStream({ model: 'llama3.2', messages: hi })) {
        void piece;
        break;
      }
      await slow.waitFor((stats) => stats.aborted === 1 && stats.inFlight === 0, 5000);
      const controller = new AbortController();
      const pending = client.chat({ model: 'llama3.2', messages: hi }, controller.signal);
      await slow.waitFor((stats) => stats.inFlight === 1, 5000);
      controller.abort(new ClientAbortedError());
      await expect(pending).rejects.toBeInstanceOf(ClientAbortedError);
      await slow.waitFor((stats) => stats.aborted === 2 && stats.inFlight === 0, 5000);
    } finally {
      await slow.close();
    }
  });

  it('silence after the headers is an UpstreamTimeoutError naming the backend', async () => {
    simulator.fault({ kind: 'stall', afterChunks: 1 });
    const client = createOpenAiCompatClient({ baseUrl: simulator.url, timeoutMs: 200, name: 'gpu-box' });
    const failure = await client.chat({ model: 'llama3.2', messages: hi }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamTimeoutError);
    expect((failure as Error).message).toMatch(/^The OpenAI-compatible backend "gpu-box" at http:\/\/127\.0\.0\.1:\d+ sent nothing for 0 s/);
    await simulator.waitFor((stats) => stats.inFlight === 0, 2000);
  });

  it("faults reach the adapter as Ollama's /v1 shows them", async () => {
    const client = createOpenAiCompatClient({ baseUrl: simulator.url, timeoutMs: 2000 });
    simulator.fault({ kind: 'http-error', status: 500, message: 'boom' });
    await expect(client.chat({ model: 'llama3.2', messages: hi })).rejects.toThrow('The OpenAI-compatible backend "openai" failed (HTTP 500): boom');
    simulator.fault({ kind: 'error-line', afterChunks: 1, message: 'ran out' });
    await expect(client.chat({ model: 'llama3.2', messages: hi })).rejects.toThrow(/without a finish reason or \[DONE\]/);
    simulator.fault({ kind: 'reset', afterChunks: 1 });
    await expect(client.chat({ model: 'llama3.2', messages: hi })).rejects.toThrow(/connection to the OpenAI-compatible backend "openai"/);
    simulator.fault({ kind: 'malformed-line', afterChunks: 1 });
    await expect(client.chat({ model: 'llama3.2', messages: hi })).rejects.toBeInstanceOf(UpstreamProtocolError);
  });
});

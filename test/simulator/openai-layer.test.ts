/**
 * The simulator's /v1 layer, byte for byte, in Ollama 0.24.0's framing (test/real/openai-compat.test.ts
 * holds it to the real server's fields): streamed and whole chat and text completions, errors, the
 * models list, embeddings, the mapping to the native request scripts see, and a mid-stream error.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RecordedRequest, type Simulator } from './index.js';

const NOW = '2026-01-02T03:04:05.678Z';
const CREATED = Math.floor(Date.parse(NOW) / 1000);
let simulator: Simulator;

beforeAll(async () => {
  simulator = await startSimulator({ now: () => new Date(NOW) });
});
afterAll(async () => simulator.close());
beforeEach(() => simulator.reset());

async function post(path: string, body: unknown): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${simulator.url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

const user = [{ role: 'user', content: 'Hi' }];
const head = (id: string) => `"id":"${id}","object":"chat.completion.chunk","created":${CREATED},"model":"llama3.2","system_fingerprint":"fp_ollama"`;

describe('POST /v1/chat/completions', () => {
  it('streams a chunk per token with role on each, finish on the done chunk, usage on request, then [DONE]', async () => {
    simulator.script('llama3.2', 'Hello there');
    const answer = await post('/v1/chat/completions', { model: 'llama3.2', messages: user, stream: true, stream_options: { include_usage: true } });
    const id = /"id":"(chatcmpl-\d+)"/.exec(answer.text)![1]!;
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('text/event-stream');
    expect(answer.text).toBe(
      `data: {${head(id)},"choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}\n\n` +
        `data: {${head(id)},"choices":[{"index":0,"delta":{"role":"assistant","content":" there"},"finish_reason":null}]}\n\n` +
        `data: {${head(id)},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}\n\n` +
        `data: {${head(id)},"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  it('answers whole by default, tool calls with string arguments and finish_reason tool_calls', async () => {
    simulator.script('llama3.2', { content: '', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_1' }] });
    const answer = await post('/v1/chat/completions', { model: 'llama3.2', messages: user, tools: [{ type: 'function', function: { name: 'get_weather' } }] });
    const id = /"id":"(chatcmpl-\d+)"/.exec(answer.text)![1]!;
    expect(answer.type).toBe('application/json');
    expect(answer.text).toBe(
      `{"id":"${id}","object":"chat.completion","created":${CREATED},"model":"llama3.2","system_fingerprint":"fp_ollama","choices":[{"index":0,"message":{"role":"assistant","content":"","tool_calls":[{"id":"call_1","index":0,"type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":5,"completion_tokens":0,"total_tokens":5}}\n`,
    );
  });

  it('maps the OpenAI request to the native one the scripts see', async () => {
    let seen: RecordedRequest | undefined;
    simulator.script('qwen3:8b', (request) => {
      seen = request;
      return 'ok';
    });
    await post('/v1/chat/completions', {
      model: 'qwen3:8b',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] },
        { role: 'tool', content: 'done', tool_call_id: 'call_a' },
      ],
      max_tokens: 9,
      stop: 'END',
      seed: 3,
      response_format: { type: 'json_object' },
      reasoning_effort: 'minimal',
      logprobs: true,
      top_logprobs: 1,
    });
    expect(seen?.body).toEqual({
      model: 'qwen3:8b',
      messages: [
        { role: 'user', content: 'Look' },
        { role: 'user', content: '', images: ['iVBORw0KGgo='] },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_a', function: { name: 'f', arguments: { x: 1 } } }] },
        { role: 'tool', content: 'done', tool_name: 'f', tool_call_id: 'call_a' },
      ],
      stream: false,
      options: { num_predict: 9, temperature: 1, top_p: 1, seed: 3, stop: ['END'] },
      format: 'json',
      think: 'low',
      logprobs: true,
      top_logprobs: 1,
    });
    expect(simulator.requests[0]?.path).toBe('/v1/chat/completions');
    expect(simulator.requests[0]?.body).toMatchObject({ max_tokens: 9 });
  });

  it("errors in OpenAI's shape with the native status and message", async () => {
    expect(await post('/v1/chat/completions', { model: 'missing:1b', messages: user })).toEqual({
      status: 404,
      type: 'application/json',
      text: '{"error":{"message":"model \'missing:1b\' not found","type":"not_found_error","param":null,"code":null}}\n',
    });
    expect((await post('/v1/chat/completions', '')).text).toBe('{"error":{"message":"EOF","type":"invalid_request_error","param":null,"code":null}}\n');
    expect((await post('/v1/chat/completions', { model: 'llama3.2', messages: [] })).text).toContain('"message":"[] is too short - \'messages\'"');
    expect((await post('/v1/chat/completions', { model: 'llama3.2', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'https://x/y.png' }] }] })).text).toContain(
      'image URLs are not currently supported, please use base64 encoded data instead',
    );
  });

  it('an error once streaming started is an empty chunk and the end: no finish, no [DONE]', async () => {
    simulator.script('llama3.2', 'one two three');
    simulator.fault({ kind: 'error-line', afterChunks: 1, message: 'ran out' });
    const answer = await post('/v1/chat/completions', { model: 'llama3.2', messages: user, stream: true });
    const id = /"id":"(chatcmpl-\d+)"/.exec(answer.text)![1]!;
    expect(answer.text).toBe(
      `data: {${head(id)},"choices":[{"index":0,"delta":{"role":"assistant","content":"one"},"finish_reason":null}]}\n\n` +
        `data: {"id":"${id}","object":"chat.completion.chunk","created":${CREATED},"model":"","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`,
    );
  });
});

describe('the other /v1 routes', () => {
  it('POST /v1/completions streams text completions with zero usage on each chunk and the real one last', async () => {
    simulator.script('llama3.2', 'blue sky');
    const answer = await post('/v1/completions', { model: 'llama3.2', prompt: 'The sky is', stream: true, stream_options: { include_usage: true } });
    const id = /"id":"(cmpl-\d+)"/.exec(answer.text)![1]!;
    const zero = '"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}';
    const chunk = (text: string, finish: string) =>
      `data: {"id":"${id}","object":"text_completion","created":${CREATED},"choices":[{"text":"${text}","index":0,"finish_reason":${finish}}],"model":"llama3.2","system_fingerprint":"fp_ollama",${zero}}\n\n`;
    expect(answer.text).toBe(
      chunk('blue', 'null') +
        chunk(' sky', 'null') +
        chunk('', '"stop"') +
        `data: {"id":"${id}","object":"text_completion","created":${CREATED},"choices":[],"model":"llama3.2","system_fingerprint":"fp_ollama","usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  it('POST /v1/embeddings: float or base64 vectors by index, usage, and its errors', async () => {
    const floats = JSON.parse((await post('/v1/embeddings', { model: 'nomic-embed-text', input: ['a', 'b'] })).text) as { data: { embedding: number[]; index: number }[]; usage: object };
    expect(floats.data.map((entry) => [entry.index, entry.embedding.length])).toEqual([[0, 768], [1, 768]]);
    expect(floats.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    const base64 = JSON.parse((await post('/v1/embeddings', { model: 'nomic-embed-text', input: 'a', encoding_format: 'base64' })).text) as { data: { embedding: string }[] };
    const decoded = Buffer.from(base64.data[0]!.embedding, 'base64');
    expect(decoded.readFloatLE(0)).toBeCloseTo(floats.data[0]!.embedding[0]!, 6);
    expect((await post('/v1/embeddings', { model: 'nomic-embed-text', input: [] })).text).toContain('"message":"invalid input"');
    expect((await post('/v1/embeddings', { model: 'nope', input: 'a' })).text).toContain('"message":"model \\"nope\\" not found, try pulling it first","type":"not_found_error"');
  });

  it('GET /v1/models lists the installed models newest first; one model; none is data:null', async () => {
    const list = JSON.parse(await (await fetch(`${simulator.url}/v1/models`)).text()) as { object: string; data: { id: string; owned_by: string }[] };
    expect(list.object).toBe('list');
    expect(list.data.map((model) => model.id)).toEqual(['qwen3:8b', 'qwen2.5:0.5b', 'llama3.2:latest', 'qwen2.5-coder:1.5b', 'nomic-embed-text:latest']);
    expect(await (await fetch(`${simulator.url}/v1/models/llama3.2`)).json()).toEqual({ id: 'llama3.2', object: 'model', created: 1746405464, owned_by: 'library' });
    expect((await fetch(`${simulator.url}/v1/models/nope`)).status).toBe(404);
    const empty = await startSimulator({ models: [] });
    try {
      expect(await (await fetch(`${empty.url}/v1/models`)).text()).toBe('{"object":"list","data":null}\n');
    } finally {
      await empty.close();
    }
  });
});

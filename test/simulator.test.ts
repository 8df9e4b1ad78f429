import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { startSimulator, type Simulator } from './simulator/index.js';

const NOW = '2025-01-02T03:04:05.678Z';
let simulator: Simulator;

beforeAll(async () => {
  simulator = await startSimulator({ now: () => new Date(NOW) });
});
afterAll(async () => {
  await simulator.close();
});
beforeEach(() => {
  simulator.reset();
});

function post(path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${simulator.url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

async function lines(response: Response): Promise<string[]> {
  const text = await response.text();
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

async function expectError(response: Response, status: number, message: string): Promise<void> {
  expect({ status: response.status, type: response.headers.get('content-type'), body: await response.text() }).toEqual({
    status,
    type: 'application/json; charset=utf-8',
    body: JSON.stringify({ error: message }),
  });
}

const user = (content: string) => [{ role: 'user', content }];

describe('metadata routes', () => {
  it('answers the liveness probe, version, ps, and gin-style 404/405', async () => {
    const root = await fetch(`${simulator.url}/`);
    expect(root.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await root.text()).toBe('Ollama is running');
    expect((await fetch(`${simulator.url}/`, { method: 'HEAD' })).status).toBe(200);
    expect(await (await fetch(`${simulator.url}/api/version`)).text()).toBe('{"version":"0.33.0"}');
    expect(await (await fetch(`${simulator.url}/api/ps`)).text()).toBe('{"models":[]}');
    const missing = await fetch(`${simulator.url}/api/nope`);
    expect([missing.status, missing.headers.get('content-type'), await missing.text()]).toEqual([
      404, 'text/plain', '404 page not found',
    ]);
    const wrongMethod = await fetch(`${simulator.url}/api/chat`);
    expect([wrongMethod.status, await wrongMethod.text()]).toEqual([405, '405 method not allowed']);
  });

  it('lists tags newest first with details, and no capabilities (as Ollama 0.24.0)', async () => {
    const body = (await (await fetch(`${simulator.url}/api/tags`)).json()) as { models: Record<string, unknown>[] };
    expect(body.models.map((model) => model.name)).toEqual([
      'qwen3:8b', 'qwen2.5:0.5b', 'llama3.2:latest', 'qwen2.5-coder:1.5b', 'nomic-embed-text:latest',
    ]);
    expect(Object.keys(body.models[2] ?? {})).toEqual([
      'name', 'model', 'modified_at', 'size', 'digest', 'details',
    ]);
    expect(body.models[2]).toMatchObject({
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
    });
    expect(body.models[2]?.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows a model, and rejects unknown or missing names', async () => {
    const shown = (await (await post('/api/show', { model: 'NOMIC-embed-text' })).json()) as Record<string, unknown>;
    expect(shown.model_info).toEqual({
      'general.architecture': 'nomic-bert',
      'general.parameter_count': 137_000_000,
      'nomic-bert.context_length': 2048,
      'nomic-bert.embedding_length': 768,
    });
    expect(shown.capabilities).toEqual(['embedding']);
    await expectError(await post('/api/show', { model: 'mistral' }), 404, "model 'mistral:latest' not found");
    await expectError(await post('/api/show', {}), 400, 'model is required');
  });
});

describe('POST /api/chat', () => {
  it('streams one NDJSON line per token, then the done line with metrics', async () => {
    simulator.script('llama3.2:latest', 'Hello there!');
    const response = await post('/api/chat', { model: 'llama3.2', messages: user('Say hi') });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(await lines(response)).toEqual([
      `{"model":"llama3.2","created_at":"${NOW}","message":{"role":"assistant","content":"Hello"},"done":false}`,
      `{"model":"llama3.2","created_at":"${NOW}","message":{"role":"assistant","content":" there!"},"done":false}`,
      `{"model":"llama3.2","created_at":"${NOW}","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":4750000,"load_duration":1000000,"prompt_eval_count":6,"prompt_eval_duration":1500000,"eval_count":2,"eval_duration":2000000}`,
    ]);
    expect(simulator.requests).toMatchObject([{ method: 'POST', path: '/api/chat', body: { model: 'llama3.2' }, aborted: false }]);
    await simulator.waitFor((stats) => stats.completed === 1 && stats.inFlight === 0);
  });

  it('aggregates a non-streaming answer and escapes HTML like Go', async () => {
    simulator.script('qwen3:8b', { thinking: 'Let me think.', content: 'It is <b>blue</b>.' });
    const response = await post('/api/chat', { model: 'qwen3:8b', messages: user('Sky?'), stream: false });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe(
      `{"model":"qwen3:8b","created_at":"${NOW}","message":{"role":"assistant","content":"It is \\u003cb\\u003eblue\\u003c/b\\u003e.","thinking":"Let me think."},"done":true,"done_reason":"stop","total_duration":5500000,"load_duration":1000000,"prompt_eval_count":5,"prompt_eval_duration":1250000,"eval_count":3,"eval_duration":3000000}`,
    );
  });

  it('answers unscripted models deterministically, and consumes scripted lists in order', async () => {
    const first = (await (await post('/api/chat', { model: 'qwen2.5:0.5b', messages: user('What is 2+2?'), stream: false })).json()) as {
      message: { content: string };
    };
    expect(first.message.content).toBe('Simulated answer from qwen2.5:0.5b to: What is 2+2?');
    simulator.script('qwen2.5:0.5b', ['one', { content: 'two' }]);
    const contents: string[] = [];
    for (let call = 0; call < 3; call += 1) {
      const body = (await (await post('/api/chat', { model: 'QWEN2.5:0.5b', messages: user('x'), stream: false })).json()) as {
        message: { content: string };
      };
      contents.push(body.message.content);
    }
    expect(contents).toEqual(['one', 'two', 'two']);
    simulator.script('qwen2.5:0.5b', (request) => `saw ${(request.body as { messages: unknown[] }).messages.length} messages`);
    const scripted = await (await post('/api/chat', { model: 'qwen2.5:0.5b', messages: user('x'), stream: false })).json();
    expect(scripted).toMatchObject({ message: { content: 'saw 1 messages' } });
  });

  it('emits tool calls on a chunk before the done line, or inside it', async () => {
    const toolCalls = [{ name: 'get_weather', arguments: { city: 'Tokyo' }, id: 'call_abc12345' }];
    simulator.script('llama3.2', [{ toolCalls }, { toolCalls, toolCallsOn: 'done' }]);
    const call = '"tool_calls":[{"id":"call_abc12345","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]';
    const onChunk = await lines(await post('/api/chat', { model: 'llama3.2', messages: user('Weather?') }));
    expect(onChunk[0]).toBe(
      `{"model":"llama3.2","created_at":"${NOW}","message":{"role":"assistant","content":"",${call}},"done":false}`,
    );
    expect(onChunk[1]).toMatch(/"message":\{"role":"assistant","content":""\},"done":true,"done_reason":"stop"/);
    const onDone = await lines(await post('/api/chat', { model: 'llama3.2', messages: user('Weather?') }));
    expect(onDone).toHaveLength(1);
    expect(onDone[0]).toContain(`"message":{"role":"assistant","content":"",${call}},"done":true,"done_reason":"stop"`);
  });

  it('generates tool-call ids in Ollama\'s shape when none is scripted', async () => {
    simulator.script('llama3.2', { toolCalls: [{ name: 'a', arguments: {} }, { name: 'b', arguments: { x: 1 } }] });
    const body = (await (await post('/api/chat', { model: 'llama3.2', messages: user('x'), stream: false })).json()) as {
      message: { tool_calls: { id: string; function: { index: number } }[] };
    };
    expect(body.message.tool_calls.map((call) => call.id)).toEqual([expect.stringMatching(/^call_[a-z0-9]{8}$/), expect.stringMatching(/^call_[a-z0-9]{8}$/)]);
    expect(body.message.tool_calls.map((call) => call.function.index)).toEqual([0, 1]);
  });

  it('streams thinking before content, and drops it for think:false', async () => {
    simulator.script('qwen3:8b', { thinking: 'Hmm ok', content: 'Yes' });
    const thinking = await lines(await post('/api/chat', { model: 'qwen3:8b', messages: user('?') }));
    expect(thinking.slice(0, 3).map((line) => JSON.parse(line).message)).toEqual([
      { role: 'assistant', content: '', thinking: 'Hmm' },
      { role: 'assistant', content: '', thinking: ' ok' },
      { role: 'assistant', content: 'Yes' },
    ]);
    const plain = await lines(await post('/api/chat', { model: 'qwen3:8b', messages: user('?'), think: false }));
    expect(plain.map((line) => JSON.parse(line).message)).toEqual([
      { role: 'assistant', content: 'Yes' },
      { role: 'assistant', content: '' },
    ]);
  });

  it('honours num_predict and stop', async () => {
    simulator.script('llama3.2', 'one two three four. five six');
    const limited = await (await post('/api/chat', { model: 'llama3.2', messages: user('x'), stream: false, options: { num_predict: 2 } })).json();
    expect(limited).toMatchObject({ message: { content: 'one two' }, done_reason: 'length', eval_count: 2 });
    const stopped = await (await post('/api/chat', { model: 'llama3.2', messages: user('x'), stream: false, options: { stop: ['.', 'six'] } })).json();
    expect(stopped).toMatchObject({ message: { content: 'one two three four' }, done_reason: 'stop', eval_count: 4 });
  });

  it('answers load and unload requests with one JSON object', async () => {
    const load = await post('/api/chat', { model: 'llama3.2' });
    expect(load.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await load.text()).toBe(
      `{"model":"llama3.2","created_at":"${NOW}","message":{"role":"assistant","content":""},"done":true,"done_reason":"load"}`,
    );
    expect(await (await post('/api/chat', { model: 'llama3.2', messages: [], keep_alive: 0 })).json()).toMatchObject({ done_reason: 'unload' });
  });

  it('rejects bad requests with Ollama\'s statuses and messages', async () => {
    const chat = (body: unknown) => post('/api/chat', body);
    await expectError(await chat(''), 400, 'missing request body');
    await expectError(await chat('{"model": llama}'), 400, "invalid character 'l' looking for beginning of value");
    await expectError(await chat('{"model":"llama3.2"'), 400, 'unexpected EOF');
    await expectError(await chat({ model: 'llama3.2', stream: 'yes' }), 400, 'json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool');
    await expectError(await chat({ messages: user('x') }), 400, 'model is required');
    await expectError(await chat({ model: 'mistral', messages: user('x') }), 404, "model 'mistral' not found");
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    await expectError(await chat({ model: 'qwen2.5-coder:1.5b', messages: user('x'), tools }), 400, 'registry.ollama.ai/library/qwen2.5-coder:1.5b does not support tools');
    await expectError(await chat({ model: 'nomic-embed-text', messages: user('x') }), 400, '"nomic-embed-text" does not support chat');
    await expectError(await chat({ model: 'llama3.2', messages: user('x'), think: true }), 400, '"llama3.2" does not support thinking');
    await expectError(await chat({ model: 'qwen3:8b', messages: user('x'), think: 'foo' }), 400, 'invalid think value: "foo" (must be "high", "medium", "low", "max", true, or false)');
    await expectError(await chat({ model: 'llama3.2', messages: user('x'), keep_alive: '300' }), 400, 'time: missing unit in duration "300"');
    await expectError(await chat({ model: 'llama3.2', messages: user('x'), options: { stop: '\n' } }), 500, 'option "stop" must be of type array');
    await expectError(await chat({ model: 'llama3.2', messages: user('x'), options: { temperature: '0.5' } }), 500, 'option "temperature" must be of type float32');
    await expectError(await chat({ model: 'llama3.2', messages: user('x'), format: 'xml' }), 500, 'invalid format: "\\"xml\\""; expected "json" or a valid JSON Schema object');
    await expectError(
      await chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x', images: ['data:image/png;base64,AAAA'] }] }),
      400,
      'illegal base64 data at input byte 4',
    );
  });
});

describe('POST /api/generate', () => {
  it('streams response chunks and returns context on the done line unless raw', async () => {
    simulator.script('llama3.2', 'Blue sky');
    const streamed = await lines(await post('/api/generate', { model: 'llama3.2', prompt: 'Why blue?' }));
    expect(streamed[0]).toBe(`{"model":"llama3.2","created_at":"${NOW}","response":"Blue","done":false}`);
    expect(streamed[2]).toMatch(/^\{"model":"llama3\.2","created_at":"[^"]+","response":"","done":true,"done_reason":"stop","context":\[(\d+,){3}\d+\],"total_duration":\d+/);
    const raw = await (await post('/api/generate', { model: 'llama3.2', prompt: 'Why blue?', raw: true, stream: false })).json();
    expect(raw).toMatchObject({ response: 'Blue sky', done: true });
    expect(raw).not.toHaveProperty('context');
    const unscripted = await (await post('/api/generate', { model: 'qwen2.5:0.5b', prompt: 'x', stream: false })).json();
    expect(unscripted).toMatchObject({ response: 'Simulated completion from qwen2.5:0.5b' });
  });

  it('answers load/unload and rejects bad requests', async () => {
    expect(await (await post('/api/generate', { model: 'llama3.2' })).text()).toBe(
      `{"model":"llama3.2","created_at":"${NOW}","response":"","done":true,"done_reason":"load"}`,
    );
    expect(await (await post('/api/generate', { model: 'llama3.2', keep_alive: 0 })).json()).toMatchObject({ done_reason: 'unload' });
    await expectError(await post('/api/generate', { prompt: 'x' }), 404, "model '' not found");
    await expectError(await post('/api/generate', { model: 'mistral', prompt: 'x' }), 404, "model 'mistral' not found");
    await expectError(await post('/api/generate', { model: 'llama3.2', prompt: 'x', raw: true, system: 's' }), 400, 'raw mode does not support template, system, or context');
    await expectError(await post('/api/generate', { model: 'llama3.2', prompt: 'x', suffix: 'y' }), 400, 'registry.ollama.ai/library/llama3.2:latest does not support insert');
    await expectError(await post('/api/generate', { model: 'nomic-embed-text', prompt: 'x' }), 400, '"nomic-embed-text" does not support generate');
    expect((await post('/api/generate', { model: 'qwen2.5-coder:1.5b', prompt: 'x', suffix: 'y', stream: false })).status).toBe(200);
  });
});

describe('POST /api/embed and /api/embeddings', () => {
  const norm = (vector: number[]) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

  it('returns deterministic, L2-normalised vectors and honours dimensions', async () => {
    const body = (await (await post('/api/embed', { model: 'nomic-embed-text', input: ['red apple', 'red apple', 'blue sea'] })).json()) as {
      model: string;
      embeddings: number[][];
      prompt_eval_count: number;
    };
    expect(body.model).toBe('nomic-embed-text');
    expect(body.embeddings.map((vector) => vector.length)).toEqual([768, 768, 768]);
    for (const vector of body.embeddings) expect(norm(vector)).toBeCloseTo(1, 5);
    expect(body.embeddings[0]).toEqual(body.embeddings[1]);
    expect(body.embeddings[0]).not.toEqual(body.embeddings[2]);
    expect(body.prompt_eval_count).toBe(6);
    const small = (await (await post('/api/embed', { model: 'nomic-embed-text', input: 'red apple', dimensions: 8 })).json()) as { embeddings: number[][] };
    expect(small.embeddings[0]).toHaveLength(8);
    expect(norm(small.embeddings[0] ?? [])).toBeCloseTo(1, 5);
  });

  it('loads on empty input and rejects bad requests', async () => {
    expect(await (await post('/api/embed', { model: 'nomic-embed-text', input: [] })).text()).toBe('{"model":"nomic-embed-text","embeddings":[]}');
    await expectError(await post('/api/embed', { model: 'nomic-embed-text', input: [1] }), 400, 'invalid input type');
    await expectError(await post('/api/embed', { input: 'x' }), 404, "model '' not found");
    await expectError(await post('/api/embed', { model: 'mistral', input: 'x' }), 404, 'model "mistral" not found, try pulling it first');
  });

  it('serves the legacy endpoint with a single, unnormalised vector', async () => {
    const body = (await (await post('/api/embeddings', { model: 'nomic-embed-text', prompt: 'hello' })).json()) as { embedding: number[] };
    expect(body.embedding).toHaveLength(768);
    expect(norm(body.embedding)).toBeGreaterThan(2);
    await expectError(await post('/api/embeddings', { prompt: 'x' }), 400, 'model is required');
    await expectError(await post('/api/embeddings', { model: 'mistral', prompt: 'x' }), 404, 'model "mistral" not found, try pulling it first');
  });
});

describe('faults', () => {
  const chat = (stream = true) => post('/api/chat', { model: 'llama3.2', messages: user('x'), stream });

  it('http-error answers before any stream starts, for every following request until cleared', async () => {
    simulator.fault({ kind: 'http-error', status: 503, message: 'model is overloaded' });
    await expectError(await chat(), 503, 'model is overloaded');
    await expectError(await post('/api/embed', { model: 'nomic-embed-text', input: 'x' }), 503, 'model is overloaded');
    simulator.fault(undefined);
    expect((await chat()).status).toBe(200);
  });

  it('error-line ends the stream with an error line and no done line; a scripted fault wins', async () => {
    simulator.fault({ kind: 'missing-done' });
    simulator.script('llama3.2', { content: 'a b c', fault: { kind: 'error-line', afterChunks: 2, message: 'boom' } });
    const response = await chat();
    expect(response.status).toBe(200);
    expect((await lines(response)).slice(2)).toEqual(['{"error":"boom"}']);
    simulator.script('llama3.2', { content: 'a b c', fault: { kind: 'error-line', afterChunks: 0, message: 'boom' } });
    await expectError(await chat(), 500, 'boom');
    await expectError(await chat(false), 500, 'boom');
  });

  it('missing-done streams every content chunk but no done line', async () => {
    simulator.fault({ kind: 'missing-done' });
    simulator.script('llama3.2', 'a b');
    const streamed = await lines(await chat());
    expect(streamed.map((line) => JSON.parse(line).done)).toEqual([false, false]);
    expect(await (await chat(false)).json()).toEqual({
      model: 'llama3.2', created_at: NOW, message: { role: 'assistant', content: 'a b' }, done: false,
    });
  });

  it('malformed-line inserts a line that is not JSON, then carries on', async () => {
    simulator.fault({ kind: 'malformed-line', afterChunks: 1 });
    simulator.script('llama3.2', 'a b');
    const streamed = await lines(await chat());
    expect(streamed).toHaveLength(4);
    expect(() => JSON.parse(streamed[1] ?? '')).toThrow();
    expect(JSON.parse(streamed[3] ?? '')).toMatchObject({ done: true });
  });

  it('reset destroys the socket mid-stream or before the headers', async () => {
    simulator.fault({ kind: 'reset', afterChunks: 1 });
    simulator.script('llama3.2', 'a b c');
    const response = await chat();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    const drained = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received += new TextDecoder().decode(value);
      }
    })();
    await expect(drained).rejects.toThrow();
    expect(received).toBe(`{"model":"llama3.2","created_at":"${NOW}","message":{"role":"assistant","content":"a"},"done":false}\n`);
    simulator.fault({ kind: 'reset', afterChunks: 0 });
    await expect(chat()).rejects.toThrow();
    await simulator.waitFor((stats) => stats.completed === 2 && stats.aborted === 0);
  });

  it('stall holds the socket until the client gives up, and counts the abort', async () => {
    simulator.fault({ kind: 'stall', afterChunks: 0 });
    await expect(post('/api/chat', { model: 'llama3.2', messages: user('x') }, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    await simulator.waitFor((stats) => stats.aborted === 1);
    simulator.fault({ kind: 'stall', afterChunks: 1 });
    const controller = new AbortController();
    const response = await post('/api/chat', { model: 'llama3.2', messages: user('x') }, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"done":false');
    controller.abort();
    await simulator.waitFor((stats) => stats.aborted === 2 && stats.inFlight === 0);
    expect(simulator.requests.map((request) => request.aborted)).toEqual([true, true]);
  });
});

describe('latency and cancellation', () => {
  it('counts a client abort and stops generating', async () => {
    const slow = await startSimulator({ tokenLatencyMs: 20 });
    try {
      slow.script('llama3.2', 'one two three four five six seven eight nine ten');
      const controller = new AbortController();
      const started = Date.now();
      const response = await fetch(`${slow.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.2', messages: user('x') }),
        signal: controller.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      controller.abort();
      await slow.waitFor((stats) => stats.aborted === 1 && stats.inFlight === 0);
      expect(slow.requests[0]?.aborted).toBe(true);
      expect(Date.now() - started).toBeLessThan(200);
    } finally {
      await slow.close();
    }
  });

  it('delays the first chunk, and close() does not hang on a stalled request', async () => {
    const slow = await startSimulator({ firstTokenLatencyMs: 60 });
    const started = Date.now();
    await (await fetch(`${slow.url}/api/generate`, { method: 'POST', body: '{"model":"llama3.2","prompt":"x","stream":false}' })).json();
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    slow.fault({ kind: 'stall', afterChunks: 0 });
    const pending = fetch(`${slow.url}/api/chat`, { method: 'POST', body: '{"model":"llama3.2","messages":[{"role":"user","content":"x"}]}' });
    await slow.waitFor((stats) => stats.requests === 2);
    await slow.close();
    await expect(pending).rejects.toThrow();
  });
});

describe('unscripted replies under `format`', () => {
  it('fit the schema, as Ollama\'s grammar-constrained output does', async () => {
    const simulator = await startSimulator();
    try {
      const format = {
        type: 'object',
        properties: { verdict: { type: 'string', enum: ['APPROVED', 'REJECTED'] }, issues: { type: 'array', items: { type: 'string' } }, score: { type: 'integer', minimum: 1 } },
        required: ['verdict', 'issues'],
      };
      const response = await fetch(`${simulator.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'qwen2.5:0.5b', stream: false, format, messages: [{ role: 'user', content: 'judge' }] }),
      });
      const body = (await response.json()) as { message: { content: string } };
      expect(JSON.parse(body.message.content)).toEqual({ verdict: 'APPROVED', issues: ['Simulated text.'], score: 1 });
    } finally {
      await simulator.close();
    }
  });
});

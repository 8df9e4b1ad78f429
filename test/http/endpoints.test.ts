import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXED_CREATED, postJson, sseEvents, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack.close());
beforeEach(() => stack.simulator.reset());

describe('GET /v1/models', () => {
  it("lists the pipeline's virtual models first, then the backend's models, in OpenAI form", async () => {
    const response = await fetch(`${stack.url}/v1/models`);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as { object: string; data: { id: string; object: string; owned_by: string; created: number }[] };
    expect(body.object).toBe('list');
    const ids = body.data.map((model) => model.id);
    expect(ids[0]).toBe('rlm');
    expect(ids.slice(1, 5).sort()).toEqual(['rlm/llama3.2:latest', 'rlm/qwen2.5-coder:1.5b', 'rlm/qwen2.5:0.5b', 'rlm/qwen3:8b']);
    expect(ids).not.toContain('rlm/nomic-embed-text:latest');
    expect(ids).toContain('llama3.2:latest');
    expect(body.data[0]).toMatchObject({ object: 'model', owned_by: 'rlm', created: expect.any(Number) });
    expect(body.data.find((model) => model.id === 'llama3.2:latest')).toMatchObject({ object: 'model', owned_by: 'library' });
  });

  it('accepts the long forms of a name, as Ollama does', async () => {
    for (const id of ['library/llama3.2', 'registry.ollama.ai/library/llama3.2:latest', 'LLAMA3.2']) {
      expect((await fetch(`${stack.url}/v1/models/${id}`)).status).toBe(200);
    }
  });

  it('retrieves one model by id, with or without its tag, and 404s an unknown one', async () => {
    const one = await fetch(`${stack.url}/v1/models/llama3.2`);
    expect(one.status).toBe(200);
    expect(((await one.json()) as { id: string }).id).toBe('llama3.2');
    const missing = await fetch(`${stack.url}/v1/models/nothing-here`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('llama3.2:latest');
  });

  it('also answers without the /v1 prefix', async () => {
    expect((await fetch(`${stack.url}/models`)).status).toBe(200);
  });
});

describe('GET /health', () => {
  it('reports the backend as reachable with version, models and round-trip time', async () => {
    const response = await fetch(`${stack.url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; backend: Record<string, unknown> };
    expect(body.status).toBe('ok');
    expect(body.backend).toMatchObject({ url: stack.simulator.url, reachable: true, version: '0.33.0', latency_ms: expect.any(Number) });
    expect(body.backend.models).toContain('llama3.2:latest');
  });

  it('answers 503 with the reason when the backend is down', async () => {
    const stalled = await startStack({ config: { upstreamTimeoutMs: 200 } });
    await stalled.simulator.close();
    try {
      const response = await fetch(`${stalled.url}/health`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; backend: { reachable: boolean; error: string }; error: { message: string } };
      expect(body.status).toBe('unavailable');
      expect(body.backend.reachable).toBe(false);
      expect(body.error.message).toContain('ollama serve');
    } finally {
      await stalled.close();
    }
  });
});

describe('POST /v1/completions (autocomplete)', () => {
  it('sends a pre-templated prompt raw, and streams text_completion chunks', async () => {
    stack.simulator.script('qwen2.5-coder:1.5b', 'return a + b;');
    const prompt = '<|fim_prefix|>function add(a, b) {\n  <|fim_suffix|>\n}<|fim_middle|>';
    const response = await postJson(`${stack.url}/v1/completions`, {
      model: 'qwen2.5-coder:1.5b',
      prompt,
      max_tokens: 64,
      temperature: 0,
      stop: ['<|endoftext|>', '\n\n'],
      stream: true,
    });
    expect(response.status).toBe(200);
    const sent = stack.simulator.requests.find((request) => request.path === '/api/generate')?.body;
    expect(sent).toMatchObject({
      model: 'qwen2.5-coder:1.5b',
      prompt,
      raw: true,
      options: { num_predict: 64, temperature: 0, stop: ['<|endoftext|>', '\n\n'], num_ctx: 8192 },
    });
    const events = sseEvents(response.text);
    expect(events.at(-1)).toBe('[DONE]');
    const texts = events.slice(0, -1).map((event) => (event as { choices: { text: string }[] }).choices[0]?.text ?? '');
    expect(texts.join('')).toBe('return a + b;');
    const finish = events.at(-2) as { object: string; created: number; choices: { finish_reason: string }[] };
    expect(finish).toMatchObject({ object: 'text_completion', created: FIXED_CREATED });
    expect(finish.choices[0]!.finish_reason).toBe('stop');
  });

  it("lets the model's template do fill-in-the-middle when a suffix is given", async () => {
    stack.simulator.script('qwen2.5-coder:1.5b', 'a + b');
    const response = await postJson(`${stack.url}/v1/completions`, { model: 'qwen2.5-coder:1.5b', prompt: 'return ', suffix: ';\n}' });
    expect(response.status).toBe(200);
    expect((response.json() as { choices: { text: string }[] }).choices[0]!.text).toBe('a + b');
    const sent = stack.simulator.requests.find((request) => request.path === '/api/generate')?.body as Record<string, unknown>;
    expect(sent.suffix).toBe(';\n}');
    expect(sent.raw).not.toBe(true);
  });
});

describe('POST /v1/embeddings', () => {
  it('returns float vectors in input order', async () => {
    const response = await postJson(`${stack.url}/v1/embeddings`, { model: 'nomic-embed-text', input: ['alpha', 'beta'] });
    expect(response.status).toBe(200);
    const body = response.json() as { object: string; data: { index: number; embedding: number[] }[]; usage: { prompt_tokens: number } };
    expect(body.object).toBe('list');
    expect(body.data.map((item) => item.index)).toEqual([0, 1]);
    expect(body.data[0]!.embedding).toHaveLength(768);
    const norm = Math.hypot(...body.data[0]!.embedding);
    expect(norm).toBeCloseTo(1, 5);
    expect(body.data[0]!.embedding).not.toEqual(body.data[1]!.embedding);
  });

  it('encodes base64 as little-endian float32 that decodes to the float answer', async () => {
    const floats = (await postJson(`${stack.url}/v1/embeddings`, { model: 'nomic-embed-text', input: 'alpha' })).json() as { data: { embedding: number[] }[] };
    const base64 = (await postJson(`${stack.url}/v1/embeddings`, { model: 'nomic-embed-text', input: 'alpha', encoding_format: 'base64' })).json() as {
      data: { embedding: string }[];
    };
    const bytes = Buffer.from(base64.data[0]!.embedding, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
    expect(decoded).toEqual(floats.data[0]!.embedding.map((value) => Math.fround(value)));
  });

  it('passes dimensions to Ollama', async () => {
    const response = await postJson(`${stack.url}/v1/embeddings`, { model: 'nomic-embed-text', input: 'alpha', dimensions: 64 });
    expect((response.json() as { data: { embedding: number[] }[] }).data[0]!.embedding).toHaveLength(64);
  });

  it('answers repeated inputs from the cache: a mixed batch sends only new texts, once each, and keeps input order', async () => {
    const fresh = await startStack();
    try {
      const url = `${fresh.url}/v1/embeddings`;
      type Body = { data: { index: number; embedding: number[] }[]; usage: { prompt_tokens: number } };
      const first = (await postJson(url, { model: 'nomic-embed-text', input: ['alpha', 'beta'] })).json() as Body;
      const mixed = (await postJson(url, { model: 'nomic-embed-text', input: ['gamma', 'beta', 'alpha', 'gamma'] })).json() as Body;
      const embedCalls = fresh.simulator.requests.filter((request) => request.path === '/api/embed').map((request) => (request.body as { input: string[] }).input);
      expect(embedCalls).toEqual([['alpha', 'beta'], ['gamma']]);
      expect(mixed.data.map((item) => item.index)).toEqual([0, 1, 2, 3]);
      expect(mixed.data[1]!.embedding).toEqual(first.data[1]!.embedding);
      expect(mixed.data[2]!.embedding).toEqual(first.data[0]!.embedding);
      expect(mixed.data[3]!.embedding).toEqual(mixed.data[0]!.embedding);
      const health = (await (await fetch(`${fresh.url}/health`)).json()) as { server: { embeddings_cache: Record<string, number> } };
      expect(health.server.embeddings_cache).toEqual({ entries: 3, max_entries: 1000, hits: 2, misses: 4 });
      // A different `dimensions` is a different vector: not served from the cache.
      await postJson(url, { model: 'nomic-embed-text', input: 'alpha', dimensions: 64 });
      expect(fresh.simulator.requests.filter((request) => request.path === '/api/embed')).toHaveLength(3);
    } finally {
      await fresh.close();
    }
  });

  it('400 for token-array input, 404 for an unknown model', async () => {
    const tokens = await postJson(`${stack.url}/v1/embeddings`, { model: 'nomic-embed-text', input: [1, 2, 3] });
    expect(tokens.status).toBe(400);
    expect((tokens.json() as { error: { param: string } }).error.param).toBe('input');
    const unknown = await postJson(`${stack.url}/v1/embeddings`, { model: 'no-such-embedder', input: 'x' });
    expect(unknown.status).toBe(404);
    expect((unknown.json() as { error: { message: string } }).error.message).toContain('nomic-embed-text:latest');
  });
});

describe('an unknown path', () => {
  it('gets a 404 naming every route the server serves, /v1/rlm/* and Ollama\'s /api/* included', async () => {
    const response = await fetch(`${stack.url}/v1/no-such-route`);
    expect(response.status).toBe(404);
    const error = ((await response.json()) as { error: { message: string; code: string } }).error;
    expect(error.code).toBe('unknown_url');
    expect(error.message).toBe(
      'Unknown path GET /v1/no-such-route. This server answers GET /health, GET /v1/models, GET /v1/models/{id}, ' +
        'POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings, POST /v1/responses, GET /v1/rlm/runs, GET /v1/rlm/runs/{id}, ' +
        'GET /v1/rlm/run-events, GET /v1/rlm/profiles, GET /v1/rlm/evals, GET /v1/rlm/evals/{id}, POST /v1/rlm/search, GET /ui, GET /ui/, GET /ui/{id}, GET /, GET /api/version, GET /api/tags, GET /api/ps, POST /api/show, POST /api/chat, ' +
        'POST /api/generate, POST /api/embed, POST /api/embeddings, POST /api/pull, POST /api/create, POST /api/copy, ' +
        'POST /api/push, DELETE /api/delete, GET /api/{id}, POST /api/{id} and DELETE /api/{id} (each /v1 path also without /v1).',
    );
  });
});

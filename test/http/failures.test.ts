import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import { createLogger } from '../../src/utils/logger.js';
import { closedPort, postJson, sseEvents, startStack, testConfig, type Stack } from '../support/stack.js';

let stack: Stack;
const chatUrl = (): string => `${stack.url}/v1/chat/completions`;
const hi = [{ role: 'user', content: 'Hi' }];

beforeAll(async () => {
  stack = await startStack({ config: { upstreamTimeoutMs: 300, maxBodyBytes: 4096 } });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.simulator.reset();
});

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

describe('bad input gets a clear 4xx in the OpenAI error shape', () => {
  it.each([
    ['malformed JSON', '{"model": "llama3.2", ', 400, null, /not valid JSON/],
    ['an empty body', '', 400, null, /empty/],
    ['a missing model', { messages: hi }, 400, 'model', /model/],
    ['missing messages', { model: 'llama3.2' }, 400, 'messages', /messages/],
    ['a wrong type', { model: 'llama3.2', messages: hi, temperature: 'hot' }, 400, 'temperature', /temperature/],
    ['an unknown role', { model: 'llama3.2', messages: [{ role: 'wizard', content: 'x' }] }, 400, 'messages[0].role', /wizard/],
  ])('%s', async (_name, body, status, param, message) => {
    const response = await postJson(chatUrl(), body);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json');
    const error = (response.json() as ErrorBody).error;
    expect(error).toMatchObject({ message: expect.stringMatching(message), type: 'invalid_request_error', param });
    expect(stack.simulator.stats.requests).toBe(0);
  });

  it('413 for a body over the limit, and the server keeps working', async () => {
    const response = await postJson(chatUrl(), { model: 'llama3.2', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] });
    expect(response.status).toBe(413);
    expect((response.json() as ErrorBody).error.code).toBe('payload_too_large');
    const after = await postJson(chatUrl(), { model: 'llama3.2', messages: hi });
    expect(after.status).toBe(200);
  });

  it('404 for an unknown model, naming the installed models and how to pull', async () => {
    const response = await postJson(chatUrl(), { model: 'nope:1b', stream: true, messages: hi });
    expect(response.status).toBe(404);
    const error = (response.json() as ErrorBody).error;
    expect(error.type).toBe('not_found_error');
    expect(error.param).toBe('model');
    expect(error.message).toContain('llama3.2:latest');
    expect(error.message).toContain('ollama pull nope:1b');
    expect(stack.simulator.requests.filter((request) => request.path === '/api/chat')).toHaveLength(0);
  });

  it('400 before the stream opens when the model cannot use tools or cannot chat', async () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const noTools = await postJson(chatUrl(), { model: 'qwen2.5-coder:1.5b', stream: true, tools, messages: hi });
    expect(noTools.status).toBe(400);
    expect((noTools.json() as ErrorBody).error.message).toMatch(/does not support tools/);
    const embedder = await postJson(chatUrl(), { model: 'nomic-embed-text', stream: true, messages: hi });
    expect(embedder.status).toBe(400);
    expect((embedder.json() as ErrorBody).error.message).toMatch(/embedding model/);
  });

  it('404 and 405 for unknown paths and wrong methods', async () => {
    const notFound = await fetch(`${stack.url}/v1/nothing`);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as ErrorBody).error.type).toBe('not_found_error');
    const wrongMethod = await fetch(`${stack.url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST, OPTIONS');
    expect(((await wrongMethod.json()) as ErrorBody).error.message).toMatch(/GET/);
  });
});

describe('a failing backend gets a clear error naming what to do', () => {
  it("passes on Ollama's own message, as a 502 that clients should not retry", async () => {
    stack.simulator.fault({ kind: 'http-error', status: 500, message: 'llama-server process has terminated: exit status 2' });
    const response = await postJson(chatUrl(), { model: 'llama3.2', messages: hi });
    expect(response.status).toBe(502);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect((response.json() as ErrorBody).error.message).toContain('llama-server process has terminated');
  });

  it('keeps 503 "server busy" retryable', async () => {
    stack.simulator.fault({ kind: 'http-error', status: 503, message: 'server busy, please try again.  maximum pending requests exceeded' });
    const response = await postJson(chatUrl(), { model: 'llama3.2', messages: hi });
    expect(response.status).toBe(503);
    expect(response.headers.get('x-should-retry')).toBe('true');
  });

  it.each([
    [{ kind: 'error-line', afterChunks: 1, message: 'an error was encountered while running the model' }, /an error was encountered/],
    [{ kind: 'reset', afterChunks: 1 }, /connection to Ollama/],
    [{ kind: 'malformed-line', afterChunks: 1 }, /not valid JSON/],
    [{ kind: 'missing-done' }, /without a final "done"/],
    [{ kind: 'stall', afterChunks: 1 }, /sent nothing for/],
  ] as const)('a stream that fails after it started ends with a data: {"error"} event, never a silent cut (%o)', async (fault, message) => {
    stack.simulator.script('llama3.2:latest', { content: 'one two three', fault });
    const response = await postJson(chatUrl(), { model: 'llama3.2', stream: true, messages: hi });
    expect(response.status).toBe(200);
    const events = sseEvents(response.text);
    const last = events.at(-1) as ErrorBody;
    expect(last.error.message).toMatch(message);
    expect(events).not.toContain('[DONE]');
    expect(response.text.endsWith('\n\n')).toBe(true);
  });

  it('504 when the backend stays silent before answering', async () => {
    stack.simulator.fault({ kind: 'stall', afterChunks: 0 });
    const response = await postJson(chatUrl(), { model: 'llama3.2', messages: hi });
    expect(response.status).toBe(504);
    expect((response.json() as ErrorBody).error.code).toBe('upstream_timeout');
    await stack.simulator.waitFor((stats) => stats.aborted === 1);
  });

  it('502 naming the URL and `ollama serve` when nothing listens there', async () => {
    const port = await closedPort();
    const server = await startServer(testConfig({ ollamaUrl: `http://127.0.0.1:${port}` }), { logger: createLogger({ level: 'silent' }) });
    try {
      const response = await postJson(`${server.url}/v1/chat/completions`, { model: 'llama3.2', messages: hi });
      expect(response.status).toBe(502);
      const message = (response.json() as ErrorBody).error.message;
      expect(message).toContain(`http://127.0.0.1:${port}`);
      expect(message).toContain('ollama serve');
      // The model list is not an error meanwhile (issue 12): the pipeline stays in model pickers.
      const models = await fetch(`${server.url}/v1/models`);
      expect(models.status).toBe(200);
    } finally {
      await server.close(0);
    }
  });
});

describe('cancellation', () => {
  it('a client that disconnects mid-stream aborts the Ollama request at once', async () => {
    stack.simulator.script('llama3.2:latest', 'a b c d e f g h i j k l m n o p q r s t u v w x y z');
    const slow = await startStack({ simulator: { tokenLatencyMs: 50 } });
    try {
      slow.simulator.script('llama3.2:latest', 'a b c d e f g h i j k l m n o p q r s t u v w x y z');
      const controller = new AbortController();
      const response = await fetch(`${slow.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.2', stream: true, messages: hi }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await slow.simulator.waitFor((stats) => stats.aborted === 1 && stats.inFlight === 0);
      const chat = slow.simulator.requests.find((request) => request.path === '/api/chat');
      expect(chat?.aborted).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('a non-streaming request abandoned by its client is aborted upstream too', async () => {
    const slow = await startStack({ simulator: { firstTokenLatencyMs: 2000 } });
    try {
      const controller = new AbortController();
      const pending = fetch(`${slow.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.2', messages: hi }),
        signal: controller.signal,
      }).catch((error: unknown) => error);
      await slow.simulator.waitFor(() => slow.simulator.requests.some((request) => request.path === '/api/chat'));
      controller.abort();
      await pending;
      await slow.simulator.waitFor((stats) => stats.aborted === 1);
    } finally {
      await slow.close();
    }
  });
});

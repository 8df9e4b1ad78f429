/**
 * A streaming pass-through request whose Ollama fails before its first byte gets the real status
 * in the OpenAI error shape, not a 200 and an error event; a stream that started keeps its
 * in-stream error; a slow first chunk still gets keep-alive comments; a client that leaves while
 * rlm waits for the first chunk cancels the Ollama request.
 */
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fault } from '../simulator/index.js';
import { postJson, sseEvents, startStack, type Stack } from '../support/stack.js';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

const hi = [{ role: 'user', content: 'Hi' }];
const ENDPOINTS = [
  { name: 'chat', path: '/v1/chat/completions', body: { model: 'llama3.2', stream: true, messages: hi } },
  { name: 'completions', path: '/v1/completions', body: { model: 'llama3.2', stream: true, prompt: 'Hi' } },
] as const;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { upstreamTimeoutMs: 300 } });
});
afterAll(async () => stack.close());
beforeEach(() => stack.simulator.reset());

describe.each(ENDPOINTS)('$name, stream: true, Ollama failing before its first byte', ({ path, body }) => {
  it.each([
    [{ kind: 'http-error', status: 500, message: 'llama runner process has terminated' }, 502, 'api_error', 'upstream_error', /Ollama failed \(HTTP 500\): llama runner process has terminated/],
    [{ kind: 'error-line', afterChunks: 0, message: 'model requires more system memory' }, 502, 'api_error', 'upstream_error', /model requires more system memory/],
    [{ kind: 'http-error', status: 503, message: 'server busy, please try again.' }, 503, 'api_error', 'upstream_error', /server busy/],
    [{ kind: 'http-error', status: 400, message: 'invalid options: num_gpu_layers' }, 400, 'invalid_request_error', 'upstream_error', /^invalid options/],
    [{ kind: 'stall', afterChunks: 0 }, 504, 'api_error', 'upstream_timeout', /sent nothing for/],
    [{ kind: 'reset', afterChunks: 0 }, 502, 'api_error', 'upstream_protocol_error', /connection to Ollama/],
  ] as const)('%o: the real status, as JSON', async (fault: Fault, status, type, code, message) => {
    stack.simulator.fault(fault);
    const response = await postJson(`${stack.url}${path}`, body);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect((response.json() as ErrorBody).error).toEqual({ message: expect.stringMatching(message), type, param: null, code });
  });

  it('a model deleted after the check: the 404 naming the installed models', async () => {
    stack.simulator.fault({ kind: 'http-error', status: 404, message: 'model "llama3.2" not found, try pulling it first' });
    const response = await postJson(`${stack.url}${path}`, body);
    expect(response.status).toBe(404);
    expect((response.json() as ErrorBody).error).toMatchObject({ type: 'not_found_error', param: 'model', code: 'model_not_found' });
  });

  it('a failure after the first chunk is still an error event in a 200 stream', async () => {
    stack.simulator.fault({ kind: 'error-line', afterChunks: 1, message: 'an error was encountered while running the model' });
    const response = await postJson(`${stack.url}${path}`, body);
    expect(response.status).toBe(200);
    const events = sseEvents(response.text);
    expect((events.at(-1) as ErrorBody).error.message).toMatch(/an error was encountered/);
    expect(events).not.toContain('[DONE]');
  });

  it('the error answer leaves the connection open for the next request', async () => {
    stack.simulator.fault({ kind: 'http-error', status: 500, message: 'boom' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await rawPost(agent, `${stack.url}${path}`, JSON.stringify(body));
      expect(first.status).toBe(502);
      stack.simulator.fault(undefined);
      const second = await rawPost(agent, `${stack.url}${path}`, JSON.stringify(body));
      expect(second.status).toBe(200);
      expect(second.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});

describe('streaming pass-through, Ollama unreachable after the model check', () => {
  it.each(ENDPOINTS)('$name: 502 naming the URL, as JSON', async ({ path, body }) => {
    const gone = await startStack();
    try {
      // The catalogue is warm (the stack's clock stands still), so only the stream finds Ollama gone.
      expect((await postJson(`${gone.url}${path}`, body)).status).toBe(200);
      await gone.simulator.close();
      const response = await postJson(`${gone.url}${path}`, body);
      expect(response.status).toBe(502);
      const error = (response.json() as ErrorBody).error;
      expect(error.code).toBe('upstream_unreachable');
      expect(error.message).toContain(gone.simulator.url);
    } finally {
      await gone.close();
    }
  });
});

describe('a slow first chunk', () => {
  let slow: Stack;
  beforeAll(async () => {
    slow = await startStack({ simulator: { firstTokenLatencyMs: 400 }, config: { keepAliveMs: 100, upstreamTimeoutMs: 2000 } });
  });
  afterAll(async () => slow.close());
  beforeEach(() => slow.simulator.reset());

  it.each(ENDPOINTS)('$name: opened after the keep-alive interval, with keep-alive comments until it comes', async ({ path, body }) => {
    const response = await postJson(`${slow.url}${path}`, body);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.text).toContain(': keep-alive\n\n');
    expect(response.text.indexOf(': keep-alive')).toBeLessThan(response.text.indexOf('Simulated'));
    expect(sseEvents(response.text).at(-1)).toBe('[DONE]');
  });

  it.each(ENDPOINTS)('$name: a failure after the keep-alive interval is an error event', async ({ path, body }) => {
    const stalled = await startStack({ config: { keepAliveMs: 100, upstreamTimeoutMs: 400 } });
    try {
      stalled.simulator.fault({ kind: 'stall', afterChunks: 0 });
      const response = await postJson(`${stalled.url}${path}`, body);
      expect(response.status).toBe(200);
      expect(response.text).toContain(': keep-alive\n\n');
      expect((sseEvents(response.text).at(-1) as ErrorBody).error.code).toBe('upstream_timeout');
    } finally {
      await stalled.close();
    }
  });

  it.each(ENDPOINTS)('$name: a client that leaves before the first chunk cancels the Ollama request', async ({ path, body }) => {
    const controller = new AbortController();
    const pending = fetch(`${slow.url}${path}`, { method: 'POST', body: JSON.stringify(body), signal: controller.signal }).catch((error: unknown) => error);
    await slow.simulator.waitFor(() => slow.simulator.requests.some((recorded) => recorded.path === '/api/chat' || recorded.path === '/api/generate'));
    controller.abort();
    await pending;
    await slow.simulator.waitFor((stats) => stats.aborted === 1 && stats.inFlight === 0);
  });
});

/** A POST over a given agent, so a test can see whether the socket was reused. */
function rawPost(agent: Agent, url: string, body: string): Promise<{ status: number; text: string; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => (text += part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text, reusedSocket: outgoing.reusedSocket }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * The client behaves the same over both transports: node:http (the default) and an injected
 * fetch. Streams and aggregates, Ollama's errors, a consumer that stops early (Ollama sees the
 * request end), silence after the headers, and the blocked-port message.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOllamaClient, type OllamaClientOptions } from '../../src/llm/ollama-client.js';
import { UpstreamError, UpstreamProtocolError, UpstreamTimeoutError } from '../../src/utils/errors.js';
import { startSimulator, type Simulator } from '../simulator/index.js';

const TRANSPORTS: Array<[string, Partial<OllamaClientOptions>]> = [
  ['node:http', {}],
  ['fetch', { fetch: (input, init) => fetch(input, init) }],
];
const hi = [{ role: 'user' as const, content: 'Hi' }];

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(async () => simulator.close());
beforeEach(() => simulator.reset());

describe.each(TRANSPORTS)('Ollama client over %s', (_name, transport) => {
  const client = () => createOllamaClient({ baseUrl: simulator.url, timeoutMs: 300, ...transport });

  it('streams every chunk up to done, and aggregates the same', async () => {
    simulator.script('llama3.2:latest', 'one two three');
    const chunks = [];
    for await (const chunk of client().chatStream({ model: 'llama3.2', messages: hi })) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.message.content).join('')).toBe('one two three');
    expect(chunks.filter((chunk) => chunk.done)).toHaveLength(1);
    simulator.script('llama3.2:latest', 'one two three');
    expect((await client().chat({ model: 'llama3.2', messages: hi })).message.content).toBe('one two three');
  });

  it("an HTTP error is Ollama's message, an in-stream error line too, a torn line a protocol error", async () => {
    simulator.fault({ kind: 'http-error', status: 500, message: 'boom' });
    await expect(client().chat({ model: 'llama3.2', messages: hi })).rejects.toThrow('Ollama failed (HTTP 500): boom');
    simulator.fault({ kind: 'error-line', afterChunks: 1, message: 'ran out' });
    await expect(client().chat({ model: 'llama3.2', messages: hi })).rejects.toMatchObject({ message: 'ran out', upstreamStatus: 500 });
    simulator.fault({ kind: 'malformed-line', afterChunks: 1 });
    await expect(client().chat({ model: 'llama3.2', messages: hi })).rejects.toBeInstanceOf(UpstreamProtocolError);
    simulator.fault({ kind: 'missing-done' });
    await expect(client().chat({ model: 'llama3.2', messages: hi })).rejects.toThrow(/without a final "done"/);
    simulator.fault({ kind: 'reset', afterChunks: 1 });
    await expect(client().chat({ model: 'llama3.2', messages: hi })).rejects.toThrow(/connection to Ollama/);
    await expect(client().chat({ model: 'no-such-model', messages: hi })).rejects.toBeInstanceOf(UpstreamError);
  });

  it('a consumer that stops early ends the request at Ollama', async () => {
    const slow = await startSimulator({ tokenLatencyMs: 50 });
    try {
      slow.script('llama3.2:latest', 'word '.repeat(50));
      const stopping = createOllamaClient({ baseUrl: slow.url, timeoutMs: 5000, ...transport });
      for await (const chunk of stopping.chatStream({ model: 'llama3.2', messages: hi })) {
        void chunk;
        break;
      }
      await slow.waitFor((stats) => stats.aborted === 1 && stats.inFlight === 0, 5000);
    } finally {
      await slow.close();
    }
  });

  it('silence after the headers is an UpstreamTimeoutError', async () => {
    simulator.fault({ kind: 'stall', afterChunks: 1 });
    await expect(client().chat({ model: 'llama3.2', messages: hi })).rejects.toBeInstanceOf(UpstreamTimeoutError);
  });

  it('embed, tags, show and version answer as JSON', async () => {
    const embedded = await client().embed({ model: 'nomic-embed-text', input: ['a', 'b'] });
    expect(embedded.embeddings).toHaveLength(2);
    expect((await client().tags()).models.length).toBeGreaterThan(0);
    expect((await client().show({ model: 'llama3.2' })).details.family).toEqual(expect.any(String));
    expect((await client().version()).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a blocked port, saying why', async () => {
    const blocked = createOllamaClient({ baseUrl: 'http://127.0.0.1:6000', timeoutMs: 1000, ...transport });
    await expect(blocked.tags()).rejects.toMatchObject({ code: 'upstream_port_blocked' });
  });
});

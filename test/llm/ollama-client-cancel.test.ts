/**
 * A caller's cancel reaches Ollama however many callers leave at once, and a burst of cancels is
 * spread over turns of the event loop instead of being paid in one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOllamaClient, type OllamaClient } from '../../src/llm/ollama-client.js';
import { ClientAbortedError } from '../../src/utils/errors.js';
import { startSimulator, type Simulator } from '../simulator/index.js';

const STREAMS = 200;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let simulator: Simulator;
let client: OllamaClient;
beforeAll(async () => {
  simulator = await startSimulator({ tokenLatencyMs: 1000 });
  simulator.script('llama3.2:latest', 'word '.repeat(100));
  client = createOllamaClient({ baseUrl: simulator.url, timeoutMs: 10_000 });
});
afterAll(async () => simulator.close());

describe('cancelling many upstream streams at once', () => {
  it('every one is aborted at Ollama, a few per turn of the event loop', async () => {
    const controllers = Array.from({ length: STREAMS }, () => new AbortController());
    const streams = controllers.map((controller) => client.chatStream({ model: 'llama3.2', messages: [{ role: 'user', content: 'Go on.' }] }, controller.signal));
    // Each stream's first chunk, so that every request is open at Ollama.
    await Promise.all(streams.map((stream) => stream.next()));
    expect(simulator.stats.inFlight).toBe(STREAMS);

    let ended = 0;
    const endings = streams.map((stream) =>
      stream.next().then(
        () => 'chunk',
        (error: unknown) => {
          ended += 1;
          return error;
        },
      ),
    );
    for (const controller of controllers) controller.abort(new ClientAbortedError());
    const perTurn: number[] = [];
    while (ended < STREAMS) {
      const before = ended;
      await nextTurn();
      perTurn.push(ended - before);
    }
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(32);
    for (const ending of await Promise.all(endings)) expect(ending).toBeInstanceOf(ClientAbortedError);
    await simulator.waitFor((stats) => stats.inFlight === 0 && stats.aborted === STREAMS, 5000);
  });

  it('a signal already aborted never reaches Ollama', async () => {
    simulator.reset();
    const controller = new AbortController();
    controller.abort(new ClientAbortedError());
    await expect(client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }, controller.signal)).rejects.toBeInstanceOf(ClientAbortedError);
    expect(simulator.stats.requests).toBe(0);
  });
});

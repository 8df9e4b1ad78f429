import { describe, expect, it } from 'vitest';
import { createBackendStatus } from '../../src/llm/backend-status.js';
import { UpstreamUnreachableError } from '../../src/utils/errors.js';

/** A fake Ollama whose answers are switched by the test and whose probes are counted. */
function fakeOllama() {
  const state = { up: true, probes: 0 };
  const client = {
    baseUrl: 'http://127.0.0.1:1',
    async version() {
      state.probes += 1;
      if (!state.up) throw new UpstreamUnreachableError('http://127.0.0.1:1');
      return { version: '0.24.0' };
    },
    async tags() {
      if (!state.up) throw new UpstreamUnreachableError('http://127.0.0.1:1');
      return { models: [{ name: 'llama3.2:latest' }] };
    },
  };
  return { state, client: client as unknown as Parameters<typeof createBackendStatus>[0] };
}

function setup() {
  const { state, client } = fakeOllama();
  const clock = { now: 1_000_000 };
  const status = createBackendStatus(client, { freshMs: 1000, staleMs: 2000, timeoutMs: 3000, now: () => clock.now });
  return { state, clock, status };
}

describe('createBackendStatus', () => {
  it('answers a fresh status without asking Ollama again', async () => {
    const { state, clock, status } = setup();
    expect(await status.current()).toMatchObject({ reachable: true, version: '0.24.0', models: ['llama3.2:latest'] });
    clock.now += 999;
    await status.current();
    expect(state.probes).toBe(1);
  });

  it('shares one probe between callers that ask at once', async () => {
    const { state, status } = setup();
    const answers = await Promise.all([status.current(), status.current(), status.current()]);
    expect(state.probes).toBe(1);
    expect(new Set(answers).size).toBe(1);
  });

  it('answers a stale reachable status at once while it re-probes, then the new one', async () => {
    const { state, clock, status } = setup();
    await status.current();
    clock.now += 1500;
    state.up = false;
    const stale = await status.current();
    expect(stale).toMatchObject({ reachable: true, checkedAt: 1_000_000 });
    expect(state.probes).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await status.current()).toMatchObject({ reachable: false, message: expect.stringContaining('ollama serve') });
  });

  it('never hides an outage for longer than staleMs', async () => {
    const { state, clock, status } = setup();
    await status.current();
    clock.now += 2000;
    state.up = false;
    expect(await status.current()).toMatchObject({ reachable: false });
  });

  it('sees a backend that came back up once the unreachable status is past freshMs', async () => {
    const { state, clock, status } = setup();
    state.up = false;
    expect((await status.current()).reachable).toBe(false);
    state.up = true;
    clock.now += 500;
    expect((await status.current()).reachable).toBe(false);
    clock.now += 500;
    expect((await status.current()).reachable).toBe(true);
  });

  it('says a probe timed out by its own deadline, whoever asked', async () => {
    const quick = createBackendStatus(hangingOllama(), { freshMs: 1000, staleMs: 2000, timeoutMs: 20, now: Date.now });
    expect(await quick.current()).toMatchObject({ reachable: false, code: 'upstream_timeout', message: 'Ollama at http://127.0.0.1:1 did not answer within 20 ms.' });
  });
});

/** An Ollama that never answers; like the real adapter, it rejects when the signal aborts. */
function hangingOllama() {
  return {
    baseUrl: 'http://127.0.0.1:1',
    version: (signal?: AbortSignal) =>
      new Promise<{ version: string }>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    tags: async () => ({ models: [] }),
  } as unknown as Parameters<typeof createBackendStatus>[0];
}

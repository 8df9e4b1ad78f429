/**
 * The pool in front of real backends: simulators speaking Ollama's wire over real sockets, reached
 * through the real adapter (createOllamaClient), some of them child processes killed by PID.
 * Nothing waits on a fixed sleep: every wait is for an event, with a generous deadline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOllamaClient } from '../../../src/llm/ollama-client.js';
import { createBackendPool, type BackendPool, type FailoverEvent, type PoolMember } from '../../../src/llm/pool/backend-pool.js';
import { spawnSimulator, type SimulatorProcess } from '../../simulator/child-process.js';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { startUnavailable } from '../../simulator/unavailable.js';
import { closedPort } from '../../support/stack.js';

const MODEL = 'llama3.2:latest';
const ask = (content: string) => ({ model: MODEL, messages: [{ role: 'user' as const, content }] });
const member = (name: string, url: string): PoolMember => ({ name, type: 'ollama', client: createOllamaClient({ baseUrl: url, timeoutMs: 10_000 }), maxConcurrent: null, models: null });
const chats = (simulator: Simulator): number => simulator.requests.filter((request) => request.path === '/api/chat').length;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Streams one chat to its end, saying whether any chunk arrived before a failure. */
async function streamOne(pool: BackendPool, content: string): Promise<{ ok: boolean; started: boolean; error?: unknown }> {
  let started = false;
  try {
    for await (const chunk of pool.chatStream(ask(content))) {
      started = true;
      void chunk;
    }
    return { ok: true, started };
  } catch (error) {
    return { ok: false, started, error };
  }
}

/** Repeats `attempt` until it returns true, or fails after `timeoutMs`. */
async function eventually(attempt: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the pool in front of simulators', () => {
  it('spreads concurrent load evenly over three backends (counted at each)', async () => {
    const simulators = await Promise.all([0, 1, 2].map(() => startSimulator({ firstTokenLatencyMs: 200, tokenLatencyMs: 5 })));
    cleanups.push(() => Promise.all(simulators.map((simulator) => simulator.close())).then(() => undefined));
    const pool = createBackendPool(simulators.map((simulator, index) => member(`s${index}`, simulator.url)), {});
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, index) => streamOne(pool, `q${index}`)));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(simulators.map(chats)).toEqual([10, 10, 10]);
    // Sequential calls take turns too.
    for (let index = 0; index < 6; index++) await pool.chat(ask(`s${index}`));
    expect(simulators.map(chats)).toEqual([12, 12, 12]);
    expect(pool.states().map((state) => [state.state, state.inFlight, state.latencyMs !== null])).toEqual([
      ['up', 0, true],
      ['up', 0, true],
      ['up', 0, true],
    ]);
  });

  it('a backend killed by PID mid-load loses no request that had not started streaming, and is back once restarted on its port', async () => {
    const processes: SimulatorProcess[] = await Promise.all([0, 1].map(() => spawnSimulator(['--first-token-latency', '1000', '--latency', '20'])));
    cleanups.push(() => Promise.all(processes.map((child) => child.kill())).then(() => undefined));
    const [doomed, survivor] = processes as [SimulatorProcess, SimulatorProcess];
    const events: FailoverEvent[] = [];
    const pool = createBackendPool([member('doomed', doomed.url), member('survivor', survivor.url)], { cooldownBaseMs: 200, cooldownMaxMs: 1000, onFailover: (event) => events.push(event) });
    await pool.tags();
    const batch = Array.from({ length: 40 }, (_, index) => streamOne(pool, `q${index}`));
    // Every request is out, none has had its first chunk (a second away): kill one backend now.
    await eventually(async () => pool.states().reduce((sum, state) => sum + state.inFlight, 0) === 40);
    await doomed.kill();
    const outcomes = await Promise.all(batch);
    // Only a request already streaming may fail with its backend (none should be, a second early).
    const lost = outcomes.filter((outcome) => !outcome.ok && !outcome.started);
    expect(lost).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.ok).length).toBeGreaterThanOrEqual(20); // the survivor's own, and the failed-over ones
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.every((event) => event.from === 'doomed' && event.to === 'survivor')).toBe(true);
    expect(pool.states()[0]?.state).not.toBe('up');

    // While it is down every request is served by the survivor.
    const whileDown = await Promise.all(Array.from({ length: 10 }, (_, index) => streamOne(pool, `d${index}`)));
    expect(whileDown.every((outcome) => outcome.ok)).toBe(true);

    // Back on the same port: a probe finds it, and it takes work again.
    const revived = await startSimulator({ port: doomed.port });
    cleanups.push(() => revived.close());
    await eventually(async () => {
      await pool.chat(ask('probe'));
      return chats(revived) > 0 && pool.states()[0]?.state === 'up';
    });
    const before = chats(revived);
    await Promise.all(Array.from({ length: 10 }, (_, index) => pool.chat(ask(`r${index}`))));
    expect(chats(revived) - before).toBeGreaterThanOrEqual(4);
  });

  it('a backend refusing connections is cooled off after one failure, and the requests go to the other', async () => {
    const simulator = await startSimulator();
    cleanups.push(() => simulator.close());
    const events: FailoverEvent[] = [];
    const pool = createBackendPool([member('gone', `http://127.0.0.1:${await closedPort()}`), member('here', simulator.url)], {
      onFailover: (event) => events.push(event),
      modelListTtlMs: 60_000,
    });
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, index) => streamOne(pool, `q${index}`)));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(chats(simulator)).toBe(10);
    expect(pool.states()[0]).toMatchObject({ state: 'cooling', failures: 1, lastError: expect.stringContaining('Cannot reach') });
  });
});

describe('Retry-After from a real backend', () => {
  it('a 503 with Retry-After cools the backend for exactly that long, then one probe goes to it', async () => {
    let clock = 1_000_000;
    const busy = await startUnavailable({ retryAfterSeconds: 30 });
    const simulator = await startSimulator();
    cleanups.push(() => busy.close(), () => simulator.close());
    const members = [
      { ...member('busy', busy.url), models: [MODEL] },
      { ...member('free', simulator.url), models: [MODEL] },
    ];
    const pool = createBackendPool(members, { now: () => clock, cooldownBaseMs: 1000 });
    for (let index = 0; index < 4; index++) await pool.chat(ask(`q${index}`));
    expect(pool.states()[0]).toMatchObject({ state: 'cooling', cooldownUntil: 1_000_000 + 30_000 });
    expect(busy.requests).toEqual(['/api/chat']);
    expect(chats(simulator)).toBe(4);
    clock += 29_999;
    await pool.chat(ask('still cooling'));
    expect(busy.requests.filter((path) => path === '/api/chat')).toHaveLength(1);
    clock += 1;
    await pool.chat(ask('probe'));
    await pool.chat(ask('probe'));
    expect(busy.requests.filter((path) => path === '/api/chat')).toHaveLength(2);
  });
});

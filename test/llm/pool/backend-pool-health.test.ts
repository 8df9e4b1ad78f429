/** The pool's health and failover, on a fake clock: cooldowns, Retry-After, probing back in, failover once and only before output. */
import { describe, expect, it } from 'vitest';
import { createBackendPool, type FailoverEvent, type PoolMember } from '../../../src/llm/pool/backend-pool.js';
import { ClientAbortedError, UpstreamTimeoutError } from '../../../src/utils/errors.js';
import { fakeBackend, http, midStream, readAll, unreachable, type FakeBackend } from './fake-backend.js';

const member = (fake: FakeBackend, name: string): PoolMember => ({ name, type: 'ollama', client: fake.client, maxConcurrent: null, models: null });
const ask = (model = 'm:1b') => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });

function setup(count = 2, options: { cooldownBaseMs?: number; cooldownMaxMs?: number } = {}) {
  const clock = { now: 0 };
  const fakes = ['a', 'b', 'c'].slice(0, count).map((name) => fakeBackend(name, ['m:1b']));
  const events: FailoverEvent[] = [];
  const pool = createBackendPool(
    fakes.map((fake, index) => member(fake, ['a', 'b', 'c'][index] as string)),
    { now: () => clock.now, cooldownBaseMs: 1000, cooldownMaxMs: 8000, onFailover: (event) => events.push(event), ...options },
  );
  return { clock, fakes: fakes as [FakeBackend, FakeBackend, FakeBackend], pool, events };
}
const stateOf = (pool: ReturnType<typeof setup>['pool'], name: string) => pool.states().find((state) => state.name === name);

describe('health', () => {
  it('a backend that fails is cooled off with a doubling cooldown, capped, and probed back in by the next request', async () => {
    const { clock, fakes, pool } = setup(1 + 1);
    const [a, b] = fakes;
    b.models = []; // only a serves the model, so every request goes to it
    a.always = unreachable('http://a');
    await expect(pool.chat(ask())).rejects.toThrow(/http:\/\/a/);
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'cooling', failures: 1, cooldownUntil: 1000, lastError: expect.stringContaining('http://a') });
    const cooldowns: (number | null)[] = [];
    for (let round = 0; round < 5; round++) {
      clock.now = stateOf(pool, 'a')?.cooldownUntil ?? 0;
      expect(stateOf(pool, 'a')?.state).toBe('probing');
      await expect(pool.chat(ask())).rejects.toThrow();
      cooldowns.push((stateOf(pool, 'a')?.cooldownUntil ?? 0) - clock.now);
    }
    expect(cooldowns).toEqual([2000, 4000, 8000, 8000, 8000]);
    a.always = undefined;
    clock.now = stateOf(pool, 'a')?.cooldownUntil ?? 0;
    await pool.chat(ask());
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'up', failures: 0, cooldownUntil: null });
  });

  it('a Retry-After sets the cooldown instead', async () => {
    const { fakes, pool } = setup();
    fakes[0].failNext(http(503, { 'retry-after': '42' }));
    await pool.chat(ask()); // a fails, b answers
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'cooling', cooldownUntil: 42_000 });
    // A 429 is the backend saying it is too busy: it counts, with its own Retry-After.
    fakes[1].failNext(http(429, { 'retry-after': '7' }));
    await pool.chat(ask()); // b (the only one up) refuses, a is tried though cooling, and answers
    expect(stateOf(pool, 'b')).toMatchObject({ state: 'cooling', cooldownUntil: 7000 });
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'up', failures: 0 });
  });

  it('while cooling it gets no requests; past its cooldown one probe at a time', async () => {
    const { clock, fakes, pool } = setup();
    const [a, b] = fakes;
    a.failNext(unreachable());
    await pool.chat(ask());
    const before = a.sent.length;
    for (let index = 0; index < 5; index++) await pool.chat(ask());
    expect(a.sent.length).toBe(before);
    clock.now = 1000;
    a.hold();
    // Ties go in turn, so the probe lands on a within two calls; the ones before it answer from b.
    let probe: Promise<unknown> | undefined;
    while (probe === undefined) {
      const call = pool.chat(ask());
      await Promise.race([call, a.untilRunning(1)]);
      if (a.running === 1) probe = call;
    }
    for (let index = 0; index < 3; index++) await pool.chat(ask()); // the probe is out: these go to b
    expect(a.running).toBe(1);
    expect(stateOf(pool, 'a')?.state).toBe('probing');
    a.release();
    await probe;
    expect(stateOf(pool, 'a')?.state).toBe('up');
    expect(b.sent.length).toBeGreaterThan(5);
  });

  it('a crash felt by many requests at once counts once', async () => {
    const { fakes, pool } = setup();
    const [a, b] = fakes;
    await pool.tags();
    a.hold();
    b.hold();
    const calls = Array.from({ length: 6 }, () => pool.chat(ask()));
    await Promise.all([a.untilRunning(3), b.untilRunning(3)]);
    a.always = unreachable();
    a.release();
    b.release();
    await Promise.all(calls); // the three on a moved to b
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'cooling', failures: 1, cooldownUntil: 1000 });
    expect(b.sent).toHaveLength(6);
  });

  it('a 4xx and a cancel count against nobody and are not retried', async () => {
    const { fakes, pool, events } = setup();
    const [a, b] = fakes;
    await pool.tags();
    a.always = b.always = http(400);
    await expect(pool.chat(ask())).rejects.toThrow('HTTP 400');
    a.always = b.always = { error: () => new ClientAbortedError() };
    await expect(pool.chat(ask())).rejects.toBeInstanceOf(ClientAbortedError);
    expect(a.sent.length + b.sent.length).toBe(2);
    expect(pool.states().map((state) => state.state)).toEqual(['up', 'up']);
    expect(events).toEqual([]);
  });

  it('when every candidate is cooling, the one whose cooldown ends first is tried', async () => {
    const { clock, fakes, pool } = setup();
    const [a, b] = fakes;
    a.failNext(http(503, { 'retry-after': '20' }));
    b.failNext(http(503, { 'retry-after': '10' }));
    await expect(pool.chat(ask())).rejects.toThrow('HTTP 503');
    expect(pool.states().map((state) => state.state)).toEqual(['cooling', 'cooling']);
    clock.now = 1;
    const before = [a.sent.length, b.sent.length];
    expect(await pool.chat(ask())).toMatchObject({ message: { content: 'b' } });
    expect([a.sent.length - (before[0] as number), b.sent.length - (before[1] as number)]).toEqual([0, 1]);
    expect(stateOf(pool, 'b')?.state).toBe('up');
  });

  it('a metadata answer (tags, version, show) does not end a cooldown; its connection failure does start one', async () => {
    const { clock, fakes, pool } = setup();
    const [a] = fakes;
    a.failNext(http(503, { 'retry-after': '10' }));
    await pool.chat(ask());
    clock.now = 5000;
    await pool.version();
    await pool.show({ model: 'a/m:1b' });
    expect(stateOf(pool, 'a')).toMatchObject({ state: 'cooling', cooldownUntil: 10_000 });
    const fresh = setup();
    fresh.fakes[0].always = unreachable();
    expect(await fresh.pool.version()).toEqual({ version: 'b-1.0' });
    expect(stateOf(fresh.pool, 'a')).toMatchObject({ state: 'cooling', failures: 1 });
  });

  it('records the latency of answers', async () => {
    const { clock, fakes, pool } = setup(1 + 1);
    fakes[1].models = [];
    await pool.tags();
    fakes[0].hold();
    const call = pool.chat(ask());
    await fakes[0].untilRunning(1);
    clock.now = 250;
    fakes[0].release();
    await call;
    expect(stateOf(pool, 'a')?.latencyMs).toBe(250);
  });
});

describe('failover', () => {
  it('a stream that fails before its first chunk is sent once to another backend, and the listeners are told', async () => {
    const { fakes, pool, events } = setup();
    const [a] = fakes;
    await pool.tags();
    a.failNext(unreachable('http://a'));
    const seen: FailoverEvent[] = [];
    const session = pool.session({ onFailover: (event) => seen.push(event) });
    expect(await readAll(session.chatStream(ask()))).toBe('b0b1b2'); // the first choice is a (ties in turn, from the first)
    expect(seen.map(({ model, from, to, error }) => ({ model, from, to, code: error.code }))).toEqual([{ model: 'm:1b', from: 'a', to: 'b', code: 'upstream_unreachable' }]);
    expect(events).toEqual(seen);
    // A pin has no other candidate: its failure is the caller's.
    a.failNext(unreachable('http://a'));
    await expect(readAll(session.chatStream(ask('a/m:1b')))).rejects.toThrow(/http:\/\/a/);
    expect(seen).toHaveLength(1);
  });

  it('is retried once only, never on the same backend', async () => {
    const { fakes, pool, events } = setup(3);
    await pool.tags();
    fakes.forEach((fake) => (fake.always = unreachable(fake.client.baseUrl)));
    await expect(pool.chat(ask())).rejects.toThrow(/Cannot reach/);
    expect(fakes.map((fake) => fake.sent.length).sort()).toEqual([0, 1, 1]);
    expect(events).toHaveLength(1);
    expect(events[0]?.from).not.toBe(events[0]?.to);
  });

  it('after the first chunk a failure reaches the caller, and the backend is still marked', async () => {
    const { fakes, pool, events } = setup();
    const [a, b] = fakes;
    await pool.tags();
    a.failNext(midStream(1));
    const parts: string[] = [];
    const failed = await (async () => {
      for await (const part of pool.chatStream(ask())) parts.push(part.message.content);
    })().catch((error: unknown) => error);
    expect(parts).toEqual(['a0']);
    expect((failed as Error).message).toBe('connection reset');
    expect(b.sent).toEqual([]);
    expect(events).toEqual([]);
    expect(stateOf(pool, 'a')?.state).toBe('cooling');
  });

  it('a silence after the first chunk does not count against the backend; before it, it does', async () => {
    const { fakes, pool } = setup();
    const [a, b] = fakes;
    await pool.tags();
    a.failNext({ afterChunks: 2, error: () => new UpstreamTimeoutError('http://a', 1000) });
    await expect(readAll(pool.chatStream(ask()))).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(stateOf(pool, 'a')?.state).toBe('up');
    b.failNext({ error: () => new UpstreamTimeoutError('http://b', 1000) });
    expect(await readAll(pool.chatStream(ask()))).toBe('a0a1a2');
    expect(stateOf(pool, 'b')?.state).toBe('cooling');
  });

  it('a 404 for a model its list still had goes to another backend, asks that list again, and counts against nobody', async () => {
    const { fakes, pool, events } = setup();
    const [a] = fakes;
    await pool.tags();
    a.models = [];
    a.failNext(http(404));
    expect(await readAll(pool.chatStream(ask()))).toBe('b0b1b2');
    expect(events.map((event) => `${event.from}->${event.to}`)).toEqual(['a->b']);
    expect(pool.states().map((state) => [state.state, state.failures])).toEqual([['up', 0], ['up', 0]]);
    await Promise.resolve();
    expect(a.tagsCalls).toBe(2);
    expect(pool.backendsFor('m:1b')).toEqual(['b']);
    // Pinned, a 404 is the answer.
    a.failNext(http(404));
    await expect(pool.chat(ask('a/m:1b'))).rejects.toThrow('HTTP 404');
  });

  it('non-stream calls and embeddings fail over too; a caller stopping a stream frees its slot', async () => {
    const { fakes, pool, events } = setup();
    const [a] = fakes;
    await pool.tags();
    a.failNext(http(500));
    expect(await pool.generate({ model: 'm:1b', prompt: 'x' })).toMatchObject({ response: 'b' });
    // a is cooling: the embed goes to b; b fails, so it moves to a, the one candidate left.
    fakes[1].failNext(http(500));
    expect(await pool.embed({ model: 'm:1b', input: 'x' })).toEqual({ model: 'm:1b', embeddings: [[1]] });
    expect(events.map((event) => `${event.from}->${event.to}`)).toEqual(['a->b', 'b->a']);
    const stream = pool.chatStream(ask());
    await stream.next();
    await stream.return(undefined);
    expect(pool.states().map((state) => state.inFlight)).toEqual([0, 0]);
  });
});

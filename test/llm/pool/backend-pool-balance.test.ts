/** The pool's balancing: least in flight with ties in turn, maxConcurrent, one bounded queue, the 429, sessions. */
import { describe, expect, it } from 'vitest';
import { BackendQueueFullError, createBackendPool, type PoolMember } from '../../../src/llm/pool/backend-pool.js';
import { ClientAbortedError } from '../../../src/utils/errors.js';
import { fakeBackend, readAll, unreachable, type FakeBackend } from './fake-backend.js';

const member = (fake: FakeBackend, name: string, maxConcurrent: number | null = null): PoolMember => ({ name, type: 'ollama', client: fake.client, maxConcurrent, models: null });
const ask = (model = 'm:1b') => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const threeBackends = (maxConcurrent: number | null = null) => {
  const fakes = ['a', 'b', 'c'].map((name) => fakeBackend(name, ['m:1b']));
  return { fakes, members: fakes.map((fake, index) => member(fake, ['a', 'b', 'c'][index] as string, maxConcurrent)) };
};

describe('balancing', () => {
  it('one call at a time: the backends take turns', async () => {
    const { fakes, members } = threeBackends();
    const pool = createBackendPool(members, { now: () => 0 });
    for (let index = 0; index < 9; index++) await pool.chat(ask());
    expect(fakes.map((fake) => fake.sent.length)).toEqual([3, 3, 3]);
  });

  it('a backend holding a call open gets no more while the others have none in flight', async () => {
    const { fakes, members } = threeBackends();
    const [a, b, c] = fakes as [FakeBackend, FakeBackend, FakeBackend];
    const pool = createBackendPool(members, { now: () => 0 });
    await pool.tags();
    a.hold();
    const pending: Promise<unknown>[] = [];
    for (let index = 0; index < 6; index++) {
      const call = pool.chat(ask());
      pending.push(call);
      await Promise.race([call, a.untilRunning(a.running + 1)]);
    }
    expect([a.sent.length, b.sent.length + c.sent.length]).toEqual([1, 5]);
    expect(pool.states().map((state) => state.inFlight)).toEqual([1, 0, 0]);
    a.release();
    await Promise.all(pending);
  });

  it('calls held open on every backend spread evenly', async () => {
    const { fakes, members } = threeBackends();
    const pool = createBackendPool(members, { now: () => 0 });
    await pool.tags();
    fakes.forEach((fake) => fake.hold());
    const calls = Array.from({ length: 9 }, () => pool.chat(ask()));
    await Promise.all(fakes.map((fake) => fake.untilRunning(3)));
    expect(pool.states().map((state) => state.inFlight)).toEqual([3, 3, 3]);
    fakes.forEach((fake) => fake.release());
    await Promise.all(calls);
    expect(pool.states().map((state) => state.inFlight)).toEqual([0, 0, 0]);
  });

  it('maxConcurrent is honoured, the rest wait in one FIFO queue, and beyond maxQueued a 429 with Retry-After', async () => {
    const { fakes, members } = threeBackends(1);
    const pool = createBackendPool(members.slice(0, 2), { now: () => 0, maxQueued: 2, retryAfterSeconds: 3 });
    const [a, b] = fakes as [FakeBackend, FakeBackend];
    await pool.tags();
    a.hold();
    b.hold();
    const order: number[] = [];
    const calls = Array.from({ length: 4 }, (_, index) => pool.chat(ask()).then(() => order.push(index)));
    await Promise.all([a.untilRunning(1), b.untilRunning(1)]);
    expect(pool.states().map((state) => [state.inFlight, state.queued])).toEqual([[1, 2], [1, 2]]);
    const refused = await pool.chat(ask()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BackendQueueFullError);
    expect((refused as BackendQueueFullError).status).toBe(429);
    expect((refused as BackendQueueFullError).headers).toEqual({ 'retry-after': '3' });
    a.release();
    await Promise.all([calls[2], calls[3]]); // the queued ones run on a as it comes free, b still busy
    expect(order.filter((index) => index >= 2)).toEqual([2, 3]); // first come first served
    expect(pool.states().map((state) => [state.inFlight, state.queued])).toEqual([[0, 0], [1, 0]]);
    b.release();
    await Promise.all(calls);
    expect([a.sent.length, b.sent.length]).toEqual([3, 1]);
  });

  it('a waiting caller that aborts leaves the queue at once', async () => {
    const [a] = threeBackends(1).fakes as [FakeBackend];
    const pool = createBackendPool([member(a, 'a', 1), member(fakeBackend('b', []), 'b')], { now: () => 0, maxQueued: 1 });
    await pool.tags();
    a.hold();
    const running = pool.chat(ask());
    await a.untilRunning(1);
    const controller = new AbortController();
    const waiting = pool.chat(ask(), controller.signal);
    await turn();
    expect(pool.states()[0]?.queued).toBe(1);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toBeInstanceOf(ClientAbortedError); // what the adapter says of a caller gone
    expect(pool.states()[0]?.queued).toBe(0);
    const next = pool.chat(ask()); // the place is free again
    a.release();
    await Promise.all([running, next]);
    expect(a.sent).toHaveLength(2);
  });

  it('the caller’s signal reaches the backend called', async () => {
    const { fakes, members } = threeBackends();
    const pool = createBackendPool(members, { now: () => 0 });
    const controller = new AbortController();
    await readAll(pool.chatStream(ask(), controller.signal));
    await pool.embed({ model: 'm:1b', input: 'x' }, controller.signal);
    expect(fakes.flatMap((fake) => fake.signals)).toEqual([controller.signal, controller.signal]);
  });
});

describe('sessions', () => {
  it('keep each model on the backend first chosen for it, while it is up', async () => {
    let clock = 0;
    const { fakes, members } = threeBackends();
    const pool = createBackendPool(members, { now: () => clock, cooldownBaseMs: 1000 });
    const session = pool.session();
    for (let index = 0; index < 4; index++) await session.chat(ask());
    const chosen = fakes.findIndex((fake) => fake.sent.length === 4);
    expect(chosen).not.toBe(-1);
    const other = pool.session();
    await other.chat(ask());
    await other.chat(ask());
    const otherChosen = fakes.findIndex((fake, index) => index !== chosen && fake.sent.length === 2);
    expect(otherChosen).not.toBe(-1);
    // Its backend goes down: the session moves, and stays on the new one.
    fakes[chosen]!.always = unreachable();
    await session.chat(ask());
    fakes[chosen]!.always = undefined;
    clock = 5000;
    const before = fakes.map((fake) => fake.sent.length);
    await session.chat(ask());
    await session.chat(ask());
    const after = fakes.map((fake, index) => fake.sent.length - (before[index] as number));
    expect(after[chosen]).toBe(0);
    expect(after.filter((count) => count === 2)).toHaveLength(1);
  });
});

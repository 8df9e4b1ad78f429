import { describe, expect, it } from 'vitest';
import { waitShared } from '../../src/llm/shared-wait.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((settle, fail) => {
    resolve = settle;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('waitShared', () => {
  it('resumes the waiters of one shared result a few per turn of the event loop, not all at once', async () => {
    const shared = deferred<number>();
    let resumed = 0;
    const waiters = Array.from({ length: 100 }, () => waitShared(shared.promise).then(() => (resumed += 1)));
    shared.resolve(1);
    const perTurn: number[] = [];
    while (resumed < 100) {
      await nextTurn();
      perTurn.push(resumed);
    }
    const steps = perTurn.map((count, turn) => count - (perTurn[turn - 1] ?? 0));
    expect(Math.max(...steps)).toBeLessThanOrEqual(16);
    expect(steps.filter((step) => step > 0).length).toBeGreaterThanOrEqual(100 / 16);
    await Promise.all(waiters);
  });

  it('gives every waiter the value, or the failure', async () => {
    const good = deferred<string>();
    const bad = deferred<string>();
    const values = Promise.all([waitShared(good.promise), waitShared(good.promise)]);
    const failures = Promise.allSettled([waitShared(bad.promise), waitShared(bad.promise)]);
    good.resolve('list');
    bad.reject(new Error('refused'));
    expect(await values).toEqual(['list', 'list']);
    expect((await failures).map((result) => result.status === 'rejected' && (result.reason as Error).message)).toEqual(['refused', 'refused']);
  });

  it("a waiter's abort ends its own wait with the signal's reason; the others still get the value", async () => {
    const shared = deferred<string>();
    const controller = new AbortController();
    const leaving = waitShared(shared.promise, controller.signal);
    const staying = waitShared(shared.promise, new AbortController().signal);
    const reason = new Error('client left');
    controller.abort(reason);
    await expect(leaving).rejects.toBe(reason);
    shared.resolve('list');
    expect(await staying).toBe('list');
    await expect(waitShared(shared.promise, controller.signal)).rejects.toBe(reason);
  });
});

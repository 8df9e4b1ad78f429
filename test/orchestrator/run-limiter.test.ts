import { describe, expect, it } from 'vitest';
import { createRunLimiter, RunQueueFullError } from '../../src/orchestrator/service/run-limiter.js';

const never = new AbortController().signal;

describe('createRunLimiter', () => {
  it('reserves synchronously: of many callers in one tick, exactly slots + queue places are admitted', () => {
    const limiter = createRunLimiter({ maxConcurrent: 2, maxQueued: 3 });
    const outcomes = Array.from({ length: 100 }, () => {
      try {
        limiter.reserve();
        return 'admitted';
      } catch (error) {
        expect(error).toBeInstanceOf(RunQueueFullError);
        return 'refused';
      }
    });
    expect(outcomes.filter((outcome) => outcome === 'admitted')).toHaveLength(5);
    expect([limiter.running, limiter.queued]).toEqual([2, 3]);
  });

  it('starts queued runs in order as slots are released', async () => {
    const limiter = createRunLimiter({ maxConcurrent: 1, maxQueued: 2 });
    const order: string[] = [];
    const first = await limiter.reserve().start(never);
    const second = limiter.reserve().start(never).then((release) => (order.push('second'), release));
    const third = limiter.reserve().start(never).then((release) => (order.push('third'), release));
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    expect([limiter.running, limiter.queued]).toEqual([0, 0]);
  });

  it('a queued run whose signal aborts leaves the queue; a cancelled slot passes to the next', async () => {
    const limiter = createRunLimiter({ maxConcurrent: 1, maxQueued: 2 });
    const held = limiter.reserve();
    const controller = new AbortController();
    const leaving = limiter.reserve().start(controller.signal);
    const waiting = limiter.reserve();
    controller.abort(new Error('gone'));
    await expect(leaving).rejects.toThrow('gone');
    expect(limiter.queued).toBe(1);
    held.cancel();
    const release = await waiting.start(never);
    expect([limiter.running, limiter.queued]).toEqual([1, 0]);
    release();
    release(); // once only
    expect(limiter.running).toBe(0);
  });

  it('a reservation is used once', async () => {
    const limiter = createRunLimiter({ maxConcurrent: 1, maxQueued: 0 });
    const reservation = limiter.reserve();
    await reservation.start(never);
    await expect(reservation.start(never)).rejects.toThrow('already used');
  });
});

/** src/utils/slot-queue.ts, the admission queue the run limiter and the backend pool share. */
import { describe, expect, it } from 'vitest';
import { createSlotQueue } from '../../../src/utils/slot-queue.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createSlotQueue', () => {
  it('grants at once when take() finds room, queues up to maxQueued, and refuses beyond', () => {
    let free = 1;
    const take = (): number | undefined => (free > 0 ? free-- : undefined);
    const queue = createSlotQueue<string>({ maxQueued: 2 });
    expect(queue.enter(take, 'x')).toBeDefined();
    expect(queue.enter(take, 'x')).toBeDefined();
    expect(queue.enter(take, 'y')).toBeDefined();
    expect(queue.enter(take, 'x')).toBeUndefined();
    expect([queue.queued, queue.queuedWhere((tag) => tag === 'x')]).toEqual([2, 1]);
  });

  it('wake() serves waiters in order, letting one pass whose take() finds no room', async () => {
    const rooms = { a: 0, b: 0 };
    const takeFrom = (room: 'a' | 'b') => (): string | undefined => (rooms[room] > 0 ? (rooms[room]--, room) : undefined);
    const queue = createSlotQueue<string>({ maxQueued: 10 });
    const order: string[] = [];
    const waits = [takeFrom('a'), takeFrom('b'), takeFrom('a')].map((take, index) =>
      queue.enter(take, String(index))!.wait().then((room) => order.push(`${index}:${room}`)),
    );
    rooms.b = 1;
    queue.wake();
    await turn();
    expect(order).toEqual(['1:b']);
    rooms.a = 2;
    queue.wake();
    await Promise.all(waits);
    expect(order).toEqual(['1:b', '0:a', '2:a']);
  });

  it('a waiter whose signal aborts leaves at once (onAbort first); a granted place is given back by leave()', async () => {
    let free = 0;
    const take = (): true | undefined => (free > 0 ? (free--, true) : undefined);
    const queue = createSlotQueue<undefined>({ maxQueued: 1 });
    const controller = new AbortController();
    const calls: string[] = [];
    const waiting = queue.enter(take, undefined)!.wait(controller.signal, () => calls.push('onAbort'));
    controller.abort(new Error('gone'));
    expect([queue.queued, calls]).toEqual([0, ['onAbort']]);
    await expect(waiting).rejects.toThrow('gone');
    free = 1;
    const granted = queue.enter(take, undefined)!;
    expect(granted.leave()).toBe(true);
    const queued = queue.enter(take, undefined)!;
    expect(queued.leave()).toBeUndefined();
    expect(queue.queued).toBe(0);
  });
});

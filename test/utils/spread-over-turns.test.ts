import { describe, expect, it } from 'vitest';
import { soonOrNow, spreadOverTurns } from '../../src/utils/spread-over-turns.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('spreadOverTurns', () => {
  it('runs a burst in arrival order, at most 16 tasks per turn of the event loop', async () => {
    const ran: number[] = [];
    for (let task = 0; task < 100; task++) spreadOverTurns(() => ran.push(task));
    expect(ran).toEqual([]);
    const perTurn: number[] = [];
    while (ran.length < 100) {
      const before = ran.length;
      await nextTurn();
      perTurn.push(ran.length - before);
    }
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(16);
    expect(perTurn.filter((count) => count > 0).length).toBeGreaterThanOrEqual(100 / 16);
    expect(ran).toEqual(Array.from({ length: 100 }, (_, task) => task));
  });

  it('a task that throws does not stop the ones behind it', async () => {
    const ran: string[] = [];
    spreadOverTurns(() => {
      throw new Error('boom');
    });
    spreadOverTurns(() => ran.push('after'));
    while (ran.length === 0) await nextTurn();
    expect(ran).toEqual(['after']);
  });

  it('soonOrNow runs at once when the turn is quiet, and queues the rest of a burst in order', async () => {
    await nextTurn();
    const ran: number[] = [];
    for (let task = 0; task < 40; task++) soonOrNow(() => ran.push(task));
    expect(ran).toEqual(Array.from({ length: 16 }, (_, task) => task));
    while (ran.length < 40) await nextTurn();
    expect(ran).toEqual(Array.from({ length: 40 }, (_, task) => task));
    await nextTurn();
    soonOrNow(() => ran.push(40));
    expect(ran.at(-1)).toBe(40);
  });
});

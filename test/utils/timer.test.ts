import { describe, it, expect } from 'vitest';
import { sleep, startTimer } from '../../src/utils/timer.js';

describe('startTimer', () => {
  it('measures from the injected clock', () => {
    let now = 100;
    const elapsed = startTimer(() => now);
    now = 112.5;
    expect(elapsed()).toBe(12.5);
    now = 150;
    expect(elapsed()).toBe(50);
  });

  it('uses performance.now by default', async () => {
    const elapsed = startTimer();
    await sleep(15);
    expect(elapsed()).toBeGreaterThanOrEqual(10);
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    const elapsed = startTimer();
    await sleep(20);
    expect(elapsed()).toBeGreaterThanOrEqual(15);
  });

  it('rejects at once with the reason when already aborted', async () => {
    const reason = new Error('stop');
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('rejects with the reason when aborted during the wait, promptly', async () => {
    const controller = new AbortController();
    const elapsed = startTimer();
    const sleeping = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(new Error('client gone')), 10);
    await expect(sleeping).rejects.toThrow('client gone');
    expect(elapsed()).toBeLessThan(1_000);
  });

  it('removes its abort listener once it resolves', async () => {
    const controller = new AbortController();
    await sleep(1, controller.signal);
    // Aborting afterwards must not reject anything (an unhandled rejection would fail the run).
    controller.abort();
  });
});

/** The idle deadline: silence fires it, a touch postpones it, clear stops it. */
import { describe, expect, it } from 'vitest';
import { createIdleTimeout } from '../../src/llm/idle-timeout.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('createIdleTimeout', () => {
  it('runs onSilent once the backend has been silent for the whole interval', async () => {
    let fired = 0;
    const idle = createIdleTimeout(40, () => (fired += 1));
    await sleep(80);
    expect(fired).toBe(1);
    expect(idle.expired).toBe(true);
  });

  it('is postponed by every touch, so only silence times out', async () => {
    let fired = 0;
    const idle = createIdleTimeout(60, () => (fired += 1));
    for (let index = 0; index < 6; index++) {
      await sleep(25);
      idle.touch();
    }
    expect(fired).toBe(0);
    expect(idle.expired).toBe(false);
    await sleep(120);
    expect(fired).toBe(1);
  });

  it('never fires after clear', async () => {
    let fired = 0;
    const idle = createIdleTimeout(20, () => (fired += 1));
    idle.clear();
    await sleep(50);
    expect(fired).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ExchangeCancel } from '../../src/llm/exchange-cancel.js';

describe('ExchangeCancel', () => {
  it('calls its listener once, with the reason kept, and ignores a second abort', () => {
    const cancel = new ExchangeCancel();
    let calls = 0;
    cancel.listener = () => (calls += 1);
    const reason = new Error('first');
    cancel.abort(reason);
    cancel.abort(new Error('second'));
    expect(calls).toBe(1);
    expect(cancel.aborted).toBe(true);
    expect(cancel.reason).toBe(reason);
    expect(cancel.listener).toBeUndefined();
  });

  it('makes a real AbortSignal for fetch, aborted now or later with the same reason', () => {
    const later = new ExchangeCancel();
    const signal = later.toSignal();
    expect(signal.aborted).toBe(false);
    const reason = new Error('silent');
    later.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    const already = new ExchangeCancel();
    already.abort(reason);
    expect(already.toSignal().reason).toBe(reason);
  });
});

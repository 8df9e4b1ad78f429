import { describe, it, expect, vi } from 'vitest';
import { RequestAbort } from '../../src/utils/request-abort.js';

describe('RequestAbort', () => {
  it('calls each abort listener once, in order, with an abort event, and onabort first', () => {
    const abort = new RequestAbort();
    const calls: string[] = [];
    abort.onabort = (event) => calls.push(`onabort:${event.type}`);
    const first = (event: Event): void => void calls.push(`first:${event.type}`);
    abort.addEventListener('abort', first);
    abort.addEventListener('abort', first, { once: true });
    abort.addEventListener('abort', { handleEvent: () => calls.push('object') });
    abort.addEventListener('other', () => calls.push('other'));
    const removed = vi.fn();
    abort.addEventListener('abort', removed);
    abort.removeEventListener('abort', removed);
    const reason = new Error('gone');
    abort.abort(reason);
    abort.abort(new Error('again'));
    expect(calls).toEqual(['onabort:abort', 'first:abort', 'object']);
    expect(removed).not.toHaveBeenCalled();
    expect(abort.aborted).toBe(true);
    expect(abort.reason).toBe(reason);
    expect(() => abort.throwIfAborted()).toThrow(reason);
  });

  it('does not call a listener added after the abort', () => {
    const abort = new RequestAbort();
    abort.abort('why');
    const late = vi.fn();
    abort.addEventListener('abort', late);
    expect(late).not.toHaveBeenCalled();
  });

  it('makes one real AbortSignal on demand, which follows it before and after the abort', () => {
    const before = new RequestAbort();
    const signal = before.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(before.signal).toBe(signal);
    const heard = vi.fn();
    signal.addEventListener('abort', heard);
    before.abort('left');
    expect(heard).toHaveBeenCalledTimes(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('left');

    const after = new RequestAbort();
    after.abort('already');
    expect(after.signal.aborted).toBe(true);
    expect(after.signal.reason).toBe('already');
  });

  it('still calls the other listeners when one throws, and reports the throw on a microtask', () => {
    const abort = new RequestAbort();
    const tasks: (() => void)[] = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => void tasks.push(task));
    const boom = new Error('boom');
    const next = vi.fn();
    abort.addEventListener('abort', () => {
      throw boom;
    });
    abort.addEventListener('abort', next);
    abort.abort('x');
    spy.mockRestore();
    expect(next).toHaveBeenCalledTimes(1);
    expect(tasks).toHaveLength(1);
    expect(() => tasks[0]?.()).toThrow(boom);
  });
});

/**
 * Logging that is off costs nothing, and the fast path for flat fields writes exactly what the
 * general path writes: same keys, same order, same values, whatever mixes in.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger, type LogFields } from '../../src/utils/logger.js';

const FIXED_TIME = new Date('2025-01-02T03:04:05.678Z');

describe('logger cost', () => {
  it('a level that is off reads no clock and calls no sink; all off is silentLogger', () => {
    let clock = 0;
    let written = 0;
    const logger = createLogger({ level: 'warn', write: () => (written += 1), now: () => ((clock += 1), FIXED_TIME) });
    const child = logger.child({ request_id: 'r' });
    child.debug('a', { x: 1 });
    child.info('b');
    expect({ clock, written }).toEqual({ clock: 0, written: 0 });
    child.warn('c');
    expect({ clock, written }).toEqual({ clock: 1, written: 1 });
    expect(createLogger({ level: 'silent' })).toBe(silentLogger);
  });

  it.each<[string, LogFields, LogFields | undefined]>([
    ['flat fields after inherited ones', { request_id: 'req-1', method: 'POST' }, { status: 200, duration_ms: 1.25, ok: true, none: null }],
    ['a call field overriding an inherited one keeps its place', { a: 1, b: 2 }, { a: 3 }],
    ['undefined values are left out', { a: undefined }, { b: 'x', c: undefined }],
    ['no call fields', { request_id: 'req-2' }, undefined],
    ['reserved keys are not overwritten', {}, { level: 'debug', event: 'fake', x: 1 }],
    ['integer-like keys go first in JSON, as the general path has them', {}, { z: 1, 7: 'seven' }],
    ['strings that need escaping', { path: '/v1/"chat"\n' }, { text: 'é🦙\u2028' }],
    ['non-finite numbers', {}, { a: Number.NaN, b: Infinity }],
    ['nested values', { request_id: 'r' }, { error: new Error('boom'), list: [1, 2] }],
  ])('%s', (_name, inherited, fields) => {
    const lines: string[] = [];
    createLogger({ level: 'info', write: (line) => lines.push(line), now: () => FIXED_TIME }).child(inherited).info('event', fields);
    const record: LogFields = { level: 'info', time: FIXED_TIME.toISOString(), event: 'event', ...inherited, ...fields };
    Object.assign(record, { level: 'info', time: FIXED_TIME.toISOString(), event: 'event' });
    const replaced = JSON.stringify(record, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message } : value));
    expect(lines).toEqual([replaced]);
  });
});

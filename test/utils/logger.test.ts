import { describe, it, expect } from 'vitest';
import { createLogger, silentLogger } from '../../src/utils/logger.js';
import type { LoggerOptions } from '../../src/utils/logger.js';
import { UpstreamError } from '../../src/utils/errors.js';

const FIXED_TIME = new Date('2025-01-02T03:04:05.678Z');

function capture(level: LoggerOptions['level']) {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(line), now: () => FIXED_TIME });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON line per call, level/time/event first', () => {
    const { logger, lines } = capture('debug');
    logger.info('request_done', { status: 200, duration_ms: 12.5 });
    expect(lines).toEqual(['{"level":"info","time":"2025-01-02T03:04:05.678Z","event":"request_done","status":200,"duration_ms":12.5}']);
  });

  it('filters by level', () => {
    const { logger, lines } = capture('warn');
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');
    expect(lines.map((line) => JSON.parse(line).event)).toEqual(['c', 'd']);
  });

  it('writes nothing at silent', () => {
    const { logger, lines } = capture('silent');
    logger.error('boom', { a: 1 });
    logger.child({ request_id: 'x' }).error('boom');
    expect(lines).toEqual([]);
  });

  it('child loggers carry their fields, nested children merge, call fields come last', () => {
    const { logger, lines } = capture('info');
    const child = logger.child({ request_id: 'req-1' }).child({ model: 'llama3.2' });
    child.info('step', { attempt: 2 });
    logger.info('plain');
    expect(lines).toEqual([
      '{"level":"info","time":"2025-01-02T03:04:05.678Z","event":"step","request_id":"req-1","model":"llama3.2","attempt":2}',
      '{"level":"info","time":"2025-01-02T03:04:05.678Z","event":"plain"}',
    ]);
  });

  it('fields cannot overwrite level, time or event', () => {
    const { logger, lines } = capture('info');
    logger.info('real', { level: 'debug', event: 'fake', time: 'never', other: true });
    expect(lines).toEqual(['{"level":"info","time":"2025-01-02T03:04:05.678Z","event":"real","other":true}']);
  });

  it('serialises Errors as name, message, code and cause message, also when nested', () => {
    const { logger, lines } = capture('info');
    const upstream = new UpstreamError('model not found', 404, { cause: new Error('socket hang up') });
    logger.error('failed', { error: upstream, list: [new TypeError('bad')] });
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'error',
      time: '2025-01-02T03:04:05.678Z',
      event: 'failed',
      error: { name: 'UpstreamError', message: 'model not found', code: 'upstream_error', cause: 'socket hang up' },
      list: [{ name: 'TypeError', message: 'bad' }],
    });
  });

  it('never throws on circular values or BigInt, and keeps repeated (non-circular) references', () => {
    const { logger, lines } = capture('info');
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const shared = { n: 1 };
    expect(() => logger.info('odd', { circular, big: 10n ** 20n, pair: [shared, shared] })).not.toThrow();
    expect(JSON.parse(lines[0]!)).toMatchObject({
      circular: { name: 'loop', self: '[Circular]' },
      big: '100000000000000000000',
      pair: [{ n: 1 }, { n: 1 }],
    });
  });

  it('falls back to a minimal line when a field cannot be serialised at all', () => {
    const { logger, lines } = capture('info');
    const hostile = { toJSON: () => { throw new Error('no'); } };
    expect(() => logger.info('hostile', { hostile })).not.toThrow();
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'info',
      time: '2025-01-02T03:04:05.678Z',
      event: 'hostile',
      log_error: 'fields could not be serialised: no',
    });
  });

  it('never throws when the sink throws', () => {
    const logger = createLogger({ level: 'info', write: () => { throw new Error('EPIPE'); } });
    expect(() => logger.info('x')).not.toThrow();
  });

  it('silentLogger does nothing and its child is silent too', () => {
    expect(() => silentLogger.child({ a: 1 }).error('x', { b: 2 })).not.toThrow();
    expect(silentLogger.child({})).toBe(silentLogger);
  });
});

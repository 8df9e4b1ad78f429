import { describe, it, expect } from 'vitest';
import { newRunId, runIdDate } from '../../src/orchestrator/service/run-id.js';

const NOW = Date.UTC(2026, 10, 24, 1, 33, 42, 987);

describe('newRunId', () => {
  it('writes the UTC second and the random part', () => {
    expect(newRunId(NOW, () => 'abcdefgh')).toBe('run-20261124T013342Z-abcdefgh');
  });

  it('uses crypto randomness by default', () => {
    const first = newRunId(NOW);
    expect(first).toMatch(/^run-20261124T013342Z-[0-9a-z]{8}$/);
    const ids = new Set(Array.from({ length: 50 }, () => newRunId(NOW)));
    expect(ids.size).toBe(50);
  });

  it('sorts by time as a plain string', () => {
    const times = [Date.UTC(2025, 0, 1), Date.UTC(2026, 8, 9, 23, 59, 59), Date.UTC(2026, 9, 1), NOW, Date.UTC(2027, 0, 1)];
    const ids = times.map((time) => newRunId(time, () => 'zzzzzzzz'));
    const shuffled = [ids[3]!, ids[0]!, ids[4]!, ids[2]!, ids[1]!];
    expect(shuffled.sort()).toEqual(ids);
  });

  it('refuses a random part that would make an unsafe or unsortable id', () => {
    expect(() => newRunId(NOW, () => 'ABCDEFGH')).toThrow(TypeError);
    expect(() => newRunId(NOW, () => 'abc')).toThrow(TypeError);
    expect(() => newRunId(NOW, () => '../../xx')).toThrow(TypeError);
  });

  it('refuses times it cannot write in four-digit years', () => {
    expect(() => newRunId(Number.NaN, () => 'abcdefgh')).toThrow(RangeError);
    expect(() => newRunId(Date.UTC(10000, 0, 1), () => 'abcdefgh')).toThrow(RangeError);
  });
});

describe('runIdDate', () => {
  it('reads the UTC day of a run id', () => {
    expect(runIdDate('run-20261124T013342Z-abcdefgh')).toBe('2026-11-24');
    expect(runIdDate(newRunId(NOW))).toBe('2026-11-24');
  });

  it.each([
    '',
    'run-',
    '../../etc/passwd',
    'run-20261124T013342Z-abcdefgh/../../x',
    'run-20261124T013342Z-abcdefgh.jsonl',
    'run-20261124T013342Z-ABCDEFGH',
    'run-20261124T013342Z-abcdefg',
    'run-20260230T013342Z-abcdefgh', // 30 February
    'run-20261124T253342Z-abcdefgh', // hour 25
    'run-20261324T013342Z-abcdefgh', // month 13
    ' run-20261124T013342Z-abcdefgh',
  ])('is undefined for %j', (value) => {
    expect(runIdDate(value)).toBeUndefined();
  });
});

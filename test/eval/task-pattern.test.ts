import { describe, expect, it } from 'vitest';
import { compileTaskPattern, flagsProblem } from '../../src/eval/task-pattern.js';

function outcome(source: string, flags: string, text: string): string {
  const compiled = compileTaskPattern(source, flags);
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.test(text);
}

describe('compileTaskPattern', () => {
  it('i lowercases literals and the text, but not escapes', () => {
    expect(outcome('HELLO\\s+World', 'i', 'hello   WORLD')).toBe('match');
    expect(outcome('^\\W+$', 'i', 'ABC')).toBe('no_match');
    expect(outcome('^[A-F]+$', 'i', 'cafe')).toBe('match');
    expect(outcome('\\u00C9t\\u00E9', '', 'Été')).toBe('match');
    expect(outcome('\\p{Lu}', '', 'É')).toBe('match');
    // The documented cost of lowercasing the text: \p{Lu} finds nothing under i.
    expect(outcome('\\p{Lu}', 'i', 'É')).toBe('no_match');
  });

  it('s widens a bare dot, not an escaped one or one in a class', () => {
    expect(outcome('^a.b$', 's', 'a\nb')).toBe('match');
    expect(outcome('^a\\.b$', 's', 'a\nb')).toBe('no_match');
    expect(outcome('^a[.]b$', 's', 'a\nb')).toBe('no_match');
  });

  it('refuses flags it cannot honour, and irregular patterns', () => {
    expect(flagsProblem('isu')).toBeNull();
    expect(flagsProblem('m')).toMatch(/"m" is not supported/);
    expect(flagsProblem('g')).toMatch(/"g" is not supported/);
    expect(flagsProblem('ii')).toMatch(/twice/);
    expect(compileTaskPattern('(?<=a)b', '')).toMatchObject({ ok: false, reason: expect.stringMatching(/lookaround.*linear time/) });
  });
});

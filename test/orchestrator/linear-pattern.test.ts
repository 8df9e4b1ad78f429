import { describe, expect, it } from 'vitest';
import { compileLinearPattern, MAX_PATTERN_STATES, type LinearPattern } from '../../src/orchestrator/checks/linear-pattern.js';
import { createWorkBudget } from '../../src/orchestrator/checks/work-budget.js';
import { seededRandom } from '../support/seeded-random.js';

function compiled(source: string): LinearPattern {
  const result = compileLinearPattern(source);
  if (!result.ok) throw new Error(`${source}: ${result.reason}`);
  return result.pattern;
}
const matches = (source: string, text: string): boolean => compiled(source).test(text, createWorkBudget(Number.MAX_SAFE_INTEGER));
const refusal = (source: string): string | undefined => {
  const result = compileLinearPattern(source);
  return result.ok ? undefined : result.reason;
};

/** V8's reading: with the u flag, as JSON Schema asks, or the legacy syntax a few schemas still use. */
function referenceRegExp(source: string): RegExp {
  try {
    return new RegExp(source, 'u');
  } catch {
    return new RegExp(source);
  }
}

describe('compileLinearPattern matches as RegExp.prototype.test does', () => {
  // [pattern, texts]: each text is tested against V8's RegExp as the reference.
  const table: [string, string[]][] = [
    ['^a', ['abc', 'xa', '']],
    ['b$', ['ab', 'ba', 'b']],
    ['^[a-z]+@[a-z]+\\.[a-z]{2,}$', ['ada@example.org', 'ada@example.o', 'Ada@example.org', 'a@b.cd']],
    ['^\\d{4}-\\d{2}-\\d{2}$', ['2026-11-24', '2026-1-24', '20261124']],
    ['^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', ['123e4567-e89b-12d3-a456-426614174000', '123e4567-e89b-12d3-a456-42661417400']],
    ['^(\\+|-)?\\d+(\\.\\d+)?$', ['12', '-1.5', '+3.', '.5', '']],
    ['^(foo|bar)+$', ['foobar', 'foob', 'barbarfoo']],
    ['colou?r', ['color', 'colour', 'colouur']],
    ['^a{2,3}$', ['a', 'aa', 'aaa', 'aaaa']],
    ['^a{2,}$', ['a', 'aa', 'aaaaaaa']],
    ['^(ab){0,2}c$', ['c', 'abc', 'ababc', 'abababc']],
    ['^.+?x$', ['abx', 'x', 'a\nx']],
    ['\\bcat\\b', ['a cat sat', 'concat', 'cat']],
    ['\\Bcat', ['concat', 'cat']],
    ['^\\p{Lu}\\p{Ll}+$', ['Émile', 'émile', 'Ω']],
    ['^[^\\s]+$', ['word', 'two words', '']],
    ['^\\w+$', ['under_score9', 'dash-no', 'é']],
    ['^😀+$', ['😀😀', '😀a']],
    ['^.$', ['😀', 'ab']],
    ['^\\u{1F600}\\uD83D\\uDE00$', ['😀😀', '😀']],
    ['^\\x41\\u0042\\t$', ['AB\t', 'AB']],
    ['^[a-z]\\-[a-z]$', ['a-b', 'ab']],
    ['a|^b|c$', ['xa', 'bx', 'xb', 'xc', 'cx']],
    ['^(?:a|b)*(?<tail>c)$', ['ababc', 'abab']],
    ['^(a*)*$', ['aaaa', 'aab', '']],
    ['^a{,3}$', ['a{,3}', 'aaa']],
    ['()', ['', 'x']],
    ['^[]$', ['', 'a']],
    ['^\\/\\.\\*$', ['/.*', '/a*']],
    ['^\\0$', ['\0', '0']],
    ['^\\cJ$', ['\n', 'J']],
  ];
  for (const [source, texts] of table) {
    it(source, () => {
      const reference = referenceRegExp(source);
      for (const text of texts) expect(matches(source, text), JSON.stringify(text)).toBe(reference.test(text));
    });
  }

  it('agrees with RegExp on seeded random patterns and texts', () => {
    const random = seededRandom(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const atom = (depth: number): string => {
      const roll = random();
      if (depth < 3 && roll < 0.25) return `(${pattern(depth + 1)})`;
      if (depth < 3 && roll < 0.3) return `(?:${pattern(depth + 1)})`;
      if (roll < 0.4) return pick(['[ab]', '[^a]', '.', '\\w', '[a-c]']);
      return pick(['a', 'b', 'c']);
    };
    const quantifier = (): string => pick(['', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '*?', '+?']);
    const sequence = (depth: number): string => {
      let text = random() < 0.15 ? '^' : '';
      const count = 1 + Math.floor(random() * 4);
      for (let index = 0; index < count; index++) text += atom(depth) + quantifier();
      return text + (random() < 0.15 ? '$' : '');
    };
    const pattern = (depth: number): string => (random() < 0.2 ? `${sequence(depth)}|${sequence(depth)}` : sequence(depth));
    for (let round = 0; round < 400; round++) {
      const source = pattern(0);
      const reference = new RegExp(source, 'u');
      const linear = compiled(source);
      for (let sample = 0; sample < 8; sample++) {
        const text = Array.from({ length: Math.floor(random() * 9) }, () => pick(['a', 'b', 'c', 'd'])).join('');
        expect(linear.test(text, createWorkBudget(Number.MAX_SAFE_INTEGER)), `/${source}/ on ${JSON.stringify(text)}`).toBe(reference.test(text));
      }
    }
  });
});

describe('what it refuses, and why', () => {
  it.each([
    ['^(a)\\1$', 'it uses a backreference "\\1" at character 5'],
    ['^(?<x>a)\\k<x>$', 'it uses a backreference "\\k" at character 9'],
    ['a(?=b)', 'it uses a lookaround "(?=" at character 2'],
    ['a(?!b)', 'it uses a lookaround "(?!" at character 2'],
    ['(?<=a)b', 'it uses a lookaround "(?<=" at character 1'],
    ['(?<!a)b', 'it uses a lookaround "(?<!" at character 1'],
    ['(?i:a)', 'it uses a group modifier "(?i" at character 1, which is not supported'],
    ['*a', 'it has nothing to repeat before "*" at character 1'],
    ['a**', 'it has nothing to repeat before "*" at character 3'],
    ['^*', 'it has nothing to repeat before "*" at character 2'],
    ['(a', 'it has an unterminated group opened at character 1'],
    ['a)', 'it has an unmatched ")" at character 2'],
    ['[a', 'it has an unterminated class "[" at character 1'],
    ['[z-a]', 'its class [z-a] at character 1 is not a valid regular expression class'],
    ['a{3,1}', 'its repetition "{3,1}" has its numbers out of order'],
    ['a{100000}', 'it repeats something more than 1000 times ("{100000}")'],
    ['\\p{NotAProperty}', 'its property escape at character 1 is not a valid "\\p{…}"'],
    ['a\\', 'it ends with a lone "\\"'],
    ['x'.repeat(1001), 'it is longer than 1000 characters'],
    ['(a{100}){100}', `it needs more than ${MAX_PATTERN_STATES} states once its repetitions are counted`],
    [`${'('.repeat(51)}a${')'.repeat(51)}`, 'it nests groups more than 50 deep'],
  ])('%s', (source, reason) => {
    expect(refusal(source)).toBe(reason);
  });
});

describe('linear time', () => {
  it.each(['^(a+)+$', '^(a|a)*$', '^(a*)*b$', '^(\\w+\\s?)+$', '(x+x+)+y', '^(a|aa)+$', 'a*a*a*a*a*a*a*a*a*a*b'])('%s on 20 000 characters stays within n × states steps', (source) => {
    const pattern = compiled(source);
    const text = `${'a'.repeat(20_000)}!`;
    const budget = createWorkBudget(Number.MAX_SAFE_INTEGER);
    const started = performance.now();
    pattern.test(text, budget);
    expect(budget.used).toBeLessThanOrEqual((text.length + 1) * pattern.states * 2);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('stops, by throwing, once its budget is spent', () => {
    const pattern = compiled('^(a|a)*$');
    expect(() => pattern.test('a'.repeat(10_000), createWorkBudget(1000))).toThrow('more than 1000 steps of checking');
  });
});

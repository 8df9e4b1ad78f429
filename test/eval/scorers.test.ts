import { describe, expect, it } from 'vitest';
import { extractFinalNumber, withinTolerance } from '../../src/eval/answer-number.js';
import { jsonEqual, parseJsonAnswer } from '../../src/eval/answer-json.js';
import { containsWhole, countWords, exactForm } from '../../src/eval/answer-text.js';
import { scoreAnswer } from '../../src/eval/scorers.js';
import type { TaskScorer } from '../../src/eval/task.js';

const right = (scorer: TaskScorer, answer: string) => scoreAnswer(scorer, answer).correct;

describe('number', () => {
  it.each([
    ['1,234.5', 1234.5],
    ['-3', -3],
    ['\u22123 degrees', -3],
    ['1.2e3', 1200],
    ['42 km', 42],
    ['$1,200', 1200],
    ['-$5', -5],
    ['It costs $-5 now', -5],
    ['25%', 25],
    ['.5', 0.5],
    ['6 × 7 = 42', 42],
    ['The answer is 42.', 42],
    ['Answer: 7, because 3 + 4 = 7 and not 9', 7],
    ['The final answer is 12 apples; I first tried 10', 12],
    ['#### 18', 18],
    ['\\boxed{9}, not 10', 9],
    ['pages 10-12', 12],
    ['5-3', 3],
    ['1,2,3', 3],
    ['1,2345', 2345],
    ['version 1.2.3', 1.2],
    ['Water is H2O', null],
    ['no digits here', null],
  ])('%j gives %j', (answer, expected) => {
    expect(extractFinalNumber(answer)).toBe(expected);
  });

  it('is within an absolute tolerance, with slack for binary rounding only', () => {
    expect(withinTolerance(0.1 + 0.2, 0.3, 0)).toBe(true);
    expect(withinTolerance(10.5, 10, 0.5)).toBe(true);
    expect(withinTolerance(10.51, 10, 0.5)).toBe(false);
    expect(withinTolerance(-9.5, -10, 0.5)).toBe(true);
  });

  it('scores the final number against the expected one', () => {
    const scorer: TaskScorer = { match: 'number', expected: 1200, tolerance: 0 };
    expect(right(scorer, 'That is $1,200.')).toBe(true);
    expect(right(scorer, 'That is 1,200.5 dollars.')).toBe(false);
    expect(scoreAnswer(scorer, 'about a thousand')).toEqual({ correct: false, reason: 'no number in the answer' });
    expect(right({ match: 'number', expected: 62.14, tolerance: 0.6 }, '100 km is about 62 miles')).toBe(true);
  });
});

describe('exact', () => {
  const scorer: TaskScorer = { match: 'exact', expected: 'Paris', aliases: [] };

  it('ignores case, surrounding space, wrappers and a final full stop', () => {
    for (const answer of ['Paris', ' paris\n', '**Paris.**', '"Paris"', '`PARIS`', 'Paris!']) expect(right(scorer, answer)).toBe(true);
    for (const answer of ['Paris, France', 'The capital is Paris', 'Pari']) expect(right(scorer, answer)).toBe(false);
  });

  it('compares Unicode after NFC: a precomposed é equals e + combining accent', () => {
    const decomposed = 'Bogota\u0301';
    expect(exactForm(decomposed)).toBe(exactForm('Bogotá'));
    expect(right({ match: 'exact', expected: 'Bogotá', aliases: [] }, decomposed)).toBe(true);
    expect(right({ match: 'exact', expected: 'Bogotá', aliases: [] }, 'Bogota')).toBe(false);
  });

  it('accepts an alias', () => {
    expect(right({ match: 'exact', expected: 'United Kingdom', aliases: ['UK', 'Britain'] }, 'uk')).toBe(true);
  });
});

describe('contains', () => {
  it('finds a whole word or phrase, in any case', () => {
    expect(containsWhole('The symbol is Au.', 'Au')).toBe(true);
    expect(containsWhole('Australia', 'Au')).toBe(false);
    expect(containsWhole('It is 42.', '4')).toBe(false);
    expect(containsWhole('I like C++17', 'C++')).toBe(true);
    expect(containsWhole('The capital of Brazil is BRASÍLIA', 'Brasília')).toBe(true);
    expect(containsWhole('New  York\nCity', 'new york city')).toBe(true);
    expect(containsWhole('日本の首都は東京です', '東京')).toBe(true);
  });

  it('accepts any alias', () => {
    const scorer: TaskScorer = { match: 'contains', expected: 'Myanmar', aliases: ['Burma'] };
    expect(right(scorer, 'It is Burma.')).toBe(true);
    expect(scoreAnswer(scorer, 'Thailand')).toEqual({ correct: false, reason: 'contains none of "Myanmar", "Burma"' });
  });
});

describe('regex', () => {
  it('matches in linear time: a catastrophic pattern for V8 finishes at once', () => {
    const started = performance.now();
    expect(right({ match: 'regex', expected: '^(a+)+$', flags: '' }, `${'a'.repeat(5000)}!`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('applies the i and s flags', () => {
    expect(right({ match: 'regex', expected: '^\\d{3}-[A-Z]{2}$', flags: '' }, '123-AB')).toBe(true);
    expect(right({ match: 'regex', expected: '^\\d{3}-[A-Z]{2}$', flags: '' }, '123-ab')).toBe(false);
    expect(right({ match: 'regex', expected: '^\\d{3}-[A-Z]{2}$', flags: 'i' }, '123-ab')).toBe(true);
    expect(right({ match: 'regex', expected: 'a.b', flags: '' }, 'a\nb')).toBe(false);
    expect(right({ match: 'regex', expected: 'a.b', flags: 's' }, 'a\nb')).toBe(true);
    expect(right({ match: 'regex', expected: '\\D+', flags: 'i' }, '12')).toBe(false);
  });

  it('a pattern the matcher refuses scores wrong with the reason', () => {
    expect(scoreAnswer({ match: 'regex', expected: '(a)\\1', flags: '' }, 'aa').reason).toMatch(/backreference/);
  });
});

describe('JSON answers', () => {
  it('parses the whole answer, or its first fenced block', () => {
    expect(parseJsonAnswer('{"a": 1}')).toEqual({ ok: true, value: { a: 1 }, fenced: false });
    expect(parseJsonAnswer('```json\n{"a": 1}\n```')).toEqual({ ok: true, value: { a: 1 }, fenced: true });
    expect(parseJsonAnswer('Here it is:\n\n~~~\n[1, 2]\n~~~\nDone.')).toEqual({ ok: true, value: [1, 2], fenced: true });
    expect(parseJsonAnswer('```python\nx = 1\n```\n```json\n{"b": 2}\n```')).toEqual({ ok: true, value: { b: 2 }, fenced: true });
    expect(parseJsonAnswer('```json\n{"a": 1}')).toEqual({ ok: true, value: { a: 1 }, fenced: true });
    expect(parseJsonAnswer('{"a": 1')).toMatchObject({ ok: false });
    expect(parseJsonAnswer('   ')).toEqual({ ok: false, error: 'the answer is empty' });
  });

  it('equality ignores key order, compares numbers as numbers and strings after NFC', () => {
    expect(jsonEqual(JSON.parse('{"b": [1, {"y": 2, "x": 1}], "a": 1.0}'), { a: 1, b: [1, { x: 1, y: 2 }] })).toBe(true);
    expect(jsonEqual(JSON.parse('1e2'), 100)).toBe(true);
    expect(jsonEqual(-0, 0)).toBe(true);
    expect(jsonEqual('Jose\u0301', 'José')).toBe(true);
    expect(jsonEqual({ a: '1' }, { a: 1 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
  });

  it('json_equal and json_schema score fenced JSON', () => {
    expect(right({ match: 'json_equal', expected: { name: 'Ana', age: 34 } }, '```json\n{"age": 34, "name": "Ana"}\n```')).toBe(true);
    const schema = { type: 'object', properties: { age: { type: 'integer', minimum: 0 } }, required: ['age'], additionalProperties: false };
    expect(right({ match: 'json_schema', expected: schema }, '{"age": 3}')).toBe(true);
    expect(scoreAnswer({ match: 'json_schema', expected: schema }, '{"age": -3, "x": 1}')).toEqual({ correct: false, reason: '$.age: must be >= 0 (and 1 more)' });
    expect(scoreAnswer({ match: 'json_schema', expected: schema }, 'age: 3').correct).toBe(false);
  });
});

describe('instruction constraints', () => {
  it('counts words as runs holding a letter or digit', () => {
    expect(countWords('- one, two  three -- 4')).toBe(4);
    expect(right({ match: 'max_words', expected: 3 }, 'The sea is blue.')).toBe(false);
    expect(right({ match: 'max_words', expected: 4 }, 'The sea is blue.')).toBe(true);
  });

  it('forbidden words are whole words, any case', () => {
    const scorer: TaskScorer = { match: 'forbidden_word', expected: ['sea'] };
    expect(right(scorer, 'Seals swim in the ocean.')).toBe(true);
    expect(right(scorer, 'The Sea is wide.')).toBe(false);
    expect(right(scorer, "the sea's edge")).toBe(false);
  });

  it('formats', () => {
    expect(right({ match: 'format', expected: { format: 'bullets', count: 3 } }, '- a\n- b\n\n* c')).toBe(true);
    expect(right({ match: 'format', expected: { format: 'bullets', count: 3 } }, 'Here:\n- a\n- b\n- c')).toBe(false);
    expect(right({ match: 'format', expected: { format: 'numbered', count: 2 } }, '1. a\n2) b')).toBe(true);
    expect(right({ match: 'format', expected: { format: 'numbered', count: 2 } }, '1. a\n3. b')).toBe(false);
    expect(right({ match: 'format', expected: { format: 'uppercase' } }, 'HELLO, WORLD 2!')).toBe(true);
    expect(right({ match: 'format', expected: { format: 'uppercase' } }, 'HELLo')).toBe(false);
    expect(right({ match: 'format', expected: { format: 'lowercase' } }, 'ÉTÉ')).toBe(false);
    expect(right({ match: 'format', expected: { format: 'lowercase' } }, 'été 2024')).toBe(true);
    expect(right({ match: 'format', expected: { format: 'one_line' } }, 'one\ntwo')).toBe(false);
    expect(right({ match: 'format', expected: { format: 'starts_with', text: 'Yes' } }, 'yes, because')).toBe(true);
    expect(right({ match: 'format', expected: { format: 'ends_with', text: 'Done' } }, 'All finished. Done.')).toBe(true);
    expect(right({ match: 'format', expected: { format: 'ends_with', text: 'Done' } }, 'Done, then more')).toBe(false);
  });
});

describe('empty answers', () => {
  const scorers: TaskScorer[] = [
    { match: 'exact', expected: 'x', aliases: [] },
    { match: 'contains', expected: 'x', aliases: [] },
    { match: 'number', expected: 0, tolerance: 0 },
    { match: 'regex', expected: '^$', flags: '' },
    { match: 'json_schema', expected: true },
    { match: 'json_equal', expected: null },
    { match: 'max_words', expected: 10 },
    { match: 'forbidden_word', expected: ['x'] },
    { match: 'format', expected: { format: 'lowercase' } },
  ];
  it.each(scorers.map((scorer) => [scorer.match, scorer] as const))('%s: a blank answer is wrong', (_kind, scorer) => {
    expect(scoreAnswer(scorer, ' \n\t')).toEqual({ correct: false, reason: 'the answer is empty' });
  });
});

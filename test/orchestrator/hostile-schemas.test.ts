/**
 * Seeded fuzzing of hostile client schemas: catastrophic patterns, $ref fan-outs, recursive
 * fan-outs driven by the answer's nesting, deep nesting, long lists. Every case must either be
 * refused by the request-time screen (a 400) or be validated within its step budget, quickly.
 * A failing case prints its seed and index, so it can be replayed.
 */
import { describe, expect, it } from 'vitest';
import { assertCheckableSchema, UncheckableSchemaError } from '../../src/orchestrator/checks/client-schemas.js';
import { validateJsonSchema, VALIDATION_STEP_BUDGET } from '../../src/orchestrator/checks/json-schema.js';
import { MAX_PATTERN_STATES } from '../../src/orchestrator/checks/linear-pattern.js';
import { createWorkBudget } from '../../src/orchestrator/checks/work-budget.js';
import { seededRandom } from '../support/seeded-random.js';

const SEED = 20261124;
const CASES = 120;
/** Generous for two shared cores; a frozen validation takes seconds to minutes. */
const MAX_CASE_MS = 1500;

type Case = { kind: string; schema: unknown; value: unknown };

function generator(random: () => number) {
  const int = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const letters = (): string => pick(['a', 'ab', 'x', '\\w', '.', '[a-z]', '(?:\\d?)', 'a|a', 'a|aa']);
  const quantifier = (): string => pick(['+', '*', '?', '+', '*', '{1,3}', '{2,}']);
  const nestedPattern = (): string => {
    let source = `(?:${letters()})${quantifier()}`;
    for (let level = int(1, 4); level > 0; level--) source = `(${source}${pick(['', letters()])})${quantifier()}`;
    return pick(['^', '']) + source + pick(['$', 'b$', '!', '']);
  };
  const hostileText = (): string => pick(['a', 'ab', 'x', '1', ' ']).repeat(int(10, 6000)) + pick(['!', '', '\u0000', '😀']);
  const fanOut = (levels: number, width: number): Record<string, unknown> => {
    const $defs: Record<string, unknown> = { [`d${levels}`]: pick([{ type: 'integer' }, { pattern: nestedPattern() }, { enum: ['x'] }]) };
    for (let level = 0; level < levels; level++) {
      $defs[`d${level}`] = { [pick(['anyOf', 'oneOf', 'allOf'])]: Array.from({ length: width }, () => ({ $ref: `#/$defs/d${level + 1}` })) };
    }
    return { $defs, $ref: '#/$defs/d0' };
  };
  // Branching only near the leaves, so a value has at most 2^6 leaves however deep it goes.
  const nestedArray = (depth: number): unknown =>
    depth === 0 ? 'a'.repeat(int(1, 60)) + '!' : Array.from({ length: depth <= 6 ? int(1, 2) : 1 }, () => nestedArray(depth - 1));

  const kinds: Record<string, () => Case> = {
    pattern: () => {
      const text = hostileText();
      return { kind: 'pattern', schema: { type: 'string', pattern: nestedPattern(), enum: [text] }, value: text };
    },
    irregular: () => ({ kind: 'irregular', schema: { pattern: pick(['^(a)\\1$', '(?=a)a', '(?<!b)a', '\\k<n>(?<n>a)']) }, value: hostileText() }),
    fanOut: () => ({ kind: 'fanOut', schema: fanOut(int(1, 24), int(1, 4)), value: pick([hostileText(), 1, null, [1, 2], { a: 1 }]) }),
    recursiveFanOut: () => {
      const width = int(2, 4);
      const alternatives = Array.from({ length: width }, () => ({ type: 'array', items: { $ref: '#/$defs/t' } }));
      return { kind: 'recursiveFanOut', schema: { $defs: { t: { anyOf: [...alternatives, { type: 'integer' }] } }, $ref: '#/$defs/t' }, value: nestedArray(int(5, 40)) };
    },
    deep: () => {
      let schema: unknown = { type: 'string', pattern: nestedPattern() };
      for (let level = int(40, 90); level > 0; level--) schema = { items: schema };
      return { kind: 'deep', schema, value: nestedArray(int(30, 90)) };
    },
    longLists: () => {
      const items = Array.from({ length: int(100, 6000) }, (_, index) => (random() < 0.5 ? { index, text: 'a'.repeat(int(0, 30)) } : index));
      return { kind: 'longLists', schema: { type: 'array', uniqueItems: true, items: { enum: Array.from({ length: int(1, 3000) }, (_, index) => ({ index })) } }, value: items };
    },
    keys: () => {
      const value = Object.fromEntries(Array.from({ length: int(10, 400) }, (_, index) => [`${'a'.repeat(int(5, 200))}${index}!`, index]));
      return { kind: 'keys', schema: { patternProperties: { [nestedPattern()]: { type: 'string' }, [nestedPattern()]: {} }, additionalProperties: false }, value };
    },
    repetition: () => ({ kind: 'repetition', schema: { pattern: `(${letters()}{${int(10, 1000)}}){${int(2, 200)}}` }, value: hostileText() }),
    combined: () => {
      const parts = Array.from({ length: int(2, 4) }, () => pick([kinds.pattern, kinds.fanOut, kinds.recursiveFanOut, kinds.keys])!().schema);
      return { kind: 'combined', schema: { [pick(['allOf', 'anyOf', 'oneOf'])]: parts }, value: pick([hostileText(), nestedArray(int(3, 20))]) };
    },
  };
  return () => pick(Object.values(kinds))();
}

describe('hostile schemas, seeded', () => {
  it(`${CASES} cases (seed ${SEED}): each is refused with a 400 or checked within its budget`, () => {
    const next = generator(seededRandom(SEED));
    const outcomes: Record<string, { refused: number; checked: number; budgetSpent: number }> = {};
    for (let index = 0; index < CASES; index++) {
      const { kind, schema, value } = next();
      const label = `seed ${SEED}, case ${index} (${kind})`;
      const tally = (outcomes[kind] ??= { refused: 0, checked: 0, budgetSpent: 0 });
      const started = performance.now();
      let refused = false;
      try {
        assertCheckableSchema(schema, 'response_format.json_schema.schema');
      } catch (error) {
        expect(error, label).toBeInstanceOf(UncheckableSchemaError);
        expect((error as UncheckableSchemaError).status, label).toBe(400);
        refused = true;
      }
      if (refused) {
        tally.refused++;
      } else {
        const budget = createWorkBudget(VALIDATION_STEP_BUDGET);
        const issues = validateJsonSchema(value, schema, budget);
        expect(Array.isArray(issues), label).toBe(true);
        // One spend past the limit is the most it can go: a node visit, or a pattern's state set.
        expect(budget.used, label).toBeLessThanOrEqual(VALIDATION_STEP_BUDGET + MAX_PATTERN_STATES);
        if (budget.used > VALIDATION_STEP_BUDGET) {
          tally.budgetSpent++;
          expect(issues, label).toEqual([{ path: '$', message: expect.stringContaining('too costly to check') }]);
        }
        tally.checked++;
      }
      expect(performance.now() - started, label).toBeLessThan(MAX_CASE_MS);
    }
    // The generator must actually reach each outcome, or the test proves little.
    const totals = Object.values(outcomes).reduce((sum, tally) => ({ refused: sum.refused + tally.refused, checked: sum.checked + tally.checked, budgetSpent: sum.budgetSpent + tally.budgetSpent }), { refused: 0, checked: 0, budgetSpent: 0 });
    expect(totals.refused).toBeGreaterThan(10);
    expect(totals.checked).toBeGreaterThan(10);
    expect(totals.budgetSpent).toBeGreaterThan(3);
  });
});

import { describe, expect, it } from 'vitest';
import { validateJsonSchema, type SchemaIssue } from '../../src/orchestrator/checks/json-schema.js';
import { createWorkBudget } from '../../src/orchestrator/checks/work-budget.js';

const messages = (issues: SchemaIssue[]) => issues.map((issue) => `${issue.path}: ${issue.message}`);
const check = (value: unknown, schema: unknown) => messages(validateJsonSchema(value, schema));

describe('validateJsonSchema', () => {
  it('accepts a valid value with no issues', () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
      required: ['name', 'age'],
      additionalProperties: false,
    };
    expect(validateJsonSchema({ name: 'Ada', age: 36 }, schema)).toEqual([]);
  });

  describe('type', () => {
    it.each([
      ['string', 'x', 1, 'expected string, got number'],
      ['number', 1.5, '1', 'expected number, got string'],
      ['integer', 3, 3.5, 'expected integer, got number'],
      ['boolean', false, 0, 'expected boolean, got number'],
      ['null', null, 'null', 'expected null, got string'],
      ['array', [], {}, 'expected array, got object'],
      ['object', {}, [], 'expected object, got array'],
    ])('%s', (type, good, bad, message) => {
      expect(check(good, { type })).toEqual([]);
      expect(check(bad, { type })).toEqual([`$: ${message}`]);
    });

    it('integer means a whole number, so 2.0 counts', () => {
      expect(check(2.0, { type: 'integer' })).toEqual([]);
    });

    it('takes a list of types', () => {
      expect(check(null, { type: ['string', 'null'] })).toEqual([]);
      expect(check(1, { type: ['string', 'null'] })).toEqual(['$: expected string or null, got number']);
    });

    it('nullable (OpenAPI) allows null', () => {
      expect(check(null, { type: 'string', nullable: true })).toEqual([]);
      expect(check(null, { type: 'string' })).toEqual(['$: expected string, got null']);
      expect(check(null, { type: 'string', enum: ['a'], nullable: true })).toEqual([]);
    });

    it('stops at a type mismatch instead of piling on the keywords that no longer apply', () => {
      expect(check('x', { type: 'integer', minimum: 3, enum: [4] })).toEqual(['$: expected integer, got string']);
    });
  });

  it('boolean schemas', () => {
    expect(check(42, true)).toEqual([]);
    expect(check(42, false)).toEqual(['$: no value is allowed here']);
    expect(check({ a: 1 }, { properties: { a: false } })).toEqual(['$.a: no value is allowed here']);
  });

  it('properties and required, with the path of each issue', () => {
    const schema = { type: 'object', properties: { age: { type: 'integer' } }, required: ['name', 'age'] };
    expect(check({ age: 'old' }, schema)).toEqual(['$: missing required property "name"', '$.age: expected integer, got string']);
  });

  it('additionalProperties false and as a schema', () => {
    const closed = { type: 'object', properties: { a: {} }, additionalProperties: false };
    expect(check({ a: 1, b: 2 }, closed)).toEqual(['$: unexpected property "b"']);
    const typed = { type: 'object', properties: { a: {} }, additionalProperties: { type: 'number' } };
    expect(check({ a: 'x', b: 2, c: 'y' }, typed)).toEqual(['$.c: expected number, got string']);
  });

  it('patternProperties count as declared for additionalProperties', () => {
    const schema = { type: 'object', patternProperties: { '^x-': { type: 'string' } }, additionalProperties: false };
    expect(check({ 'x-a': 'ok' }, schema)).toEqual([]);
    expect(check({ 'x-a': 1, y: 1 }, schema)).toEqual(['$["x-a"]: expected string, got number', '$: unexpected property "y"']);
  });

  it('items, prefixItems and the draft-4 tuple form', () => {
    expect(check([1, 'two', 3], { type: 'array', items: { type: 'integer' } })).toEqual(['$[1]: expected integer, got string']);
    const tuple = { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: { type: 'boolean' } };
    expect(check(['a', 1, true, false], tuple)).toEqual([]);
    expect(check([1, 'a', 'b'], tuple)).toEqual(['$[0]: expected string, got number', '$[1]: expected number, got string', '$[2]: expected boolean, got string']);
    expect(check([1, 'a', 'anything'], { items: [{ type: 'integer' }, { type: 'string' }] })).toEqual([]);
  });

  it('nested paths', () => {
    const schema = {
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, 'unit price': { type: 'number' } } } },
      },
    };
    const value = { items: [{ name: 'a' }, { name: 'b' }, { name: 3, 'unit price': 'cheap' }] };
    expect(check(value, schema)).toEqual(['$.items[2].name: expected string, got number', '$.items[2]["unit price"]: expected number, got string']);
  });

  it('enum and const', () => {
    expect(check('blue', { enum: ['red', 'green'] })).toEqual(['$: must be one of "red", "green"']);
    expect(check({ color: 'blue' }, { properties: { color: { enum: ['red', 'green'] } } })).toEqual(['$.color: must be one of "red", "green"']);
    expect(check({ b: [1], a: 1 }, { enum: [{ a: 1, b: [1] }] })).toEqual([]);
    expect(check('x', { const: 'y' })).toEqual(['$: must be "y"']);
    expect(check(null, { const: null })).toEqual([]);
    const many = Array.from({ length: 12 }, (_, index) => index);
    expect(check(99, { enum: many })[0]).toMatch(/must be one of 0, 1, .*9, …$/);
  });

  it('numeric bounds', () => {
    expect(check(5, { minimum: 5, maximum: 5 })).toEqual([]);
    expect(check(4, { minimum: 5 })).toEqual(['$: must be >= 5']);
    expect(check(6, { maximum: 5 })).toEqual(['$: must be <= 5']);
    expect(check(5, { exclusiveMinimum: 5 })).toEqual(['$: must be > 5']);
    expect(check(5, { exclusiveMaximum: 5 })).toEqual(['$: must be < 5']);
    expect(check(5, { minimum: 5, exclusiveMinimum: true })).toEqual(['$: must be > 5']);
    expect(check(5, { maximum: 5, exclusiveMaximum: true })).toEqual(['$: must be < 5']);
  });

  it('multipleOf, tolerant of binary fractions', () => {
    expect(check(0.3, { multipleOf: 0.1 })).toEqual([]);
    expect(check(10, { multipleOf: 5 })).toEqual([]);
    expect(check(7, { multipleOf: 5 })).toEqual(['$: must be a multiple of 5']);
  });

  it('minLength and maxLength count code points', () => {
    expect(check('😀😀', { maxLength: 2 })).toEqual([]);
    expect(check('😀😀😀', { maxLength: 2 })).toEqual(['$: must be at most 2 characters long']);
    expect(check('a', { minLength: 2 })).toEqual(['$: must be at least 2 characters long']);
  });

  it('pattern; a pattern that cannot be run safely fails closed', () => {
    expect(check('abc', { pattern: '^a' })).toEqual([]);
    expect(check('xbc', { pattern: '^a' })).toEqual(['$: must match the pattern /^a/']);
    expect(check('a-b', { pattern: '^[a-z]\\-[a-z]$' })).toEqual([]);
    expect(check('anything', { pattern: '([' })).toEqual(['$: cannot be checked against the pattern /([/ (it has an unterminated class "[" at character 2), so it is not accepted']);
    expect(check('aa', { pattern: '^(a)\\1$' })).toEqual(['$: cannot be checked against the pattern /^(a)\\1$/ (it uses a backreference "\\1" at character 5), so it is not accepted']);
    expect(check({ 'x-a': 1 }, { patternProperties: { '(?=x)': {} } })).toEqual([
      '$["x-a"]: cannot be checked against the pattern /(?=x)/ (it uses a lookaround "(?=" at character 1), so it is not accepted',
    ]);
  });

  describe('bounded work', () => {
    it('a pattern that backtracks catastrophically in a RegExp is matched in linear time', () => {
      const hostile = `${'a'.repeat(5000)}!`;
      const started = performance.now();
      expect(check(hostile, { enum: [hostile], pattern: '^(a+)+$' })).toEqual(['$: must match the pattern /^(a+)+$/']);
      expect(check('a'.repeat(5000), { pattern: '^(a|a)*$' })).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('an anyOf/$ref fan-out of 2^21 stops at the step budget, failing closed', () => {
      const $defs: Record<string, unknown> = { d21: { type: 'integer' } };
      for (let level = 0; level < 21; level++) $defs[`d${level}`] = { anyOf: [{ $ref: `#/$defs/d${level + 1}` }, { $ref: `#/$defs/d${level + 1}` }] };
      const budget = createWorkBudget(100_000);
      const started = performance.now();
      expect(messages(validateJsonSchema('x', { $defs, $ref: '#/$defs/d0' }, budget))).toEqual([
        '$: is too costly to check against the schema (more than 100000 steps of checking), so it is not accepted',
      ]);
      expect(budget.used).toBeLessThanOrEqual(100_000 + 20);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('uniqueItems over a long array, and deeply nested equal items, stop at the budget', () => {
      const items = Array.from({ length: 5000 }, (_, index) => ({ index }));
      expect(check(items, { uniqueItems: true })).toEqual(['$: is too costly to check against the schema (more than 2000000 steps of checking), so it is not accepted']);
      const deep = (depth: number): unknown => (depth === 0 ? 1 : [deep(depth - 1)]);
      expect(check([deep(5000), deep(5000)], { uniqueItems: true })[0]).toMatch(/too costly to check/);
    });
  });

  it('array sizes and uniqueItems', () => {
    expect(check([1], { minItems: 2 })).toEqual(['$: must have at least 2 items']);
    expect(check([1, 2, 3], { maxItems: 2 })).toEqual(['$: must have at most 2 items']);
    expect(check([1, { a: 1 }, 2, { a: 1 }], { uniqueItems: true })).toEqual(['$: must not repeat items (items 1 and 3 are equal)']);
    expect(check([1, '1', [1]], { uniqueItems: true })).toEqual([]);
  });

  it('object sizes', () => {
    expect(check({}, { minProperties: 1 })).toEqual(['$: must have at least 1 property']);
    expect(check({ a: 1 }, { minProperties: 2 })).toEqual(['$: must have at least 2 properties']);
    expect(check({ a: 1, b: 2 }, { maxProperties: 1 })).toEqual(['$: must have at most 1 property']);
  });

  it('anyOf names the allowed types when only the type was wrong', () => {
    const schema = { anyOf: [{ type: 'string' }, { type: 'null' }] };
    expect(check('x', schema)).toEqual([]);
    expect(check(3, schema)).toEqual(['$: expected string or null, got number']);
  });

  it('anyOf otherwise points at the closest alternative', () => {
    const schema = {
      anyOf: [
        { type: 'object', properties: { kind: { const: 'circle' }, radius: { type: 'number' } }, required: ['kind', 'radius'] },
        { type: 'object', properties: { kind: { const: 'square' }, side: { type: 'number' } }, required: ['kind', 'side'] },
      ],
    };
    expect(check({ kind: 'circle', radius: 1 }, schema)).toEqual([]);
    expect(check({ kind: 'circle', radius: 'big' }, schema)).toEqual([
      '$: does not match any of the allowed alternatives (closest: $.radius: expected number, got string)',
    ]);
  });

  it('oneOf must match exactly one', () => {
    const schema = { oneOf: [{ type: 'integer' }, { type: 'number' }] };
    expect(check(1.5, schema)).toEqual([]);
    expect(check(1, schema)).toEqual(['$: matches 2 of the oneOf alternatives; it must match exactly one']);
    expect(check('x', schema)).toEqual(['$: expected integer or number, got string']);
  });

  it('allOf applies every part, not negates', () => {
    expect(check(5, { allOf: [{ minimum: 6 }, { maximum: 4 }] })).toEqual(['$: must be >= 6', '$: must be <= 4']);
    expect(check('x', { not: { type: 'string' } })).toEqual(['$: must not match the "not" schema']);
    expect(check(1, { not: { type: 'string' } })).toEqual([]);
  });

  describe('$ref', () => {
    it('resolves #/$defs and #/definitions', () => {
      const schema = {
        type: 'object',
        properties: { a: { $ref: '#/$defs/name' }, b: { $ref: '#/definitions/count' } },
        $defs: { name: { type: 'string' } },
        definitions: { count: { type: 'integer' } },
      };
      expect(check({ a: 'x', b: 1 }, schema)).toEqual([]);
      expect(check({ a: 1, b: 'x' }, schema)).toEqual(['$.a: expected string, got number', '$.b: expected integer, got string']);
    });

    it('follows recursive schemas through "#" and $defs', () => {
      const tree = {
        type: 'object',
        properties: { value: { type: 'number' }, children: { type: 'array', items: { $ref: '#' } } },
        required: ['value'],
      };
      const value = { value: 1, children: [{ value: 2, children: [{ value: 'three' }, { children: [] }] }] };
      expect(check(value, tree)).toEqual(['$.children[0].children[0].value: expected number, got string', '$.children[0].children[1]: missing required property "value"']);

      const linked = { $ref: '#/$defs/node', $defs: { node: { type: 'object', properties: { next: { anyOf: [{ $ref: '#/$defs/node' }, { type: 'null' }] } } } } };
      expect(check({ next: { next: { next: null } } }, linked)).toEqual([]);
      expect(check({ next: { next: 5 } }, linked)).toEqual(['$.next: does not match any of the allowed alternatives (closest: $.next.next: expected object or null, got number)']);
    });

    it('does not loop on a reference to itself that consumes nothing', () => {
      expect(check(1, { $ref: '#' })).toEqual([]);
      expect(check(1, { $ref: '#', type: 'string' })).toEqual(['$: expected string, got number']);
      expect(check(1, { anyOf: [{ $ref: '#' }, { type: 'string' }] })).toEqual([]);
      const pingPong = { $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' };
      expect(check('x', pingPong)).toEqual([]);
    });

    it('ignores a reference it cannot resolve', () => {
      expect(check(1, { $ref: '#/$defs/missing' })).toEqual([]);
      expect(check(1, { $ref: 'https://example.com/schema.json' })).toEqual([]);
    });

    it('decodes JSON pointer escapes', () => {
      expect(check(1, { $ref: '#/$defs/a~1b', $defs: { 'a/b': { type: 'string' } } })).toEqual(['$: expected string, got number']);
    });
  });

  it('ignores annotations and unknown keywords', () => {
    const schema = { type: 'string', description: 'd', title: 't', default: 'x', format: 'email', examples: ['a'], strict: true, 'x-custom': 1 };
    expect(check('not an email', schema)).toEqual([]);
  });

  it('caps the issues at 20', () => {
    const value = Array.from({ length: 50 }, () => 'x');
    const issues = validateJsonSchema(value, { type: 'array', items: { type: 'integer' } });
    expect(issues).toHaveLength(20);
    expect(issues[19]).toEqual({ path: '$[19]', message: 'expected integer, got string' });
  });

  it('survives a deeply nested value', () => {
    let value: unknown = 1;
    for (let depth = 0; depth < 10_000; depth++) value = [value];
    const issues = validateJsonSchema(value, { $defs: { nest: { anyOf: [{ type: 'integer' }, { type: 'array', items: { $ref: '#/$defs/nest' } }] } }, $ref: '#/$defs/nest' });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/is nested too deeply to check/);
  });
});

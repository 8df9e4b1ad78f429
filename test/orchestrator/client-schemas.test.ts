import { describe, expect, it } from 'vitest';
import { assertCheckableSchema, assertCheckableSchemas, MAX_SCHEMA_DEPTH, MAX_SCHEMA_VALUES } from '../../src/orchestrator/checks/client-schemas.js';
import type { OpenAIChatCompletionRequest } from '../../src/types/openai.js';

const PARAM = 'response_format.json_schema.schema';

function refusal(schema: unknown): { message: string; code: string | null; param: string | null; status: number } | undefined {
  try {
    assertCheckableSchema(schema, PARAM);
    return undefined;
  } catch (error) {
    const { message, code, param, status } = error as { message: string; code: string | null; param: string | null; status: number };
    return { message, code, param, status };
  }
}

/** Definitions d0..d(n-1), each an anyOf of `width` references to the next: width^n subschemas. */
function fanOut(levels: number, width = 2): Record<string, unknown> {
  const $defs: Record<string, unknown> = { [`d${levels}`]: { type: 'integer' } };
  for (let level = 0; level < levels; level++) $defs[`d${level}`] = { anyOf: Array.from({ length: width }, () => ({ $ref: `#/$defs/d${level + 1}` })) };
  return { $defs, $ref: '#/$defs/d0' };
}

describe('assertCheckableSchema', () => {
  it('accepts the schemas clients send, nested quantifiers in patterns included', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', pattern: '^(\\w+\\s?)+$' },
        code: { type: 'string', pattern: '^(a+)+$', enum: ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'] },
        tags: { type: 'array', items: { $ref: '#/$defs/tag' } },
        tree: { $ref: '#/$defs/node' },
      },
      patternProperties: { '^x-': { type: 'string' } },
      $defs: {
        tag: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } },
      },
    };
    expect(refusal(schema)).toBeUndefined();
    expect(refusal(fanOut(10))).toBeUndefined(); // 2^10 subschemas: fine
    expect(refusal(true)).toBeUndefined();
  });

  it('refuses an anyOf/$ref fan-out of 2^21, naming where it blows up', () => {
    expect(refusal(fanOut(21))).toEqual({
      status: 400,
      code: 'schema_too_complex',
      param: PARAM,
      message:
        `${PARAM}.$defs.d9: the schema unfolds, through its $refs, into more than 10000 subschemas, more than rlm checks an answer against; ` +
        'alternatives that refer to shared definitions multiply, so inline fewer alternatives or refer to fewer definitions.',
    });
  });

  it('refuses a schema too large or too deep', () => {
    expect(refusal({ enum: Array.from({ length: MAX_SCHEMA_VALUES }, (_, index) => index) })?.message).toBe(
      `${PARAM}: the schema has more than ${MAX_SCHEMA_VALUES} values (keywords, subschemas, enum entries), more than rlm checks an answer against.`,
    );
    let deep: unknown = { type: 'string' };
    for (let level = 0; level < MAX_SCHEMA_DEPTH; level++) deep = { items: deep };
    expect(refusal(deep)).toMatchObject({ code: 'schema_too_complex', message: expect.stringMatching(/^response_format\.json_schema\.schema(\.items){64}: the schema nests more than 64 levels deep/) });
  });

  it('refuses a pattern the linear matcher cannot run, naming its path', () => {
    expect(refusal({ properties: { 'first name': { pattern: '^(a)\\1$' } } })).toEqual({
      status: 400,
      code: 'schema_pattern_unsupported',
      param: PARAM,
      message: `${PARAM}.properties["first name"].pattern: the pattern /^(a)\\1$/ cannot be used: it uses a backreference "\\1" at character 5. rlm matches patterns in linear time, which rules out backreferences and lookarounds (JSON Schema advises against them too).`,
    });
    expect(refusal({ $defs: { key: { patternProperties: { '^(?!x)': {} } } }, items: { $ref: '#/$defs/key' } })?.message).toMatch(
      /^response_format\.json_schema\.schema\.\$defs\.key\.patternProperties\["\^\(\?!x\)"\]: the pattern \/\^\(\?!x\)\/ cannot be used: it uses a lookaround/,
    );
  });

  it('screens every tool parameters schema of a request too', () => {
    const request = {
      model: 'rlm',
      messages: [],
      tools: [
        { type: 'function', function: { name: 'ok', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'bad', parameters: fanOut(21) } },
      ],
    } as OpenAIChatCompletionRequest;
    expect(() => assertCheckableSchemas(request)).toThrow(expect.objectContaining({ param: 'tools[1].function.parameters', code: 'schema_too_complex' }));
  });
});

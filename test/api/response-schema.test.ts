import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../src/api/chat/chat-request.js';
import { checkResponseSchema } from '../../src/api/response-schema.js';
import { expectInvalid } from './expect-invalid.js';

const ROOT = 'response_format.json_schema.schema';

describe('checkResponseSchema', () => {
  it('accepts the schemas clients send', () => {
    const schemas: unknown[] = [
      {},
      { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false },
      { type: ['string', 'null'] },
      { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1 },
      { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
      { anyOf: [{ type: 'string' }, { $ref: '#/$defs/n' }], $defs: { n: { type: 'number' } } },
      { type: 'object', properties: { kind: { enum: ['a', 'b'] }, nested: { type: 'object', properties: {}, additionalProperties: { type: 'string' } } } },
    ];
    for (const schema of schemas) expect(() => checkResponseSchema(schema, ROOT)).not.toThrow();
  });

  it.each([
    ['a number where a property schema belongs', { properties: { answer: 0 } }, `${ROOT}.properties.answer`, /expected a JSON Schema object, but got an integer/],
    ['null where a property schema belongs', { type: 'object', properties: { answer: null } }, `${ROOT}.properties.answer`, /got null/],
    ['a string as the properties', { properties: 'x' }, `${ROOT}.properties`, /expected an object of JSON Schema objects/],
    ['a boolean as items', { type: 'array', items: true }, `${ROOT}.items`, /got a boolean/],
    ['a bad item of a tuple', { items: [{}, 3] }, `${ROOT}.items[1]`, /got an integer/],
    ['an empty anyOf', { anyOf: [] }, `${ROOT}.anyOf`, /non-empty array/],
    ['an unknown type', { type: 'text' }, `${ROOT}.type`, /one of string, number/],
    ['required that is not a list of names', { required: 'answer' }, `${ROOT}.required`, /array of property names/],
    ['a non-array enum', { enum: 'a' }, `${ROOT}.enum`, /an array/],
    ['a $ref that is not a string', { $ref: 1 }, `${ROOT}.$ref`, /a string/],
    ['a bad schema deep inside', { properties: { a: { items: { anyOf: [{ not: [] }] } } } }, `${ROOT}.properties.a.items.anyOf[0].not`, /got an array/],
    ['additionalProperties that is neither', { additionalProperties: 'no' }, `${ROOT}.additionalProperties`, /got a string/],
  ])('400 for %s', (_name, schema, param, message) => {
    const error = expectInvalid(() => checkResponseSchema(schema, ROOT), param, message);
    expect(error.code).toBe('invalid_json_schema');
  });
});

describe('parseChatRequest checks response_format schemas', () => {
  it('refuses a malformed schema, in chat and Responses shapes', () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    const format = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { answer: 'string' } } } };
    expectInvalid(() => parseChatRequest({ model: 'm', messages, response_format: format }), `${ROOT}.properties.answer`);
    expectInvalid(
      () => parseChatRequest({ model: 'm', input: 'Hi', text: { format: { type: 'json_schema', name: 'x', schema: { properties: { answer: 1 } } } } }),
      `${ROOT}.properties.answer`,
    );
  });
});

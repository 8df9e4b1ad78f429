/**
 * The shape of `response_format.json_schema.schema`, checked before it goes to Ollama. Ollama
 * compiles the schema into a grammar (llama.cpp's json-schema-to-grammar) only when generation
 * starts, and a schema it cannot read, such as `"properties": {"answer": 0}`, is a 500 there
 * ("invalid JSON schema in format"), which would reach the client as a 502 for its own mistake.
 * This is the structure, not the meaning: where a subschema belongs there must be an object (or a
 * boolean where the converter takes one, as in `"additionalProperties": false`), and the
 * keywords the converter reads must have their JSON Schema types.
 */
import { describeValue, isRecord } from './validate.js';
import { InvalidRequestError } from '../utils/errors.js';

/** Keywords whose value is one subschema. */
const SUBSCHEMA = ['not', 'if', 'then', 'else', 'contains', 'propertyNames'];
/** Keywords whose value is a subschema or a boolean (true: anything more is allowed; false: nothing). */
const SUBSCHEMA_OR_BOOLEAN = ['additionalProperties', 'unevaluatedProperties', 'additionalItems', 'unevaluatedItems'];
/** Keywords whose value is a non-empty array of subschemas. */
const SUBSCHEMA_LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
/** Keywords whose value is an object of named subschemas. */
const SUBSCHEMA_MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/** Throws a 400 naming the first place where `schema` is not shaped like a JSON Schema. */
export function checkResponseSchema(schema: unknown, path: string): void {
  const pending: { schema: unknown; path: string }[] = [{ schema, path }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const at = next.path;
    if (!isRecord(next.schema)) throw invalidSchema(at, 'a JSON Schema object', next.schema);
    const current = next.schema;
    const child = (value: unknown, childPath: string): void => void pending.push({ schema: value, path: childPath });

    const type = current['type'];
    if (type !== undefined && !(typeof type === 'string' ? TYPES.has(type) : Array.isArray(type) && type.length > 0 && type.every((item) => typeof item === 'string' && TYPES.has(item)))) {
      throw invalidSchema(`${at}.type`, `one of ${[...TYPES].join(', ')}, or a list of them`, type);
    }
    const required = current['required'];
    if (required !== undefined && !(Array.isArray(required) && required.every((item) => typeof item === 'string'))) {
      throw invalidSchema(`${at}.required`, 'an array of property names', required);
    }
    if (current['enum'] !== undefined && !Array.isArray(current['enum'])) throw invalidSchema(`${at}.enum`, 'an array', current['enum']);
    if (current['$ref'] !== undefined && typeof current['$ref'] !== 'string') throw invalidSchema(`${at}.$ref`, 'a string', current['$ref']);

    for (const keyword of SUBSCHEMA) if (current[keyword] !== undefined) child(current[keyword], `${at}.${keyword}`);
    for (const keyword of SUBSCHEMA_OR_BOOLEAN) {
      const value = current[keyword];
      if (value !== undefined && typeof value !== 'boolean') child(value, `${at}.${keyword}`);
    }
    for (const keyword of SUBSCHEMA_LIST) {
      const value = current[keyword];
      if (value === undefined) continue;
      if (!Array.isArray(value) || value.length === 0) throw invalidSchema(`${at}.${keyword}`, 'a non-empty array of JSON Schema objects', value);
      value.forEach((item, index) => child(item, `${at}.${keyword}[${index}]`));
    }
    for (const keyword of SUBSCHEMA_MAP) {
      const value = current[keyword];
      if (value === undefined) continue;
      if (!isRecord(value)) throw invalidSchema(`${at}.${keyword}`, 'an object of JSON Schema objects', value);
      for (const [name, item] of Object.entries(value)) child(item, `${at}.${keyword}.${name}`);
    }
    // `items` is one schema, or (draft 4's tuples) a list of them.
    const items = current['items'];
    if (Array.isArray(items)) items.forEach((item, index) => child(item, `${at}.items[${index}]`));
    else if (items !== undefined) child(items, `${at}.items`);
  }
}

function invalidSchema(param: string, expected: string, value: unknown): InvalidRequestError {
  return new InvalidRequestError(
    `Invalid schema at '${param}': expected ${expected}, but got ${describeValue(value)} instead. Ollama compiles the schema into a grammar and cannot use it as it is.`,
    param,
    'invalid_json_schema',
  );
}

/**
 * Whether a value is shaped like a JSON Schema, for a task file's `json_schema` expectation. The
 * pipeline's validator is lenient about schemas on purpose (a fault in a client's schema is not a
 * fault in the answer), so a task file's `{"type": "obj"}` or `{"required": "name"}` would score
 * every answer as right. This walks the keywords the validator applies and names the first one
 * written wrongly. Unknown keywords and annotations stay allowed.
 */
import { childPath } from '../orchestrator/checks/json-schema.js';

const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);
const SCHEMA_KEYWORDS = ['items', 'additionalProperties', 'not'] as const;
const SCHEMA_LISTS = ['prefixItems', 'allOf', 'anyOf', 'oneOf'] as const;
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions'] as const;
const NUMBERS = ['minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const;
/** Deeper than this is not a schema anyone writes by hand; client-schemas.ts bounds it again. */
const MAX_DEPTH = 64;

export interface SchemaShapeProblem {
  /** Where, as a path from the schema's root: `.properties.age.type`; "" for the root. */
  path: string;
  message: string;
}

export function schemaShapeProblem(schema: unknown, path = '', depth = 0): SchemaShapeProblem | null {
  if (typeof schema === 'boolean') return null;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { path, message: 'a schema is an object or a boolean' };
  if (depth > MAX_DEPTH) return { path, message: `nested more than ${MAX_DEPTH} levels deep` };
  const record = schema as Record<string, unknown>;
  const { type, required, enum: allowed } = record;
  if (type !== undefined) {
    const names = Array.isArray(type) ? type : [type];
    const bad = names.find((name) => typeof name !== 'string' || !TYPES.has(name));
    if (names.length === 0 || bad !== undefined) return { path: childPath(path, 'type'), message: `must be one of ${[...TYPES].join(', ')} (or an array of them), got ${JSON.stringify(bad ?? type)}` };
  }
  if (required !== undefined && !(Array.isArray(required) && required.every((name) => typeof name === 'string'))) {
    return { path: childPath(path, 'required'), message: 'must be an array of property names' };
  }
  if (allowed !== undefined && !Array.isArray(allowed)) return { path: childPath(path, 'enum'), message: 'must be an array of the allowed values' };
  if (record.pattern !== undefined && typeof record.pattern !== 'string') return { path: childPath(path, 'pattern'), message: 'must be a string' };
  for (const keyword of NUMBERS) {
    const bound = record[keyword];
    if (bound !== undefined && !(typeof bound === 'number' && Number.isFinite(bound))) return { path: childPath(path, keyword), message: 'must be a number' };
  }
  for (const keyword of SCHEMA_KEYWORDS) {
    const child = record[keyword];
    // Draft 4–7 also allowed `items` as an array of schemas, one per position.
    if (child === undefined) continue;
    const found = keyword === 'items' && Array.isArray(child) ? listProblem(child, childPath(path, keyword), depth) : schemaShapeProblem(child, childPath(path, keyword), depth + 1);
    if (found !== null) return found;
  }
  for (const keyword of SCHEMA_LISTS) {
    const list = record[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return { path: childPath(path, keyword), message: 'must be an array of schemas' };
    const found = listProblem(list, childPath(path, keyword), depth);
    if (found !== null) return found;
  }
  for (const keyword of SCHEMA_MAPS) {
    const map = record[keyword];
    if (map === undefined) continue;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) return { path: childPath(path, keyword), message: 'must be an object of schemas' };
    for (const [name, child] of Object.entries(map)) {
      const found = schemaShapeProblem(child, childPath(childPath(path, keyword), name), depth + 1);
      if (found !== null) return found;
    }
  }
  return null;
}

function listProblem(list: readonly unknown[], path: string, depth: number): SchemaShapeProblem | null {
  for (let index = 0; index < list.length; index++) {
    const found = schemaShapeProblem(list[index], childPath(path, index), depth + 1);
    if (found !== null) return found;
  }
  return null;
}

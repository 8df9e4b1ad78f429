/**
 * The schemas a client sends (`response_format.json_schema.schema`, each tool's `parameters`) are
 * screened before a run starts, so a schema rlm could not check in bounded time is a 400 naming
 * where in it the trouble is, sent while a real status is still possible (streaming included):
 *
 * - size: at most MAX_SCHEMA_VALUES JSON values (keywords, subschemas, enum entries) in all;
 * - depth: nested at most MAX_SCHEMA_DEPTH levels;
 * - fan-out: unfolded through its `$ref`s, at most MAX_UNFOLDED_SUBSCHEMAS subschemas. Twenty-one
 *   definitions, each an `anyOf` of two references to the next, are 42 lines of JSON and unfold into
 *   2^21 subschemas; a recursive reference (back to a schema being unfolded) counts once, since
 *   only the answer's own nesting can repeat it;
 * - patterns: each one the validator would use must compile for the linear-time matcher
 *   (linear-pattern.ts: no backreferences, no lookarounds), and all of them together stay under
 *   MAX_PATTERN_STATES_TOTAL states.
 *
 * What passes can still be costly against a large answer; json-schema.ts's step budget bounds that.
 */
import type { OpenAIChatCompletionRequest } from '../../types/openai.js';
import { InvalidRequestError } from '../../utils/errors.js';
import { childPath, decodePointerToken, resolveReference } from './json-schema.js';
import { schemaPattern } from './linear-pattern.js';

export const MAX_SCHEMA_VALUES = 10_000;
export const MAX_SCHEMA_DEPTH = 64;
export const MAX_UNFOLDED_SUBSCHEMAS = 10_000;
/** The patterns of one schema together: each may have up to MAX_PATTERN_STATES, a thousand of them may not. */
export const MAX_PATTERN_STATES_TOTAL = 50_000;
/** Subschemas nested this deep, counting each `$ref` followed, are refused (the unfolding recurses). */
const MAX_UNFOLD_DEPTH = 2 * MAX_SCHEMA_DEPTH;

/** A 400 for a client schema rlm cannot check answers against in bounded time. */
export class UncheckableSchemaError extends InvalidRequestError {
  constructor(param: string, message: string, code: 'schema_too_complex' | 'schema_pattern_unsupported') {
    super(message, param, code);
  }
}

/** Throws UncheckableSchemaError for the first client schema of the request that cannot be checked. */
export function assertCheckableSchemas(request: OpenAIChatCompletionRequest): void {
  const format = request.response_format;
  if (format?.type === 'json_schema' && format.json_schema?.schema !== undefined) {
    assertCheckableSchema(format.json_schema.schema, 'response_format.json_schema.schema');
  }
  (request.tools ?? []).forEach((tool, index) => {
    const parameters: unknown = tool?.function?.parameters;
    if (parameters !== undefined) assertCheckableSchema(parameters, `tools[${index}].function.parameters`);
  });
}

/** `param` names the schema in the request; messages start with the full path of the fault. */
export function assertCheckableSchema(schema: unknown, param: string): void {
  assertSizeAndDepth(schema, param);
  new Unfolding(schema, param).size(schema, '', 0);
}

function assertSizeAndDepth(schema: unknown, param: string): void {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: schema, path: '', depth: 0 }];
  let values = 0;
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop() as { value: unknown; path: string; depth: number };
    if (++values > MAX_SCHEMA_VALUES) {
      throw new UncheckableSchemaError(
        param,
        `${param}: the schema has more than ${MAX_SCHEMA_VALUES} values (keywords, subschemas, enum entries), more than rlm checks an answer against.`,
        'schema_too_complex',
      );
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_SCHEMA_DEPTH) {
      throw new UncheckableSchemaError(param, `${param}${path}: the schema nests more than ${MAX_SCHEMA_DEPTH} levels deep, more than rlm checks an answer against.`, 'schema_too_complex');
    }
    if (Array.isArray(value)) value.forEach((item, index) => pending.push({ value: item, path: childPath(path, index), depth: depth + 1 }));
    else for (const [key, item] of Object.entries(value)) pending.push({ value: item, path: childPath(path, key), depth: depth + 1 });
  }
}

type SchemaObject = Record<string, unknown>;

/** The keywords whose values the validator applies as subschemas, and how they hold them. */
const SINGLE = ['items', 'additionalProperties', 'not'] as const;
const LISTS = ['items', 'prefixItems', 'allOf', 'anyOf', 'oneOf'] as const;
const MAPS = ['properties', 'patternProperties'] as const;

class Unfolding {
  readonly #sizes = new Map<SchemaObject, number>();
  readonly #inProgress = new Set<SchemaObject>();
  #patternStates = 0;

  constructor(
    private readonly root: unknown,
    private readonly param: string,
  ) {}

  /** How many subschemas `schema` unfolds into; throws past the limits. */
  size(schema: unknown, path: string, depth: number): number {
    if (!isRecord(schema)) return 1;
    const known = this.#sizes.get(schema);
    if (known !== undefined) return known;
    if (this.#inProgress.has(schema)) return 1;
    if (depth > MAX_UNFOLD_DEPTH) this.#tooComplex(path, `nests more than ${MAX_UNFOLD_DEPTH} subschemas deep, counting each $ref followed`);
    this.#inProgress.add(schema);
    this.#checkPatterns(schema, path);
    let total = 1;
    const add = (child: unknown, childAt: string): void => {
      total += this.size(child, childAt, depth + 1);
      if (total > MAX_UNFOLDED_SUBSCHEMAS) {
        this.#tooComplex(
          path,
          `unfolds, through its $refs, into more than ${MAX_UNFOLDED_SUBSCHEMAS} subschemas`,
          'alternatives that refer to shared definitions multiply, so inline fewer alternatives or refer to fewer definitions',
        );
      }
    };
    for (const keyword of SINGLE) if (isRecord(schema[keyword]) || typeof schema[keyword] === 'boolean') add(schema[keyword], childPath(path, keyword));
    for (const keyword of LISTS) {
      const list = schema[keyword];
      if (Array.isArray(list)) list.forEach((child, index) => add(child, childPath(childPath(path, keyword), index)));
    }
    for (const keyword of MAPS) {
      const map = schema[keyword];
      if (isRecord(map)) for (const [name, child] of Object.entries(map)) add(child, childPath(childPath(path, keyword), name));
    }
    if (typeof schema.$ref === 'string') {
      const target = resolveReference(this.root, schema.$ref);
      if (target !== undefined) add(target, pointerPath(schema.$ref));
    }
    this.#inProgress.delete(schema);
    this.#sizes.set(schema, total);
    return total;
  }

  #checkPatterns(schema: SchemaObject, path: string): void {
    if (typeof schema.pattern === 'string') this.#checkPattern(schema, schema.pattern, childPath(path, 'pattern'));
    const patterns = schema.patternProperties;
    if (isRecord(patterns)) for (const source of Object.keys(patterns)) this.#checkPattern(patterns, source, childPath(childPath(path, 'patternProperties'), source));
  }

  #checkPattern(owner: object, source: string, path: string): void {
    const compiled = schemaPattern(owner, source);
    if (!compiled.ok) {
      throw new UncheckableSchemaError(
        this.param,
        `${this.param}${path}: the pattern /${source}/ cannot be used: ${compiled.reason}.` +
          (compiled.irregular ? ' rlm matches patterns in linear time, which rules out backreferences and lookarounds (JSON Schema advises against them too).' : ''),
        'schema_pattern_unsupported',
      );
    }
    this.#patternStates += compiled.pattern.states;
    if (this.#patternStates > MAX_PATTERN_STATES_TOTAL) this.#tooComplex(path, `brings the schema's patterns to more than ${MAX_PATTERN_STATES_TOTAL} matcher states in all`);
  }

  #tooComplex(path: string, what: string, advice?: string): never {
    const message = `${this.param}${path}: the schema ${what}, more than rlm checks an answer against${advice === undefined ? '' : `; ${advice}`}.`;
    throw new UncheckableSchemaError(this.param, message, 'schema_too_complex');
  }
}

/** "#/$defs/a b" -> `.$defs["a b"]`, the path the schema's own keys give. */
function pointerPath(reference: string): string {
  if (!reference.startsWith('#/')) return '';
  return reference
    .slice(2)
    .split('/')
    .reduce((path, token) => childPath(path, decodePointerToken(token)), '');
}

function isRecord(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Small validation helpers shared by the request parsers. Each throws InvalidRequestError with
 * `param` set to the JSON path of the bad field (e.g. `messages[2].content[0].image_url`), and with
 * messages worded like OpenAI's own so that client-side error handling reads them the same way.
 *
 * JSON `null` counts as absent everywhere: clients (and SDKs that serialise optional fields) send
 * `"temperature": null` to mean "not set", and rejecting that would break them for nothing.
 */
import { checkJsonDepth } from './json-depth.js';
import { InvalidRequestError } from '../utils/errors.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** False for `undefined` and `null`, the two ways a JSON field can be absent. */
export function isPresent<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

export function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** "a string", "an array", … as OpenAI phrases the received type. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal number';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export function invalidType(param: string, expected: string, value: unknown): InvalidRequestError {
  return new InvalidRequestError(
    `Invalid type for '${param}': expected ${expected}, but got ${describeValue(value)} instead.`,
    param,
    'invalid_type',
  );
}

export function missingParameter(param: string): InvalidRequestError {
  return new InvalidRequestError(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

export function invalidValue(param: string, value: unknown, supported: readonly string[]): InvalidRequestError {
  const quoted = supported.map((item) => `'${item}'`);
  const last = quoted.pop() ?? '';
  const list = quoted.length === 0 ? last : `${quoted.join(', ')}${quoted.length > 1 ? ',' : ''} and ${last}`;
  return new InvalidRequestError(
    `Invalid value for '${param}': '${String(value)}'. Supported values are: ${list}.`,
    param,
    'invalid_value',
  );
}

/**
 * The parsed JSON body itself must be an object before any field can be read, and no deeper than
 * MAX_JSON_DEPTH before anything walks it.
 */
export function requireBody(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) {
    throw new InvalidRequestError(
      `The request body must be a JSON object, but got ${describeValue(body)} instead.`,
      null,
      'invalid_request_body',
    );
  }
  checkJsonDepth(body);
  return body;
}

/** Every endpoint needs `model`; OpenAI's wording for the missing case. */
export function requireModel(body: Record<string, unknown>): string {
  const model = body['model'];
  if (!isPresent(model) || model === '') {
    throw new InvalidRequestError('you must provide a model parameter', 'model', 'missing_required_parameter');
  }
  if (typeof model !== 'string') throw invalidType('model', 'a string', model);
  return model;
}

export interface NumberConstraints {
  min?: number;
  max?: number;
  integer?: boolean;
  /** The JSON path used in errors; defaults to the key. */
  path?: string;
}

export function optionalNumber(container: Record<string, unknown>, key: string, constraints: NumberConstraints = {}): number | undefined {
  const value = container[key];
  if (!isPresent(value)) return undefined;
  const path = constraints.path ?? key;
  const kind = constraints.integer === true ? 'integer' : 'decimal';
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidType(path, kind === 'integer' ? 'an integer' : 'a number', value);
  }
  if (kind === 'integer' && !Number.isInteger(value)) throw invalidType(path, 'an integer', value);
  if (constraints.min !== undefined && value < constraints.min) {
    throw new InvalidRequestError(
      `Invalid '${path}': ${kind} below minimum value. Expected a value >= ${constraints.min}, but got ${value} instead.`,
      path,
      `${kind}_below_min_value`,
    );
  }
  if (constraints.max !== undefined && value > constraints.max) {
    throw new InvalidRequestError(
      `Invalid '${path}': ${kind} above maximum value. Expected a value <= ${constraints.max}, but got ${value} instead.`,
      path,
      `${kind}_above_max_value`,
    );
  }
  return value;
}

export function optionalString(container: Record<string, unknown>, key: string, path: string = key): string | undefined {
  const value = container[key];
  if (!isPresent(value)) return undefined;
  if (typeof value !== 'string') throw invalidType(path, 'a string', value);
  return value;
}

/** A string that must be there and must not be empty. */
export function requiredString(container: Record<string, unknown>, key: string, path: string = key): string {
  const value = optionalString(container, key, path);
  if (value === undefined || value === '') throw missingParameter(path);
  return value;
}

export function optionalBoolean(container: Record<string, unknown>, key: string, path: string = key): boolean | undefined {
  const value = container[key];
  if (!isPresent(value)) return undefined;
  if (typeof value !== 'boolean') throw invalidType(path, 'a boolean', value);
  return value;
}

export function optionalArray(container: Record<string, unknown>, key: string, path: string = key): unknown[] | undefined {
  const value = container[key];
  if (!isPresent(value)) return undefined;
  if (!Array.isArray(value)) throw invalidType(path, 'an array', value);
  return value;
}

export function optionalRecord(
  container: Record<string, unknown>,
  key: string,
  path: string = key,
): Record<string, unknown> | undefined {
  const value = container[key];
  if (!isPresent(value)) return undefined;
  if (!isRecord(value)) throw invalidType(path, 'an object', value);
  return value;
}

export function optionalEnum<T extends string>(
  container: Record<string, unknown>,
  key: string,
  values: readonly T[],
  path: string = key,
): T | undefined {
  const value = optionalString(container, key, path);
  if (value === undefined) return undefined;
  const match = values.find((candidate) => candidate === value);
  if (match === undefined) throw invalidValue(path, value, values);
  return match;
}

/** A copy without the keys whose value is `undefined`, so that serialised requests stay clean. */
export function withoutUndefined<T extends object>(value: T): T {
  const copy: Record<string, unknown> = {};
  // for…in with an own-property check, not Object.entries: no array of pairs per request.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const field = value[key];
    if (field !== undefined) setField(copy, key, field);
  }
  return copy as T;
}

/** The fields of a body that a parser does not know, kept so handlers may still read them. */
export function unknownFields(body: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key in body) {
    if (Object.hasOwn(body, key) && !known.has(key)) setField(copy, key, body[key]);
  }
  return copy;
}

/**
 * `copy[key] = value`, except that a `"__proto__"` key (JSON.parse makes it an ordinary field)
 * stays a field of the copy instead of becoming its prototype, whose fields a later read of a
 * known key would find.
 */
export function setField(copy: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  else copy[key] = value;
}

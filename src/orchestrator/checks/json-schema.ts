/**
 * A validator for the JSON Schema subset that OpenAI structured outputs and tool parameters use
 * (type, properties, required, additionalProperties, items, enum, anyOf, $ref to "#/$defs/…", the
 * numeric, string, array and object bounds), plus OpenAPI's `nullable`. It exists so the pipeline
 * can reject a draft that breaks the caller's schema before spending a verifier call on it, with
 * issues short enough to paste into a revision prompt.
 *
 * Deliberately lenient about the schema itself: unknown keywords, annotations (description, title,
 * default, format, examples, strict) and unresolvable `$ref`s are ignored, because a fault in the
 * caller's schema is not a fault in the model's answer.
 *
 * Bounded, because the schema is the client's: patterns run on a linear-time matcher
 * (linear-pattern.ts), and one validation may take at most a budget of steps (schema nodes
 * visited, pattern states stepped, values compared). What cannot be checked fails closed: a pattern
 * the matcher refuses, or a budget spent, is an issue, never a pass. Requests are screened before a
 * run starts (client-schemas.ts), so a client's schema reaches this only once it is known to fit.
 */
import { schemaPattern } from './linear-pattern.js';
import { createWorkBudget, WorkBudgetExceeded, type WorkBudget } from './work-budget.js';

export interface SchemaIssue {
  /** Where in the value, as a JSON path: `$`, `$.items[2].name`, `$["first name"]`. */
  path: string;
  message: string;
}

/** More than this many issues is noise to a model revising its answer. */
const MAX_ISSUES = 20;
/** Values or `$ref` chains nested deeper than this are not walked: a guard for the call stack. */
const MAX_DEPTH = 256;
/** Longer `enum` lists are cut in messages. */
const MAX_LISTED_VALUES = 10;
/** Relative tolerance for `multipleOf`, so 0.3 counts as a multiple of 0.1 despite binary floats. */
const MULTIPLE_TOLERANCE = 1e-9;
/**
 * Steps one validation may take when the caller gives no budget: under a tenth of a second of
 * work. A draft a few thousand characters long under a sane schema takes well under a tenth of it.
 */
export const VALIDATION_STEP_BUDGET = 2_000_000;
/**
 * What visiting one schema node costs in steps: measured at about 1 µs (issue lists, alternatives
 * weighed) against some 40 ns for a pattern step or a value compared, which cost 1.
 */
const NODE_VISIT_STEPS = 20;
const CONTAINER_COMPARE_STEPS = 5;

type SchemaObject = Record<string, unknown>;

interface Walk {
  /** The whole schema, which `$ref`s point into. */
  root: unknown;
  issues: SchemaIssue[];
  /** `$ref` targets being applied to a value; applying one again to the same value would never end. */
  referencesInProgress: { target: unknown; value: unknown }[];
  budget: WorkBudget;
}

/**
 * The ways `value` breaks `schema`, at most 20. `budget` (one of VALIDATION_STEP_BUDGET steps when
 * not given) may be shared by several validations of one draft; once spent, the only issue is that.
 */
export function validateJsonSchema(value: unknown, schema: unknown, budget: WorkBudget = createWorkBudget(VALIDATION_STEP_BUDGET)): SchemaIssue[] {
  // The root is already being applied to the value, so a "#" straight back to it adds nothing.
  const walk: Walk = { root: schema, issues: [], referencesInProgress: [{ target: schema, value }], budget };
  try {
    validate(value, schema, '$', 0, walk);
  } catch (error) {
    if (!(error instanceof WorkBudgetExceeded)) throw error;
    return [{ path: '$', message: `is too costly to check against the schema (more than ${error.limit} steps of checking), so it is not accepted` }];
  }
  return walk.issues;
}

function validate(value: unknown, schema: unknown, path: string, depth: number, walk: Walk): void {
  walk.budget.spend(NODE_VISIT_STEPS);
  if (walk.issues.length >= MAX_ISSUES || schema === true) return;
  if (schema === false) return report(walk, path, 'no value is allowed here');
  if (!isRecord(schema)) return;
  if (depth > MAX_DEPTH) return report(walk, path, 'is nested too deeply to check');
  if (value === null && schema.nullable === true) return;

  if (typeof schema.$ref === 'string') validateReference(value, schema.$ref, path, depth, walk);
  // One type issue says it all: the type-specific keywords would only repeat it.
  if (!validateType(value, schema, path, walk)) return;
  validateValueSet(value, schema, path, walk);
  if (typeof value === 'number') validateNumber(value, schema, path, walk);
  else if (typeof value === 'string') validateString(value, schema, path, walk);
  else if (Array.isArray(value)) validateArray(value, schema, path, depth, walk);
  else if (isRecord(value)) validateObject(value, schema, path, depth, walk);
  validateCombinators(value, schema, path, depth, walk);
}

function validateReference(value: unknown, reference: string, path: string, depth: number, walk: Walk): void {
  const target = resolveReference(walk.root, reference);
  if (target === undefined) return;
  const inProgress = walk.referencesInProgress;
  // A recursive schema loops only when it comes back to the same target for the same value
  // without descending into it (`{"$ref": "#"}` at the root); that round adds nothing, so stop.
  if (inProgress.some((entry) => entry.target === target && Object.is(entry.value, value))) return;
  inProgress.push({ target, value });
  try {
    validate(value, target, path, depth + 1, walk);
  } finally {
    inProgress.pop();
  }
}

/** Resolves "#" and JSON pointers "#/$defs/X", "#/definitions/X" (RFC 6901 escapes included). */
export function resolveReference(root: unknown, reference: string): unknown {
  if (reference === '#') return root;
  if (!reference.startsWith('#/')) return undefined;
  let current: unknown = root;
  for (const encoded of reference.slice(2).split('/')) {
    const token = decodePointerToken(encoded);
    if (isRecord(current) || Array.isArray(current)) {
      if (!Object.hasOwn(current, token)) return undefined;
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

export function decodePointerToken(encoded: string): string {
  let token = encoded;
  try {
    token = decodeURIComponent(encoded);
  } catch {
    // Not percent-encoded after all; use it as written.
  }
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

function validateType(value: unknown, schema: SchemaObject, path: string, walk: Walk): boolean {
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type : [];
  const names = types.filter((type): type is string => typeof type === 'string');
  if (names.length === 0 || names.some((type) => matchesType(value, type))) return true;
  report(walk, path, `expected ${names.join(' or ')}, got ${kindOf(value)}`);
  return false;
}

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
    default:
      return true;
  }
}

function validateValueSet(value: unknown, schema: SchemaObject, path: string, walk: Walk): void {
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => deepEqual(allowed, value, walk.budget))) {
    const listed = schema.enum.slice(0, MAX_LISTED_VALUES).map(formatValue).join(', ');
    const more = schema.enum.length > MAX_LISTED_VALUES ? ', …' : '';
    report(walk, path, `must be one of ${listed}${more}`);
  }
  if (Object.hasOwn(schema, 'const') && !deepEqual(schema.const, value, walk.budget)) {
    report(walk, path, `must be ${formatValue(schema.const)}`);
  }
}

function validateNumber(value: number, schema: SchemaObject, path: string, walk: Walk): void {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
  // Draft 4 wrote exclusiveMinimum/exclusiveMaximum as booleans that modify minimum/maximum.
  if (typeof minimum === 'number') {
    if (exclusiveMinimum === true ? value <= minimum : value < minimum) {
      report(walk, path, `must be ${exclusiveMinimum === true ? '>' : '>='} ${minimum}`);
    }
  }
  if (typeof maximum === 'number') {
    if (exclusiveMaximum === true ? value >= maximum : value > maximum) {
      report(walk, path, `must be ${exclusiveMaximum === true ? '<' : '<='} ${maximum}`);
    }
  }
  if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum) report(walk, path, `must be > ${exclusiveMinimum}`);
  if (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum) report(walk, path, `must be < ${exclusiveMaximum}`);
  if (typeof multipleOf === 'number' && multipleOf > 0) {
    const quotient = value / multipleOf;
    if (Math.abs(quotient - Math.round(quotient)) > MULTIPLE_TOLERANCE * Math.max(1, Math.abs(quotient))) {
      report(walk, path, `must be a multiple of ${multipleOf}`);
    }
  }
}

function validateString(value: string, schema: SchemaObject, path: string, walk: Walk): void {
  const { minLength, maxLength, pattern } = schema;
  if (typeof minLength === 'number' || typeof maxLength === 'number') {
    // JSON Schema counts characters as code points, so an emoji is one, not two UTF-16 units.
    let length = 0;
    for (const _character of value) length++;
    if (typeof minLength === 'number' && length < minLength) report(walk, path, `must be at least ${minLength} characters long`);
    if (typeof maxLength === 'number' && length > maxLength) report(walk, path, `must be at most ${maxLength} characters long`);
  }
  if (typeof pattern === 'string') {
    const compiled = schemaPattern(schema, pattern);
    if (!compiled.ok) report(walk, path, unsupportedPattern(pattern, compiled.reason));
    else if (!compiled.pattern.test(value, walk.budget)) report(walk, path, `must match the pattern /${pattern}/`);
  }
}

function validateArray(value: unknown[], schema: SchemaObject, path: string, depth: number, walk: Walk): void {
  const { prefixItems, items, minItems, maxItems, uniqueItems } = schema;
  // prefixItems (2020-12) or an array-valued items (draft 4–7) constrain positions; a schema-valued
  // items constrains every item after them.
  const tuple = Array.isArray(prefixItems) ? prefixItems : Array.isArray(items) ? items : [];
  const count = Math.min(tuple.length, value.length);
  for (let index = 0; index < count; index++) validate(value[index], tuple[index], childPath(path, index), depth + 1, walk);
  if (items !== undefined && !Array.isArray(items)) {
    for (let index = tuple.length; index < value.length; index++) validate(value[index], items, childPath(path, index), depth + 1, walk);
  }
  if (typeof minItems === 'number' && value.length < minItems) report(walk, path, `must have at least ${counted(minItems, 'item')}`);
  if (typeof maxItems === 'number' && value.length > maxItems) report(walk, path, `must have at most ${counted(maxItems, 'item')}`);
  if (uniqueItems === true) {
    const duplicate = findDuplicate(value, walk.budget);
    if (duplicate) report(walk, path, `must not repeat items (items ${duplicate[0]} and ${duplicate[1]} are equal)`);
  }
}

function findDuplicate(items: unknown[], budget: WorkBudget): [number, number] | undefined {
  for (let later = 1; later < items.length; later++) {
    for (let earlier = 0; earlier < later; earlier++) {
      if (deepEqual(items[earlier], items[later], budget)) return [earlier, later];
    }
  }
  return undefined;
}

function validateObject(value: SchemaObject, schema: SchemaObject, path: string, depth: number, walk: Walk): void {
  const { required, properties, patternProperties, additionalProperties, minProperties, maxProperties } = schema;
  if (Array.isArray(required)) {
    for (const name of required) {
      if (typeof name === 'string' && !Object.hasOwn(value, name)) report(walk, path, `missing required property ${JSON.stringify(name)}`);
    }
  }
  const declared = isRecord(properties) ? properties : {};
  const patterns = isRecord(patternProperties) ? Object.entries(patternProperties) : [];
  for (const key of Object.keys(value)) {
    const keyPath = childPath(path, key);
    let matched = Object.hasOwn(declared, key);
    if (matched) validate(value[key], declared[key], keyPath, depth + 1, walk);
    for (const [source, propertySchema] of patterns) {
      const compiled = schemaPattern(patternProperties as object, source);
      if (!compiled.ok) {
        report(walk, keyPath, unsupportedPattern(source, compiled.reason));
        continue;
      }
      if (!compiled.pattern.test(key, walk.budget)) continue;
      matched = true;
      validate(value[key], propertySchema, keyPath, depth + 1, walk);
    }
    if (matched || additionalProperties === undefined || additionalProperties === true) continue;
    if (additionalProperties === false) report(walk, path, `unexpected property ${JSON.stringify(key)}`);
    else validate(value[key], additionalProperties, keyPath, depth + 1, walk);
  }
  const count = Object.keys(value).length;
  if (typeof minProperties === 'number' && count < minProperties) report(walk, path, `must have at least ${counted(minProperties, 'property')}`);
  if (typeof maxProperties === 'number' && count > maxProperties) report(walk, path, `must have at most ${counted(maxProperties, 'property')}`);
}

function validateCombinators(value: unknown, schema: SchemaObject, path: string, depth: number, walk: Walk): void {
  const { allOf, anyOf, oneOf } = schema;
  if (Array.isArray(allOf)) for (const part of allOf) validate(value, part, path, depth + 1, walk);
  if (Array.isArray(anyOf) && anyOf.length > 0) {
    const failures: SchemaIssue[][] = [];
    for (const alternative of anyOf) {
      const issues = issuesOf(value, alternative, path, depth, walk);
      if (issues.length === 0) break;
      failures.push(issues);
    }
    if (failures.length === anyOf.length) report(walk, path, describeNoMatch(value, path, failures));
  }
  if (Array.isArray(oneOf) && oneOf.length > 0) {
    const results = oneOf.map((alternative) => issuesOf(value, alternative, path, depth, walk));
    const matches = results.filter((issues) => issues.length === 0).length;
    if (matches === 0) report(walk, path, describeNoMatch(value, path, results));
    if (matches > 1) report(walk, path, `matches ${matches} of the oneOf alternatives; it must match exactly one`);
  }
  if (Object.hasOwn(schema, 'not') && issuesOf(value, schema.not, path, depth, walk).length === 0) {
    report(walk, path, 'must not match the "not" schema');
  }
}

/** Validates against a sub-schema without reporting, for the combinators that weigh alternatives. */
function issuesOf(value: unknown, schema: unknown, path: string, depth: number, walk: Walk): SchemaIssue[] {
  const trial: Walk = { root: walk.root, issues: [], referencesInProgress: walk.referencesInProgress, budget: walk.budget };
  validate(value, schema, path, depth + 1, trial);
  return trial.issues;
}

/**
 * When every alternative failed only on type (the `anyOf: [{…}, {"type": "null"}]` that strict
 * OpenAI schemas use for optional fields), say which types were allowed; otherwise point at the
 * alternative that came closest, so the reviser knows what to fix.
 */
function describeNoMatch(value: unknown, path: string, failures: SchemaIssue[][]): string {
  const expected: string[] = [];
  for (const issues of failures) {
    const only = issues.length === 1 ? issues[0] : undefined;
    const match = only?.path === path ? /^expected (.+), got /.exec(only.message) : null;
    if (match?.[1] === undefined) {
      expected.length = 0;
      break;
    }
    expected.push(match[1]);
  }
  if (expected.length > 0) return `expected ${[...new Set(expected)].join(' or ')}, got ${kindOf(value)}`;
  // An alternative that got past its type check is closer than one of another type altogether.
  const typeMismatch = (issues: SchemaIssue[]) => issues[0]?.path === path && issues[0].message.startsWith('expected ');
  const candidates = failures.some((issues) => !typeMismatch(issues)) ? failures.filter((issues) => !typeMismatch(issues)) : failures;
  let closest = candidates[0] ?? [];
  for (const issues of candidates) if (issues.length < closest.length) closest = issues;
  const first = closest[0];
  if (first === undefined) return 'does not match any of the allowed alternatives';
  const where = first.path === path ? '' : `${first.path}: `;
  return `does not match any of the allowed alternatives (closest: ${where}${first.message})`;
}

/** Fail closed: a pattern that cannot be run safely cannot vouch for the value. */
function unsupportedPattern(source: string, reason: string): string {
  return `cannot be checked against the pattern /${source}/ (${reason}), so it is not accepted`;
}

function report(walk: Walk, path: string, message: string): void {
  if (walk.issues.length < MAX_ISSUES) walk.issues.push({ path, message });
}

/** `$.items[2].name`, `$["first name"]`: a key or index added to a JSON path. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function counted(count: number, noun: string): string {
  if (count === 1) return `1 ${noun}`;
  return `${count} ${noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`}`;
}

function formatValue(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** JSON equality: key order does not matter, 0 equals -0. A step per pair of values compared, more for containers. */
function deepEqual(left: unknown, right: unknown, budget: WorkBudget, depth = 0): boolean {
  if (left === right) {
    budget.spend(1);
    return true;
  }
  // Two containers cost their key lists: measured at a few times a plain comparison.
  budget.spend(typeof left === 'object' && left !== null && typeof right === 'object' && right !== null ? CONTAINER_COMPARE_STEPS : 1);
  // Deeper than the walk itself goes: count it as spent rather than risk the call stack.
  if (depth > MAX_DEPTH) throw new WorkBudgetExceeded(budget.limit);
  if (Array.isArray(left)) {
    return Array.isArray(right) && left.length === right.length && left.every((item, index) => deepEqual(item, right[index], budget, depth + 1));
  }
  if (isRecord(left) && isRecord(right)) {
    const keys = Object.keys(left);
    if (keys.length !== Object.keys(right).length) return false;
    return keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key], budget, depth + 1));
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

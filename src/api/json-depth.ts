/**
 * How deeply a request body may nest, checked once right after it is parsed. JSON.parse itself
 * nests without limit, but what walks the value afterwards (validation, the request hash, the
 * schema compiler, JSON.stringify on the way to Ollama) recurses, and a 4.5 KB body of 2,200
 * brackets overflowed the stack into a 500. No real request comes near the limit: a tool's
 * parameters sit 5 levels down, and each level of a nested JSON schema costs 2 more.
 */
import { InvalidRequestError } from '../utils/errors.js';

/** Ruby's JSON parser's default max_nesting: generous for real payloads, far from any stack's end. */
export const MAX_JSON_DEPTH = 100;

/** Longer paths are cut: the first levels say where, the rest would only repeat "[0]". */
const MAX_PATH_CHARS = 120;

/** A container on the walk: its depth, and how it was reached, for the error's path. */
interface Step {
  value: object;
  depth: number;
  parent: Step | undefined;
  key: string | number | undefined;
}

/**
 * The JSON path (`messages[0].content[0]`) of the first object or array nested more than
 * `maxDepth` levels deep, counting the value itself as level 1, or undefined when there is none.
 * Iterative, with its own stack, so the check cannot overflow the call stack it protects.
 */
export function tooDeepPath(value: unknown, maxDepth: number = MAX_JSON_DEPTH, root = ''): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const pending: Step[] = [{ value, depth: 1, parent: undefined, key: undefined }];
  for (let step = pending.pop(); step !== undefined; step = pending.pop()) {
    if (step.depth > maxDepth) return pathOf(step, root);
    // Children pushed last to first, so the first field is walked first and named first.
    const container = step.value as Record<string, unknown>;
    const keys: (string | number)[] = Array.isArray(container) ? [] : Object.keys(container);
    const count = Array.isArray(container) ? container.length : keys.length;
    for (let index = count - 1; index >= 0; index--) {
      const key = Array.isArray(container) ? index : (keys[index] as string);
      const child = container[key];
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: step.depth + 1, parent: step, key });
    }
  }
  return undefined;
}

/** Throws the 400 for a value nested deeper than MAX_JSON_DEPTH; `what` names it in the message. */
export function checkJsonDepth(value: unknown, what = 'The request body', root = ''): void {
  const path = tooDeepPath(value, MAX_JSON_DEPTH, root);
  if (path === undefined) return;
  throw new InvalidRequestError(
    `${what} nests more than ${MAX_JSON_DEPTH} levels of arrays and objects (at '${path}'); no request needs that depth, so it is refused rather than walked.`,
    path,
    'nesting_too_deep',
  );
}

function pathOf(step: Step, root: string): string {
  const keys: (string | number)[] = [];
  for (let current: Step | undefined = step; current?.key !== undefined; current = current.parent) keys.push(current.key);
  let path = root;
  for (const key of keys.reverse()) {
    path = typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
    if (path.length > MAX_PATH_CHARS) return `${path.slice(0, MAX_PATH_CHARS)}…`;
  }
  return path;
}

/**
 * Stable hashes of JSON values: the same value gives the same hash whatever order its object keys
 * were built in. The canonical form follows RFC 8785 (JCS) where it matters here: keys sorted by
 * UTF-16 code units, numbers written as ECMAScript writes them, no whitespace.
 */
import { createHash, createHmac } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth. Properties holding undefined are omitted (never
 * `"k":undefined`), undefined array items become null, as JSON.stringify does. Values JSON cannot
 * carry faithfully (non-finite numbers, BigInt, functions, symbols, Map, Set, cycles) throw a
 * TypeError: silently dropping or nulling them would let two different values share a hash.
 * The walk keeps its own stack, so no depth of nesting can overflow the call stack.
 */
export function canonicalJson(value: unknown): string {
  // Plain JSON data (every record and request) takes the direct path; anything else, or nesting past
  // its depth, the general walk below, which also says exactly what it refuses and where.
  const direct = plain(value, 0);
  if (direct !== BAIL && direct !== undefined) return direct;
  const text = serialise(value);
  if (text === undefined) throw new TypeError('canonicalJson: undefined has no JSON form.');
  return text;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** HMAC-SHA256 (RFC 2104) of `data` under `key`, as hex: a hash only the key's holder can compute. */
export function hmacSha256Hex(key: Uint8Array, data: string | Uint8Array): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** How deep the direct path goes before leaving the value to the walk (which has no depth limit and finds cycles). */
const DIRECT_DEPTH = 64;
const BAIL = Symbol('bail');

/**
 * The canonical text of plain data by direct recursion, several times faster than the walk: the
 * same output, or BAIL for anything the walk must judge (toJSON, non-finite numbers, BigInt,
 * functions, symbols, Map, Set, deep nesting, which includes every cycle).
 */
function plain(value: unknown, depth: number): string | undefined | typeof BAIL {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : BAIL;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      return BAIL;
  }
  if (value === null) return 'null';
  if (depth >= DIRECT_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function' || value instanceof Map || value instanceof Set) return BAIL;
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) {
      const member = plain(value[index], depth + 1);
      if (member === BAIL) return BAIL;
      text += `${index === 0 ? '' : ','}${member ?? 'null'}`;
    }
    return `${text}]`;
  }
  const keys = Object.keys(value).sort();
  let text = '{';
  let first = true;
  for (const key of keys) {
    const member = plain((value as Record<string, unknown>)[key], depth + 1);
    if (member === BAIL) return BAIL;
    if (member === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${member}`;
    first = false;
  }
  return `${text}}`;
}

/** An array or object being written: its members so far, and how it was reached (for errors). */
interface Frame {
  container: object;
  /** The object's keys, sorted; undefined for an array. */
  keys: string[] | undefined;
  length: number;
  next: number;
  members: string[];
  /** Where this container sits in its parent; undefined for the root. */
  key: string | number | undefined;
}

/** Marks a value that opened a frame instead of being written at once. */
const OPENED = Symbol('opened');

/** Returns undefined only for an undefined value, which the caller omits or turns into null. */
function serialise(root: unknown): string | undefined {
  const frames: Frame[] = [];
  const open = new Set<object>();
  const path = (key: string | number | undefined): string => {
    let text = '$';
    for (const frame of frames.slice(1)) text += segment(frame.key);
    return key === undefined ? text : text + segment(key);
  };

  /** A primitive's text, or OPENED after pushing the frame of an array or object. */
  const visit = (raw: unknown, key: string | number | undefined): string | undefined | typeof OPENED => {
    // Same rule as JSON.stringify: a toJSON method (Date has one) decides the form.
    const toJSON = typeof raw === 'object' && raw !== null ? (raw as { toJSON?: unknown }).toJSON : undefined;
    const value: unknown = typeof toJSON === 'function' ? toJSON.call(raw) : raw;
    switch (typeof value) {
      case 'undefined':
        return undefined;
      case 'string':
      case 'boolean':
        return JSON.stringify(value);
      case 'number':
        if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path(key)} is ${value}, which JSON cannot represent.`);
        return JSON.stringify(value);
      case 'bigint':
      case 'function':
      case 'symbol':
        throw new TypeError(`canonicalJson: ${path(key)} is a ${typeof value}, which cannot be hashed stably.`);
    }
    if (value === null) return 'null';
    const object = value as object;
    if (object instanceof Map || object instanceof Set) {
      throw new TypeError(`canonicalJson: ${path(key)} is a ${object.constructor.name}, which JSON would write as {}.`);
    }
    if (open.has(object)) throw new TypeError(`canonicalJson: ${path(key)} refers back to itself.`);
    open.add(object);
    const keys = Array.isArray(object) ? undefined : Object.keys(object).sort();
    frames.push({ container: object, keys, length: keys?.length ?? (object as unknown[]).length, next: 0, members: [], key });
    return OPENED;
  };

  const add = (frame: Frame, key: string | number | undefined, text: string | undefined): void => {
    if (frame.keys === undefined) frame.members.push(text ?? 'null');
    else if (text !== undefined) frame.members.push(`${JSON.stringify(key)}:${text}`);
  };

  const first = visit(root, undefined);
  if (first !== OPENED) return first;
  for (;;) {
    const frame = frames[frames.length - 1] as Frame;
    if (frame.next < frame.length) {
      const index = frame.next++;
      const key = frame.keys === undefined ? index : (frame.keys[index] as string);
      const text = visit((frame.container as Record<string | number, unknown>)[key], key);
      if (text !== OPENED) add(frame, key, text);
      continue;
    }
    frames.pop();
    open.delete(frame.container);
    const text = frame.keys === undefined ? `[${frame.members.join(',')}]` : `{${frame.members.join(',')}}`;
    const parent = frames[frames.length - 1];
    if (parent === undefined) return text;
    add(parent, frame.key, text);
  }
}

function segment(key: string | number | undefined): string {
  return typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
}

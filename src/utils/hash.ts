/**
 * Stable hashes of JSON values: the same value gives the same hash whatever order its object keys
 * were built in. The canonical form follows RFC 8785 (JCS) where it matters here: keys sorted by
 * UTF-16 code units, numbers written as ECMAScript writes them, no whitespace.
 */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth. Properties holding undefined are omitted (never
 * `"k":undefined`), undefined array items become null, as JSON.stringify does. Values JSON cannot
 * carry faithfully (non-finite numbers, BigInt, functions, symbols, Map, Set, cycles) throw a
 * TypeError: silently dropping or nulling them would let two different values share a hash.
 */
export function canonicalJson(value: unknown): string {
  const text = serialise(value, [], '$');
  if (text === undefined) throw new TypeError('canonicalJson: undefined has no JSON form.');
  return text;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** Returns undefined only for an undefined value, which the caller omits or turns into null. */
function serialise(value: unknown, ancestors: object[], path: string): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot represent.`);
      return JSON.stringify(value);
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which cannot be hashed stably.`);
  }
  if (value === null) return 'null';
  const object = value as object;
  // Same rule as JSON.stringify: a toJSON method (Date has one) decides the form.
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return serialise(toJSON.call(object), ancestors, path);
  if (object instanceof Map || object instanceof Set) {
    throw new TypeError(`canonicalJson: ${path} is a ${object.constructor.name}, which JSON would write as {}.`);
  }
  if (ancestors.includes(object)) throw new TypeError(`canonicalJson: ${path} refers back to itself.`);
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      const items: string[] = [];
      for (let index = 0; index < object.length; index++) {
        items.push(serialise(object[index], ancestors, `${path}[${index}]`) ?? 'null');
      }
      return `[${items.join(',')}]`;
    }
    const members: string[] = [];
    const record = object as Record<string, unknown>;
    for (const key of Object.keys(record).sort()) {
      const member = serialise(record[key], ancestors, `${path}.${key}`);
      if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.pop();
  }
}

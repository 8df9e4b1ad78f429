/** Reading what a stage model returned through a JSON-schema `format`: strictly, never guessing. */

/**
 * Longer stage output is not read at all. Stages answer in a few hundred characters; this bounds
 * the duplicate-key scan (linear anyway) and the key sets it keeps.
 */
export const MAX_STRUCTURED_OUTPUT_CHARS = 1_000_000;

export type JsonObjectReading = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

/**
 * The JSON object the model wrote, or why it cannot be read: not JSON, not an object, too long, or
 * a key written twice in one object. JSON.parse keeps the last of two equal keys, so
 * `{"verdict":"REJECTED", …, "verdict":"APPROVED"}` would read as an approval that the model also
 * denied; RFC 8259 §4 leaves such objects' meaning to the parser, so they are refused (fail closed).
 */
export function readJsonObject(content: string): JsonObjectReading {
  if (content.length > MAX_STRUCTURED_OUTPUT_CHARS) return { ok: false, reason: `it is longer than ${MAX_STRUCTURED_OUTPUT_CHARS} characters` };
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return { ok: false, reason: 'it is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'it is not a JSON object' };
  const duplicate = findDuplicateKey(content);
  if (duplicate !== null) return { ok: false, reason: `the key ${JSON.stringify(duplicate)} appears twice in one object` };
  return { ok: true, value: value as Record<string, unknown> };
}

/** The JSON object the model wrote, or null for anything else (see readJsonObject). */
export function parseJsonObject(content: string): Record<string, unknown> | null {
  const reading = readJsonObject(content);
  return reading.ok ? reading.value : null;
}

/**
 * The first key that occurs twice in the same object of a text JSON.parse accepted, or null.
 * One pass, no recursion: a stack of the open containers, each object with the keys seen so far.
 * Keys are compared decoded, so `"verdict"` and `"verd\u0069ct"` are the same key.
 */
export function findDuplicateKey(json: string): string | null {
  // null marks an array; a Set is an object and the keys it has had.
  const open: (Set<string> | null)[] = [];
  let expectingKey = false;
  for (let index = 0; index < json.length; index++) {
    const character = json[index];
    if (character === '"') {
      const end = stringEnd(json, index);
      const keys = open.at(-1);
      if (expectingKey && keys) {
        const token = json.slice(index, end + 1);
        const key = token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
        if (keys.has(key)) return key;
        keys.add(key);
        expectingKey = false;
      }
      index = end;
    } else if (character === '{') {
      open.push(new Set());
      expectingKey = true;
    } else if (character === '[') {
      open.push(null);
      expectingKey = false;
    } else if (character === '}' || character === ']') {
      open.pop();
      expectingKey = false;
    } else if (character === ',') {
      expectingKey = open.at(-1) instanceof Set;
    }
  }
  return null;
}

/** The index of the quote that closes the string opened at `start` (the text is valid JSON). */
function stringEnd(json: string, start: number): number {
  for (let index = start + 1; index < json.length; index++) {
    const character = json[index];
    if (character === '\\') index++;
    else if (character === '"') return index;
  }
  return json.length - 1;
}

/** The non-blank strings of a list, trimmed; anything that is not a list gives []. */
export function nonBlankStrings(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string' && item.trim() !== '').map((item) => item.trim());
}

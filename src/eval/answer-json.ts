/**
 * The JSON an answer gives, for `json_schema` and `json_equal` tasks, and JSON equality.
 *
 * An answer counts as giving JSON when the whole of it (trimmed) parses, or, failing that, when
 * its first fenced block (```json, ``` or ~~~, as CommonMark opens and closes them) does: small
 * models wrap JSON in a fence, and often say a sentence before it, even when asked not to. Only
 * that first block is tried, so an answer cannot offer several objects and be scored on the best.
 */

export type JsonAnswer = { ok: true; value: unknown; fenced: boolean } | { ok: false; error: string };

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;

export function parseJsonAnswer(answer: string): JsonAnswer {
  const trimmed = answer.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return { ok: false, error: 'the answer is empty' };
  const whole = tryParse(trimmed);
  if (whole.ok) return { ok: true, value: whole.value, fenced: false };
  const block = firstFencedBlock(trimmed);
  if (block === null) return { ok: false, error: `the answer is not JSON (${whole.error})` };
  const fenced = tryParse(block.trim());
  if (fenced.ok) return { ok: true, value: fenced.value, fenced: true };
  return { ok: false, error: `the answer's fenced block is not JSON (${fenced.error})` };
}

/** The text of the first fenced block whose language is json or none; an unclosed fence runs to the end. */
function firstFencedBlock(text: string): string | null {
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const opening = FENCE_OPEN.exec(lines[index] as string);
    if (opening === null) continue;
    const marker = opening[1] as string;
    const info = (opening[2] ?? '').trim();
    // CommonMark: a backtick fence's info string may not hold a backtick (that is inline code).
    if (marker.startsWith('`') && info.includes('`')) continue;
    const language = (info.split(/\s/)[0] ?? '').toLowerCase();
    const body: string[] = [];
    let end = index + 1;
    for (; end < lines.length; end++) {
      const line = (lines[end] as string).trim();
      if (line.length >= marker.length && line === (marker[0] as string).repeat(line.length)) break;
      body.push(lines[end] as string);
    }
    if (language === '' || language === 'json') return body.join('\n');
    index = end;
  }
  return null;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // Node 20 appends the whole input to the message; a score's reason needs only the first part.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: message.replace(/, ".*" is not valid JSON$/s, '').slice(0, 120) };
  }
}

/** Deeper than this the values are called unequal rather than risk the call stack. */
const MAX_DEPTH = 1000;

/**
 * JSON equality: objects equal whatever their key order, arrays in order, numbers as numbers (1,
 * 1.0 and 1e0 are one value once parsed; 0 equals −0), strings after Unicode NFC normalisation (so
 * "é" written precomposed or as e + combining accent is one string), and nothing else coerced: the
 * string "1" is not the number 1, and null is not a missing key.
 */
export function jsonEqual(left: unknown, right: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (typeof left === 'number' && typeof right === 'number') return left === right;
  if (typeof left === 'string' && typeof right === 'string') return left === right || left.normalize('NFC') === right.normalize('NFC');
  if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return left === right;
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => jsonEqual(item, right[index], depth + 1));
  }
  const leftRecord = left as Record<string, unknown>;
  const rightRecord = right as Record<string, unknown>;
  const keys = Object.keys(leftRecord);
  if (keys.length !== Object.keys(rightRecord).length) return false;
  return keys.every((key) => Object.hasOwn(rightRecord, key) && jsonEqual(leftRecord[key], rightRecord[key], depth + 1));
}

/**
 * The number an answer gives, for `number` tasks. Models write "The answer is 1,234.5 km.", "$1,200",
 * "−3", "1.2e3", or a working-out that ends in the result; this reads them all the same way:
 *
 * - A number is digits with an optional fraction (`3.25`, `.5`), optionally grouped in thousands by
 *   commas (`1,234,567`; a comma not followed by exactly three digits separates two numbers, so
 *   "1,2,3" is three), an optional exponent (`1.2e3`), an optional sign (`-`, `+`, or `−` U+2212) and
 *   an optional currency sign before or after the sign (`$`, `€`, `£`, `¥`). Whatever follows it
 *   (`km`, `%`, `kg`) is ignored: `25%` is 25. The comma convention is English: "3,14" is 3 and 14.
 * - A minus is a sign only when no letter or digit comes right before it, so "5-3" gives 5 and 3,
 *   and "pages 10-12" ends in 12, not −12.
 * - Digits right after a letter are part of a name ("H2O", "v2", "COVID-19" gives 19 only through
 *   its hyphen), and are not numbers.
 * - Which number: the first one after the last answer marker ("answer:", "answer is", "final
 *   answer =", "result:", "####", "\boxed{"), when there is one; otherwise the last number in the
 *   answer, since working-out comes before its result.
 *
 * Number words ("twelve") and fractions ("3/4", which reads as 3 and 4) are not understood: the
 * built-in tasks ask for digits.
 */

interface NumberToken {
  value: number;
  /** Where the token starts in the text (its sign or currency, when it has one). */
  start: number;
}

const NUMBER = /([-+\u2212])?([$€£¥])?([-+\u2212])?(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:[eE]([-+]?\d+))?/gu;
const ANSWER_MARKER = /\b(?:final\s+answer|answer|result)\b\s*(?:is\b|=|:)|####|\\boxed\{/giu;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Every number in the text, in order. */
export function numbersIn(text: string): NumberToken[] {
  const tokens: NumberToken[] = [];
  for (const match of text.matchAll(NUMBER)) {
    const [whole, signBefore, , signAfter, body = '', exponent] = match;
    const start = match.index;
    const bodyStart = start + whole.indexOf(body);
    const before = text[bodyStart - 1];
    // "H2O", "v2", and the "3" of "1.2.3": digits glued to a name or a number are not numbers.
    if (bodyStart === start && before !== undefined && (LETTER_OR_DIGIT.test(before) || (before === '.' && /\d/.test(text[bodyStart - 2] ?? '')))) continue;
    const sign = signBefore ?? signAfter;
    const signValid = sign !== undefined && !LETTER_OR_DIGIT.test(text[start - 1] ?? ' ');
    const magnitude = Number(`${body.replaceAll(',', '')}${exponent === undefined ? '' : `e${exponent}`}`);
    if (!Number.isFinite(magnitude)) continue;
    const negative = signValid && (sign === '-' || sign === '\u2212');
    tokens.push({ value: negative ? -magnitude : magnitude, start: signValid || sign === undefined ? start : start + 1 });
  }
  return tokens;
}

/** The number the answer gives (see above), or null when it gives none. */
export function extractFinalNumber(answer: string): number | null {
  const tokens = numbersIn(answer);
  if (tokens.length === 0) return null;
  let markerEnd = -1;
  for (const marker of answer.matchAll(ANSWER_MARKER)) markerEnd = marker.index + marker[0].length;
  if (markerEnd >= 0) {
    const afterMarker = tokens.find((token) => token.start >= markerEnd);
    if (afterMarker !== undefined) return afterMarker.value;
  }
  return (tokens[tokens.length - 1] as NumberToken).value;
}

/**
 * Whether `actual` is within `tolerance` of `expected`: |actual − expected| <= tolerance, the
 * tolerance being absolute. A relative slack of 1e-9 on top absorbs binary rounding, so 0.1 + 0.2
 * counts as 0.3 at tolerance 0.
 */
export function withinTolerance(actual: number, expected: number, tolerance: number): boolean {
  return Math.abs(actual - expected) <= tolerance + 1e-9 * Math.max(1, Math.abs(expected));
}

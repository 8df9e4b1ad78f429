/**
 * How answers and references are compared as text, for `exact`, `contains` and the instruction
 * constraints. Everything is compared after Unicode NFC normalisation (so "é" precomposed and
 * "e" + U+0301 are one letter), with whitespace runs collapsed to one space, and case-insensitively
 * (`toLowerCase`, which does not depend on the machine's locale): "Paris" and "paris" are the same
 * answer to a question.
 */

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** Scripts written without spaces between words, where a word boundary cannot be seen. */
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** NFC, trimmed, whitespace collapsed, lowercased. */
export function foldText(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/** Wrappers a model puts around a short answer: Markdown emphasis and code, and quotes. */
const WRAPPERS: readonly [string, string][] = [
  ['**', '**'],
  ['__', '__'],
  ['*', '*'],
  ['_', '_'],
  ['`', '`'],
  ['"', '"'],
  ["'", "'"],
  ['\u201c', '\u201d'],
  ['\u2018', '\u2019'],
  ['\u00ab', '\u00bb'],
];

/**
 * A short answer as `exact` compares it: folded (see foldText), then stripped of wrappers
 * (`**Paris**`, `"Paris"`, `` `Paris` ``) and of final sentence punctuation (`.`, `!`, `。`), over and
 * over until nothing changes, so "**Paris.**" is "paris". Nothing inside the answer is touched.
 */
export function exactForm(text: string): string {
  let form = foldText(text);
  for (;;) {
    let next = form.replace(/[.!\u3002]+$/u, '').trim();
    for (const [open, close] of WRAPPERS) {
      if (next.length >= open.length + close.length && next.startsWith(open) && next.endsWith(close)) {
        next = next.slice(open.length, next.length - close.length).trim();
        break;
      }
    }
    if (next === form) return form;
    form = next;
  }
}

/**
 * Whether `needle` occurs in `haystack` (both folded) as a whole: where the needle starts (ends)
 * with a letter or digit, the character before (after) it may not be one. So "Au" is found in "The
 * symbol is Au." but not in "Australia", and "4" not in "42"; "C++" is found in "C++17". Where the
 * needle's edge is in a script written without spaces (Han, kana, Thai, …), that edge is not
 * guarded, so "東京" is found in "首都は東京です".
 */
export function containsWhole(haystack: string, needle: string): boolean {
  const text = foldText(haystack);
  const target = foldText(needle);
  if (target === '') return false;
  const guarded = (character: string) => LETTER_OR_DIGIT.test(character) && !UNSPACED_SCRIPT.test(character);
  const guardStart = guarded(String.fromCodePoint(target.codePointAt(0) as number));
  const guardEnd = guarded(lastCharacter(target));
  for (let from = text.indexOf(target); from >= 0; from = text.indexOf(target, from + 1)) {
    const before = lastCharacter(text.slice(Math.max(0, from - 2), from));
    const after = String.fromCodePoint(text.codePointAt(from + target.length) ?? 0x20);
    if (guardStart && LETTER_OR_DIGIT.test(before)) continue;
    if (guardEnd && LETTER_OR_DIGIT.test(after)) continue;
    return true;
  }
  return false;
}

/** Words as the instruction constraints count them: whitespace-separated runs holding a letter or a digit ("-" alone is not a word). */
export function countWords(text: string): number {
  let count = 0;
  for (const token of text.normalize('NFC').split(/\s+/u)) if (LETTER_OR_DIGIT.test(token)) count++;
  return count;
}

function lastCharacter(text: string): string {
  const characters = Array.from(text.slice(-2));
  return characters[characters.length - 1] ?? '';
}

/**
 * The scorers of the built-in instruction suite: did the answer keep a checkable constraint (a word
 * limit, a forbidden word, a format)? They judge only the constraint, not the content, as
 * instruction-following benchmarks do (IFEval, Zhou et al. 2023), so they stay deterministic. A
 * blank answer keeps no constraint: saying nothing is not following an instruction.
 */
import { countWords, foldText } from './answer-text.js';
import type { FormatRule } from './task.js';

export interface Score {
  correct: boolean;
  /** Why, in a few words: what was found against what was expected. */
  reason: string;
}

export function scoreMaxWords(answer: string, limit: number): Score {
  const words = countWords(answer);
  if (words === 0) return { correct: false, reason: 'the answer is empty' };
  return { correct: words <= limit, reason: `${words} words, at most ${limit} allowed` };
}

/**
 * None of the words may appear as a whole word, in any case: "sea" is found in "Sea." and "the
 * sea's", not in "seal" or "seas" (a different word form is a different word here).
 */
export function scoreForbiddenWords(answer: string, words: readonly string[]): Score {
  if (answer.trim() === '') return { correct: false, reason: 'the answer is empty' };
  const tokens = new Set(foldText(answer).split(/[^\p{L}\p{N}]+/u));
  const used = words.filter((word) => tokens.has(foldText(word)));
  return used.length === 0 ? { correct: true, reason: 'no forbidden word' } : { correct: false, reason: `uses ${used.map((word) => JSON.stringify(word)).join(', ')}` };
}

const BULLET = /^[-*\u2022]\s+\S/u;
const NUMBERED = /^(\d+)[.)]\s+\S/u;

export function scoreFormat(answer: string, rule: FormatRule): Score {
  const text = answer.normalize('NFC').trim();
  if (text === '') return { correct: false, reason: 'the answer is empty' };
  // Blank lines between items are layout, not content.
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  switch (rule.format) {
    case 'bullets': {
      const bullets = lines.filter((line) => BULLET.test(line)).length;
      const other = lines.length - bullets;
      return { correct: bullets === rule.count && other === 0, reason: `${bullets} bullet lines and ${other} other lines, ${rule.count} bullets wanted` };
    }
    case 'numbered': {
      const numbers = lines.map((line) => NUMBERED.exec(line)?.[1]);
      const inOrder = numbers.every((number, index) => number !== undefined && Number(number) === index + 1);
      return { correct: inOrder && lines.length === rule.count, reason: `${lines.length} lines${inOrder ? ' numbered 1 on' : ', not all numbered in order'}, ${rule.count} items wanted` };
    }
    case 'uppercase':
      return letterCase(text, /\p{Ll}/u, /\p{Lu}/u, 'uppercase');
    case 'lowercase':
      return letterCase(text, /\p{Lu}/u, /\p{Ll}/u, 'lowercase');
    case 'one_line':
      return { correct: lines.length === 1, reason: `${lines.length} lines` };
    case 'starts_with': {
      const correct = foldText(text).startsWith(foldText(rule.text));
      return { correct, reason: correct ? `starts with ${JSON.stringify(rule.text)}` : `does not start with ${JSON.stringify(rule.text)}` };
    }
    case 'ends_with': {
      // A closing full stop or exclamation mark after the required ending is still that ending.
      const ending = foldText(rule.text);
      const folded = foldText(text);
      const correct = folded.endsWith(ending) || (!/[.!]$/.test(ending) && folded.replace(/[.!]+$/, '').trimEnd().endsWith(ending));
      return { correct, reason: correct ? `ends with ${JSON.stringify(rule.text)}` : `does not end with ${JSON.stringify(rule.text)}` };
    }
  }
}

function letterCase(text: string, forbidden: RegExp, required: RegExp, name: string): Score {
  if (!required.test(text)) return { correct: false, reason: `no ${name} letter at all` };
  return forbidden.test(text) ? { correct: false, reason: `not all ${name}` } : { correct: true, reason: `all ${name}` };
}

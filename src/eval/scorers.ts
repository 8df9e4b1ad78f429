/**
 * The deterministic scorers: is this answer right for this task? One function per match kind,
 * each a pure function of the answer text and the task's expectation, with a short reason for the
 * results file. A blank answer is wrong for every kind.
 *
 * - `exact`: the answer, folded (NFC, whitespace collapsed, case-insensitive) and stripped of
 *   wrappers and final punctuation (answer-text.ts: `**Paris.**` is "paris"), equals the expected
 *   answer or an alias so treated. Case is ignored because no reference answer here hangs on it.
 * - `contains`: the expected answer or an alias occurs in the answer as a whole word or phrase,
 *   case-insensitively ("Au" in "The symbol is Au.", not in "Australia").
 * - `number`: the answer's final number (answer-number.ts) is within the absolute `tolerance`.
 * - `regex`: the pattern matches somewhere in the trimmed, NFC answer, in linear time (task-pattern.ts).
 * - `json_schema`: the answer gives JSON (answer-json.ts: whole, or in a fence) that the pipeline's
 *   validator (json-schema.ts) finds no issue with.
 * - `json_equal`: the answer gives JSON equal to the expected value (key order aside, numbers as numbers).
 * - `max_words`, `forbidden_word`, `format`: the built-in instruction constraints (constraints.ts).
 */
import { validateJsonSchema } from '../orchestrator/checks/json-schema.js';
import { jsonEqual, parseJsonAnswer } from './answer-json.js';
import { extractFinalNumber, withinTolerance } from './answer-number.js';
import { containsWhole, exactForm } from './answer-text.js';
import { scoreForbiddenWords, scoreFormat, scoreMaxWords, type Score } from './constraints.js';
import type { TaskScorer } from './task.js';
import { compileTaskPattern, type TaskPatternCompilation } from './task-pattern.js';

export type { Score } from './constraints.js';

export function scoreAnswer(scorer: TaskScorer, answer: string): Score {
  if (answer.trim() === '') return { correct: false, reason: 'the answer is empty' };
  switch (scorer.match) {
    case 'exact':
      return scoreExact(answer, [scorer.expected, ...scorer.aliases]);
    case 'contains':
      return scoreContains(answer, [scorer.expected, ...scorer.aliases]);
    case 'number':
      return scoreNumber(answer, scorer.expected, scorer.tolerance);
    case 'regex':
      return scoreRegex(answer, scorer.expected, scorer.flags);
    case 'json_schema':
      return scoreJsonSchema(answer, scorer.expected);
    case 'json_equal':
      return scoreJsonEqual(answer, scorer.expected);
    case 'max_words':
      return scoreMaxWords(answer, scorer.expected);
    case 'forbidden_word':
      return scoreForbiddenWords(answer, scorer.expected);
    case 'format':
      return scoreFormat(answer, scorer.expected);
  }
}

function scoreExact(answer: string, accepted: readonly string[]): Score {
  const form = exactForm(answer);
  const hit = accepted.find((reference) => exactForm(reference) === form);
  return hit === undefined ? { correct: false, reason: `${quoted(form)} is not ${accepted.map(quoted).join(' or ')}` } : { correct: true, reason: `is ${quoted(hit)}` };
}

function scoreContains(answer: string, accepted: readonly string[]): Score {
  const hit = accepted.find((reference) => containsWhole(answer, reference));
  return hit === undefined ? { correct: false, reason: `contains none of ${accepted.map(quoted).join(', ')}` } : { correct: true, reason: `contains ${quoted(hit)}` };
}

function scoreNumber(answer: string, expected: number, tolerance: number): Score {
  const actual = extractFinalNumber(answer);
  if (actual === null) return { correct: false, reason: 'no number in the answer' };
  const within = withinTolerance(actual, expected, tolerance);
  const bound = tolerance === 0 ? '' : ` ± ${tolerance}`;
  return { correct: within, reason: `${actual} ${within ? 'is' : 'is not'} ${expected}${bound}` };
}

const compiledPatterns = new Map<string, TaskPatternCompilation>();

function scoreRegex(answer: string, source: string, flags: string): Score {
  const key = `${flags}/${source}`;
  let compiled = compiledPatterns.get(key);
  if (compiled === undefined) {
    compiled = compileTaskPattern(source, flags);
    compiledPatterns.set(key, compiled);
  }
  // The loader refuses such patterns; a task built in code could still carry one.
  if (!compiled.ok) return { correct: false, reason: `the pattern cannot be used: ${compiled.reason}` };
  const outcome = compiled.test(answer.normalize('NFC').trim());
  if (outcome === 'too_costly') return { correct: false, reason: 'matching the pattern took too many steps' };
  return { correct: outcome === 'match', reason: outcome === 'match' ? `matches /${source}/${flags}` : `does not match /${source}/${flags}` };
}

function scoreJsonSchema(answer: string, schema: Record<string, unknown> | boolean): Score {
  const parsed = parseJsonAnswer(answer);
  if (!parsed.ok) return { correct: false, reason: parsed.error };
  const issues = validateJsonSchema(parsed.value, schema);
  const first = issues[0];
  if (first === undefined) return { correct: true, reason: 'valid against the schema' };
  return { correct: false, reason: `${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}` };
}

function scoreJsonEqual(answer: string, expected: unknown): Score {
  const parsed = parseJsonAnswer(answer);
  if (!parsed.ok) return { correct: false, reason: parsed.error };
  return jsonEqual(parsed.value, expected) ? { correct: true, reason: 'equal to the expected JSON' } : { correct: false, reason: 'not equal to the expected JSON' };
}

function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

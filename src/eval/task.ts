/**
 * An eval task as plain data: what to ask, what counts as right, and how to tell. Two shapes:
 *
 * - `TaskSpec`, a line of a user's JSONL task file as written: `prompt` or `messages`, `expected`,
 *   `match` and the match's own options. task-file.ts checks and normalises it.
 * - `EvalTask`, what the runner and the scorers use: always `messages`, a suite, and `match`,
 *   `expected` and the options as one discriminated union, every option filled in.
 *
 * Both survive JSON unchanged, so a task can be hashed, written beside its result, and read back.
 */
import type { OpenAIResponseFormat } from '../types/openai.js';

/** The scorers a user's task file may name. */
export const FILE_MATCH_KINDS = ['exact', 'number', 'contains', 'regex', 'json_schema', 'json_equal'] as const;
export type FileMatchKind = (typeof FILE_MATCH_KINDS)[number];

/** Scorers only the built-in suites use, for instructions with a checkable constraint. */
export const CONSTRAINT_MATCH_KINDS = ['max_words', 'forbidden_word', 'format'] as const;
export type ConstraintMatchKind = (typeof CONSTRAINT_MATCH_KINDS)[number];

export type MatchKind = FileMatchKind | ConstraintMatchKind;

export type EvalRole = 'system' | 'developer' | 'user' | 'assistant';

/** A chat message with text content: a subset of OpenAIChatMessage, so it can be sent as one. */
export interface EvalMessage {
  role: EvalRole;
  content: string;
}

/** A line of a task file, as written. */
export interface TaskSpec {
  id: string;
  /** Defaults to the file's name without `.jsonl`. */
  suite?: string;
  /** Exactly one of `prompt` (one user message) and `messages` (ending with a user message). */
  prompt?: string;
  messages?: EvalMessage[];
  expected: unknown;
  match: FileMatchKind;
  /** `number` only: the largest absolute difference still right (default 0). */
  tolerance?: number;
  /** `exact` and `contains` only: other answers that are just as right. */
  aliases?: string[];
  /** `regex` only: any of `i` (ignore case), `s` (`.` matches newlines), `u` (always on). */
  flags?: string;
  /** Sent with the request, as a client would (`json_schema` tasks usually send their schema). */
  response_format?: OpenAIResponseFormat;
  /** The retrieval index the answer lives in: only a profile with that index can look it up. */
  index?: string;
}

/** What an answer must be, for `format`. Checked on the trimmed answer; see constraints.ts. */
export type FormatRule =
  /** Exactly `count` lines, each starting with "-", "*" or "•", and nothing else. */
  | { format: 'bullets'; count: number }
  /** Exactly `count` lines "1." (or "1)") to "count.", in order, and nothing else. */
  | { format: 'numbered'; count: number }
  /** No lowercase letter, at least one letter. */
  | { format: 'uppercase' }
  /** No uppercase letter, at least one letter. */
  | { format: 'lowercase' }
  /** One line of text. */
  | { format: 'one_line' }
  /** Starts with `text` (case-insensitive, after trimming). */
  | { format: 'starts_with'; text: string }
  /** Ends with `text` (case-insensitive, after trimming). */
  | { format: 'ends_with'; text: string };

/** The scorer and its options: one arm per match kind. */
export type TaskScorer =
  | { match: 'exact'; expected: string; aliases: string[] }
  | { match: 'contains'; expected: string; aliases: string[] }
  | { match: 'number'; expected: number; tolerance: number }
  | { match: 'regex'; expected: string; flags: string }
  | { match: 'json_schema'; expected: Record<string, unknown> | boolean }
  | { match: 'json_equal'; expected: unknown }
  | { match: 'max_words'; expected: number }
  | { match: 'forbidden_word'; expected: string[] }
  | { match: 'format'; expected: FormatRule };

/** A task as the runner uses it. */
export type EvalTask = TaskScorer & {
  id: string;
  suite: string;
  messages: EvalMessage[];
  response_format?: OpenAIResponseFormat;
  index?: string;
};

/** The key a result is filed under: ids are unique within a suite, not across suites. */
export function taskKey(task: Pick<EvalTask, 'suite' | 'id'>): string {
  return `${task.suite}/${task.id}`;
}

/** One user message, the form every built-in task takes. */
export function userMessages(prompt: string): EvalMessage[] {
  return [{ role: 'user', content: prompt }];
}

/**
 * What leaves the server for a run's answer when the pipeline could not approve it (onExhausted
 * "best"). Continue, Copilot, Cursor and Open WebUI show `content` and ignore the `rlm` object and
 * the x-rlm-* headers, so an unapproved answer is either marked where they look or not sent:
 *
 * - tool calls whose arguments failed the deterministic check are never returned, whatever the
 *   profile says: an agent would run them (422 `invalid_tool_call`);
 * - content that must parse (`response_format` json_object or json_schema) is never altered: a 422
 *   `unverified_structured_answer` (unapprovedStructured "error", the default) or the bare answer;
 * - text gets a short marked note of the unresolved issues after it (unapprovedText "note", the
 *   default) or stays bare.
 */
import { findAnswerAttempt } from '../../orchestrator/loop/confidence.js';
import { UNAPPROVED_NOTE_OPENING } from '../../orchestrator/loop/own-notes.js';
import type { PipelineResult } from '../../orchestrator/loop/types.js';
import type { OpenAIChatCompletionRequest } from '../../types/openai.js';
import type { Profile } from '../../types/profile.js';
import { RlmError } from '../../utils/errors.js';

/** How the answer leaves: refused, or sent with `note` (null: unchanged) after its content. */
export type AnswerDelivery =
  | { kind: 'refuse'; error: RlmError }
  | { kind: 'send'; note: string | null; marking: 'note' | 'bare' | null };

/** At most this many issues are named in a note or an error message; the rest are counted. */
export const NOTE_MAX_ISSUES = 3;
/** Each named issue is cut to this many characters, so a note stays a line or two. */
export const NOTE_MAX_ISSUE_CHARS = 200;

export function answerDelivery(result: PipelineResult, profile: Profile, request: OpenAIChatCompletionRequest): AnswerDelivery {
  const { summary } = result;
  const toolIssues = failedToolArgumentIssues(result);
  if (toolIssues.length > 0) return { kind: 'refuse', error: new InvalidToolCallError(summary.runId, toolIssues) };
  if (summary.approved) return { kind: 'send', note: null, marking: null };
  const format = structuredFormat(request);
  if (format !== undefined) {
    if (profile.unapprovedStructured === 'bare') return { kind: 'send', note: null, marking: 'bare' };
    return { kind: 'refuse', error: new UnverifiedStructuredAnswerError(summary.runId, format, summary.issues) };
  }
  if (profile.unapprovedText === 'bare') return { kind: 'send', note: null, marking: 'bare' };
  return { kind: 'send', note: unapprovedNote(summary.answer?.content ?? '', summary.issues), marking: 'note' };
}

/** The response format whose content must parse, if the request asked for one. */
export function structuredFormat(request: Pick<OpenAIChatCompletionRequest, 'response_format'>): 'json_object' | 'json_schema' | undefined {
  const type = request.response_format?.type;
  return type === 'json_object' || type === 'json_schema' ? type : undefined;
}

/**
 * The note appended to an unapproved text answer: a Markdown rule (the blank line before it keeps
 * "---" from turning the last line into a heading), a warning sign, and the first issues, each on
 * one line and cut short. Deterministic: the same issues give the same note.
 */
export function unapprovedNote(content: string, issues: readonly string[]): string {
  const separator = content === '' ? '' : '\n\n---\n';
  const unresolved = issueList(issues);
  return `${separator}${UNAPPROVED_NOTE_OPENING}${unresolved === '' ? '' : ` Unresolved: ${unresolved}.`}`;
}

/** The first issues, tidied and joined with "; ", plus how many were left out. */
export function issueList(issues: readonly string[]): string {
  const tidy = [...new Set(issues.map(tidyIssue).filter((issue) => issue !== ''))];
  const shown = tidy.slice(0, NOTE_MAX_ISSUES).join('; ');
  const more = tidy.length - NOTE_MAX_ISSUES;
  return more > 0 ? `${shown} (and ${more} more)` : shown;
}

function tidyIssue(issue: string): string {
  const line = issue.replace(/\s+/g, ' ').trim().replace(/\.+$/, '');
  return line.length > NOTE_MAX_ISSUE_CHARS ? `${line.slice(0, NOTE_MAX_ISSUE_CHARS - 1).trimEnd()}…` : line;
}

/** The issues of the answer's failed tool-argument check: empty when its tool calls passed, or it made none. */
function failedToolArgumentIssues(result: PipelineResult): string[] {
  const { attempts } = result.trace;
  const answer = findAnswerAttempt(attempts);
  if (answer === undefined || (answer.output?.toolCalls ?? []).length === 0) return [];
  return attempts
    .filter((attempt) => attempt.parentAttemptId === answer.attemptId && attempt.stage === 'check' && attempt.name === 'tool_arguments' && attempt.verdict === 'REJECTED')
    .flatMap((attempt) => attempt.issues);
}

/** 422: the best draft calls tools with arguments that break their schema; it is never returned. */
export class InvalidToolCallError extends RlmError {
  constructor(runId: string, issues: readonly string[]) {
    super(
      `No valid tool call could be produced (run ${runId}): ${issueList(issues) || 'the tool arguments failed their check'}. ` +
        'Tool calls whose arguments break their schema are never returned, whatever "onExhausted" says, because an agent would run them.',
      { status: 422, type: 'invalid_request_error', code: 'invalid_tool_call' },
    );
  }
}

/** 422: the answer must parse, so it cannot carry a note, and it was not approved. */
export class UnverifiedStructuredAnswerError extends RlmError {
  constructor(runId: string, format: 'json_object' | 'json_schema', issues: readonly string[]) {
    const unresolved = issueList(issues);
    super(
      `No tier produced an approved answer (run ${runId}), and an answer under response_format ${format} is never altered to say so.` +
        `${unresolved === '' ? '' : ` Unresolved: ${unresolved}.`} ` +
        'Set "unapprovedStructured": "bare" in the profile to receive the unapproved answer as it is, marked only in the rlm object and the x-rlm-approved header.',
      { status: 422, type: 'invalid_request_error', code: 'unverified_structured_answer' },
    );
  }
}

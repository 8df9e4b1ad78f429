/**
 * revise: the reviser (the tier's own model) gets the request, the rejected draft and the issues,
 * and changes only what the issues require. A revision that is its draft again, or any earlier draft
 * of the run, whitespace aside, is a failed revision: recorded as such and not verified again (it
 * would get the verdict it got). A revise call the run already made is not made again: at a fixed
 * seed it would answer the same, so the loop stops revising at that tier instead.
 */
import { toOllamaChatRequest } from '../../api/chat/chat-request.js';
import { bulleted, conversationText, draftText } from './conversation-text.js';
import type { Draft } from '../checks/checks.js';
import type { RecordedAttempt, RunContext } from './run-context.js';
import { earlierCall, makeCall, prepareStageCall } from './stage-call.js';

export type Revision =
  | { kind: 'revised'; attempt: RecordedAttempt; draft: Draft }
  /** Recorded as a failed revision (its `error` says which draft it repeats). */
  | { kind: 'unchanged'; attempt: RecordedAttempt; draft: Draft }
  /** Not made: the run already made exactly this call (`earlier`). */
  | { kind: 'repeated'; earlier: RecordedAttempt };

export async function reviseDraft(run: RunContext, draftAttempt: RecordedAttempt, draft: Draft, issues: readonly string[]): Promise<Revision> {
  const { profile, request } = run.input;
  const model = draftAttempt.model ?? profile.generator;
  const prompt = run.deps.prompts.revise;
  const mapped = toOllamaChatRequest(request, { model, numCtx: 0, stream: true });
  const prepared = await prepareStageCall(run, {
    stage: 'revise',
    tier: draftAttempt.tier,
    model,
    prompt,
    messages: [
      {
        role: 'user',
        content: prompt.render({ conversation: conversationText(request.messages), draft: draftText(draft), issues: bulleted(issues) }),
      },
    ],
    options: profile.stages.revise,
    parentAttemptId: draftAttempt.attemptId,
    ...(mapped.format !== undefined ? { format: mapped.format } : {}),
    ...(mapped.tools !== undefined ? { tools: mapped.tools } : {}),
  });
  const earlier = earlierCall(run, prepared.inputHash);
  if (earlier !== undefined) return { kind: 'repeated', earlier };

  const drafts = run.attempts.filter((attempt) => (attempt.stage === 'generate' || attempt.stage === 'revise') && attempt.output !== null);
  let unchanged = false;
  const result = await makeCall(run, prepared, ({ content, toolCalls }) => {
    const revised = { content, toolCalls };
    if (sameDraft(revised, draft)) {
      unchanged = true;
      const how = revised.content === draft.content ? 'is identical to its draft' : 'differs from its draft only in whitespace';
      return { error: `no change: the revision ${how} (a failed revision)` };
    }
    const repeated = drafts.find((attempt) => sameDraft(revised, { content: attempt.output?.content ?? '', toolCalls: attempt.output?.toolCalls ?? [] }));
    if (repeated === undefined) return {};
    unchanged = true;
    return { error: `no change: the revision repeats the earlier draft ${repeated.attemptId}, whitespace aside (a failed revision)` };
  });
  const revised = { content: result.content, toolCalls: result.toolCalls };
  return { kind: unchanged ? 'unchanged' : 'revised', attempt: result.attempt, draft: revised };
}

/** The same answer, whitespace aside (comparableText), with the same tool calls. */
export function sameDraft(left: Draft, right: Draft): boolean {
  return comparableText(left.content) === comparableText(right.content) && JSON.stringify(left.toolCalls) === JSON.stringify(right.toolCalls);
}

/**
 * Text with its meaningless whitespace normalised: line endings, spaces at line ends, runs of spaces
 * or tabs inside a line, runs of blank lines, blank lines at either end. A line's indentation is
 * kept: in Python, YAML or a Markdown list it is meaning, and a revision may exist to fix it.
 */
export function comparableText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
      const rest = line.slice(indent.length).replace(/[ \t]+/g, ' ').trimEnd();
      return rest === '' ? '' : indent + rest;
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

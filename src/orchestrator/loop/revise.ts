/**
 * revise: the reviser (the tier's own model) gets the request, the rejected draft and the issues,
 * and changes only what the issues require. A revision identical to its draft is a failed revision:
 * it is recorded as such and not verified again (the same draft would get the same verdict).
 */
import { toOllamaChatRequest } from '../../api/chat-request.js';
import type { AttemptRecord } from '../../types/attempt.js';
import { bulleted, conversationText, draftText } from './conversation-text.js';
import type { Draft } from '../checks/checks.js';
import type { RunContext } from './run-context.js';
import { callStage } from './stage-call.js';

export async function reviseDraft(
  run: RunContext,
  draftAttempt: AttemptRecord,
  draft: Draft,
  issues: readonly string[],
): Promise<{ attempt: AttemptRecord; draft: Draft; unchanged: boolean }> {
  const { profile, request } = run.input;
  const model = draftAttempt.model ?? profile.generator;
  const prompt = run.deps.prompts.revise;
  const mapped = toOllamaChatRequest(request, { model, numCtx: 0, stream: true });
  let unchanged = false;
  const result = await callStage(
    run,
    {
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
    },
    ({ content, toolCalls }) => {
      unchanged = content === draft.content && JSON.stringify(toolCalls) === JSON.stringify(draft.toolCalls);
      return unchanged ? { error: 'no change: the revision is identical to its draft (a failed revision)' } : {};
    },
  );
  return { attempt: result.attempt, draft: { content: result.content, toolCalls: result.toolCalls }, unchanged };
}

/**
 * generate: a draft from a tier's model, given the whole conversation (as real messages, images
 * and tool results included), the plan, and — when escalating — what the tier below got wrong.
 */
import { toOllamaChatRequest } from '../../api/chat/chat-request.js';
import type { Draft } from '../checks/checks.js';
import { bulleted, numbered } from './conversation-text.js';
import type { Plan } from './plan.js';
import type { RecordedAttempt, RunContext } from './run-context.js';
import { callStage } from './stage-call.js';

export async function generateDraft(
  run: RunContext,
  tier: number,
  model: string,
  plan: Plan | null,
  previousIssues: readonly string[],
  context: string,
): Promise<{ attempt: RecordedAttempt; draft: Draft }> {
  const { profile, request } = run.input;
  const prompt = run.deps.prompts.generate;
  const mapped = toOllamaChatRequest(request, { model, numCtx: 0, stream: true });
  const system = prompt.render({
    strategy: plan?.strategy ?? '',
    checks: plan ? numbered(plan.checks) : '',
    context,
    previous_issues: bulleted(previousIssues),
  });
  const options = { ...profile.stages.generate };
  // The client's own cap on the answer's length wins over the profile's, never the other way.
  const clientCap = request.max_completion_tokens ?? request.max_tokens;
  if (typeof clientCap === 'number' && clientCap > 0) options.num_predict = Math.min(clientCap, options.num_predict > 0 ? options.num_predict : clientCap);
  const result = await callStage(run, {
    stage: 'generate',
    tier,
    model,
    prompt,
    messages: [{ role: 'system', content: system.trim() }, ...mapped.messages],
    options,
    parentAttemptId: null,
    ...(mapped.format !== undefined ? { format: mapped.format } : {}),
    ...(mapped.tools !== undefined ? { tools: mapped.tools } : {}),
  });
  return { attempt: result.attempt, draft: { content: result.content, toolCalls: result.toolCalls } };
}

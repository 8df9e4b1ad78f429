/**
 * verify, in two layers. First the deterministic checks, which cost nothing; a draft that fails
 * one is rejected without asking a model. Then the verifier model: a strict gate that answers
 * `{"verdict": "APPROVED" | "REJECTED", "issues": [...]}` through a JSON-schema format, judged
 * against the plan's checks. What its answer means (unreadable, contradictory or too uncertain
 * approvals are REJECTED) is verdict.ts.
 */
import { hashJson } from '../../utils/hash.js';
import { promptPhrases, runDeterministicChecks } from '../checks/checks.js';
import type { PromptSet } from '../../prompts/load.js';
import { conversationText, draftText, numbered } from './conversation-text.js';
import type { Draft } from '../checks/checks.js';
import type { Plan } from './plan.js';
import { noModelCall, record, type RecordedAttempt, type RunContext } from './run-context.js';
import { callStage } from './stage-call.js';
import { judgeVerdict, readVerdict, verdictTokenProbability } from './verdict.js';

/**
 * Bounded, so that a verdict always fits in the verify stage's num_predict (512 by default): a small
 * real model asked for issues can ramble (SmolLM2 wrote thousands of characters of them), and a
 * verdict cut off by the token limit is unreadable, which fails closed but wastes the call. Ollama
 * compiles maxItems and maxLength into the grammar, so the model cannot write past them: at most
 * 4 x 240 characters, about 300 tokens with the JSON around them.
 */
export const VERDICT_SCHEMA = {
  type: 'object',
  properties: {
    verdict: { type: 'string', enum: ['APPROVED', 'REJECTED'] },
    issues: { type: 'array', items: { type: 'string', maxLength: 240 }, maxItems: 4 },
  },
  required: ['verdict', 'issues'],
} as const;

export interface VerifyOutcome {
  approved: boolean;
  issues: string[];
  /** The attempt that decided: the failing check, or the verifier's call. */
  attempt: RecordedAttempt;
}

export async function verifyDraft(run: RunContext, draftAttempt: RecordedAttempt, draft: Draft, plan: Plan | null, context: string): Promise<VerifyOutcome> {
  const { request, profile } = run.input;
  const checks = runDeterministicChecks(draft, { responseFormat: request.response_format ?? null, tools: request.tools ?? null, promptPhrases: phrasesOf(run.deps.prompts) });
  let failed: { attempt: RecordedAttempt; issues: string[] } | undefined;
  for (const check of checks) {
    const attempt = await record(run, {
      ...noModelCall(run),
      attemptId: run.deps.newId('att'),
      parentAttemptId: draftAttempt.attemptId,
      stage: 'check',
      tier: draftAttempt.tier,
      name: check.name,
      inputHash: hashJson({ check: check.name, draft }),
      output: { content: check.passed ? 'passed' : 'failed', ...(check.detail ? { data: check.detail } : {}) },
      verdict: check.passed ? 'APPROVED' : 'REJECTED',
      issues: check.issues,
      error: null,
    });
    if (!check.passed) failed = { attempt, issues: [...(failed?.issues ?? []), ...check.issues] };
  }
  if (failed !== undefined) return { approved: false, issues: failed.issues, attempt: failed.attempt };

  const prompt = run.deps.prompts.verify;
  const result = await callStage(
    run,
    {
      stage: 'verify',
      tier: draftAttempt.tier,
      model: profile.verifier,
      prompt,
      messages: [
        {
          role: 'user',
          content: prompt.render({
            conversation: conversationText(request.messages),
            checks: plan ? numbered(plan.checks) : '',
            context,
            draft: draftText(draft),
          }),
        },
      ],
      options: profile.stages.verify,
      parentAttemptId: draftAttempt.attemptId,
      format: VERDICT_SCHEMA as unknown as Record<string, unknown>,
      logprobs: true,
    },
    ({ content, logprobs, recordedProbability }) => {
      const reading = readVerdict(content);
      const probability = reading.ok && logprobs.length > 0 ? verdictTokenProbability(logprobs, reading.stated) : (recordedProbability ?? null);
      return judgeVerdict(reading, probability, profile.minApprovalProbability);
    },
  );
  const { attempt } = result;
  return { approved: attempt.verdict === 'APPROVED', issues: attempt.issues, attempt };
}

/** Computed once per prompt set (the set is loaded once and never changes). */
const phrasesByPromptSet = new WeakMap<PromptSet, string[]>();

function phrasesOf(prompts: PromptSet): string[] {
  let phrases = phrasesByPromptSet.get(prompts);
  if (phrases === undefined) {
    phrases = [...new Set(Object.values(prompts).flatMap((prompt) => promptPhrases(prompt.template)))];
    phrasesByPromptSet.set(prompts, phrases);
  }
  return phrases;
}

/**
 * verify, in two layers. First the deterministic checks, which cost nothing; a draft that fails
 * one is rejected without asking a model. Then the verifier model: a strict gate that answers
 * `{"verdict": "APPROVED" | "REJECTED", "issues": [...]}` through a JSON-schema format, judged
 * against the plan's checks. Anything unreadable counts as REJECTED (fail closed).
 */
import type { AttemptRecord, Verdict } from '../../types/attempt.js';
import type { OllamaLogprob } from '../../types/ollama.js';
import { hashJson } from '../../utils/hash.js';
import { runDeterministicChecks } from '../checks/checks.js';
import { conversationText, draftText, numbered } from './conversation-text.js';
import type { Draft } from '../checks/checks.js';
import type { Plan } from './plan.js';
import { noModelCall, record, type RunContext } from './run-context.js';
import { callStage } from './stage-call.js';
import { nonBlankStrings, readJsonObject } from './structured-output.js';

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
  attempt: AttemptRecord;
}

export async function verifyDraft(run: RunContext, draftAttempt: AttemptRecord, draft: Draft, plan: Plan | null, context: string): Promise<VerifyOutcome> {
  const { request, profile } = run.input;
  const checks = runDeterministicChecks(draft, { responseFormat: request.response_format ?? null, tools: request.tools ?? null });
  let failed: { attempt: AttemptRecord; issues: string[] } | undefined;
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
    ({ content, logprobs }) => {
      const reading = readVerdict(content);
      if (!reading.ok) {
        return { verdict: 'REJECTED', issues: ['The reviewer gave no readable verdict, so the draft is not approved.'], error: `unreadable verdict: ${reading.reason}` };
      }
      return { verdict: reading.verdict, issues: reading.issues, verdictProbability: verdictTokenProbability(logprobs, reading.verdict) };
    },
  );
  const { attempt } = result;
  return { approved: attempt.verdict === 'APPROVED', issues: attempt.issues, attempt };
}

/** Reads the verifier's JSON; null for anything that is not exactly a verdict (fail closed). */
export function parseVerdict(content: string): { verdict: Verdict; issues: string[] } | null {
  const reading = readVerdict(content);
  return reading.ok ? { verdict: reading.verdict, issues: reading.issues } : null;
}

function readVerdict(content: string): { ok: true; verdict: Verdict; issues: string[] } | { ok: false; reason: string } {
  const object = readJsonObject(content);
  if (!object.ok) return object;
  const { verdict } = object.value;
  if (verdict !== 'APPROVED' && verdict !== 'REJECTED') return { ok: false, reason: 'no "verdict" of APPROVED or REJECTED' };
  if (verdict === 'APPROVED') return { ok: true, verdict, issues: [] };
  const issues = nonBlankStrings(object.value.issues);
  return { ok: true, verdict, issues: issues.length > 0 ? issues : ['The reviewer rejected the draft without naming a problem.'] };
}

/**
 * The probability of the token that starts the verdict's value: where the model chose between
 * APPROVED and REJECTED. Null when Ollama returned no logprobs (older versions) or the token
 * cannot be located.
 */
export function verdictTokenProbability(logprobs: readonly OllamaLogprob[], verdict: Verdict): number | null {
  if (logprobs.length === 0) return null;
  let text = '';
  const starts: number[] = [];
  for (const entry of logprobs) {
    starts.push(text.length);
    text += entry.token;
  }
  const key = text.indexOf('"verdict"');
  const at = text.indexOf(verdict, key < 0 ? 0 : key);
  if (at < 0) return null;
  let index = starts.length - 1;
  while (index > 0 && (starts[index] as number) > at) index--;
  const logprob = logprobs[index]?.logprob;
  return typeof logprob === 'number' && Number.isFinite(logprob) ? Math.min(1, Math.exp(logprob)) : null;
}

/**
 * plan: the planner returns an execution strategy and the acceptance checks the verifier will
 * apply — never the answer. Its output is constrained by a JSON schema so tiny models stay in form;
 * an unreadable plan is recorded and the run goes on without one.
 */
import type { OpenAIChatCompletionRequest } from '../../types/openai.js';
import type { PlanPolicy } from '../../types/profile.js';
import { conversationText, lastUserText } from './conversation-text.js';
import { noModelCall, record, type RunContext } from './run-context.js';
import { callStage } from './stage-call.js';
import { nonBlankStrings, readJsonObject } from './structured-output.js';

export interface Plan {
  strategy: string;
  checks: string[];
}

export const PLAN_SCHEMA = {
  type: 'object',
  properties: {
    // Bounded for the same reason as the verdict (verify.ts): the plan must fit in num_predict (512).
    strategy: { type: 'string', maxLength: 400 },
    checks: { type: 'array', items: { type: 'string', maxLength: 150 }, minItems: 1, maxItems: 6 },
  },
  required: ['strategy', 'checks'],
} as const;

/** Below this many characters, a lone question with no tools or schema is "short and simple". */
export const AUTO_PLAN_MIN_CHARACTERS = 200;

/** Whether to plan, and why: a plain predicate over the policy and the request. */
export function planDecision(policy: PlanPolicy, request: OpenAIChatCompletionRequest): { plan: boolean; reason: string } {
  if (policy === 'always') return { plan: true, reason: 'the profile always plans' };
  if (policy === 'never') return { plan: false, reason: 'the profile never plans' };
  const length = lastUserText(request.messages).length;
  if ((request.tools?.length ?? 0) > 0) return { plan: true, reason: 'the request offers tools' };
  if (request.response_format?.type === 'json_schema') return { plan: true, reason: 'the request asks for a JSON schema' };
  if (length >= AUTO_PLAN_MIN_CHARACTERS) return { plan: true, reason: `the request is ${length} characters long` };
  return { plan: false, reason: `a short request (${length} characters) needs no plan` };
}

/** `context`: the retrieved chunks ('' without an index). */
export async function planStage(run: RunContext, context: string): Promise<Plan | null> {
  const { profile, request } = run.input;
  const decision = planDecision(profile.plan, request);
  if (!decision.plan) {
    await record(run, {
      ...noModelCall(run),
      attemptId: run.deps.newId('att'),
      parentAttemptId: null,
      stage: 'decision',
      tier: 0,
      name: 'plan_skipped',
      inputHash: '',
      output: { content: `plan: skipped, ${decision.reason}`, data: { reason: decision.reason } },
      verdict: null,
      issues: [],
      error: null,
    });
    return null;
  }
  const prompt = run.deps.prompts.plan;
  let plan: Plan | null = null;
  await callStage(
    run,
    {
      stage: 'plan',
      tier: 0,
      model: profile.planner,
      prompt,
      messages: [{ role: 'user', content: prompt.render({ conversation: conversationText(request.messages), context }) }],
      options: profile.stages.plan,
      parentAttemptId: null,
      format: PLAN_SCHEMA as unknown as Record<string, unknown>,
    },
    ({ content }) => {
      const reading = readPlan(content);
      if (!reading.ok) return { error: `the plan is not the JSON that was asked for: ${reading.reason}` };
      plan = reading.plan;
      return { data: { ...plan } };
    },
  );
  return plan;
}

export function parsePlan(content: string): Plan | null {
  const reading = readPlan(content);
  return reading.ok ? reading.plan : null;
}

function readPlan(content: string): { ok: true; plan: Plan } | { ok: false; reason: string } {
  const object = readJsonObject(content);
  if (!object.ok) return object;
  const { strategy, checks } = object.value;
  if (typeof strategy !== 'string' || !Array.isArray(checks)) return { ok: false, reason: 'no "strategy" string and "checks" list' };
  return { ok: true, plan: { strategy: strategy.trim(), checks: nonBlankStrings(checks).slice(0, 6) } };
}

import { describe, expect, it } from 'vitest';
import { canRevise, nextTier, tierModel } from '../../src/orchestrator/loop/escalate.js';
import { parsePlan, planDecision } from '../../src/orchestrator/loop/plan.js';
import { stripThinking } from '../../src/orchestrator/loop/stage-call.js';
import { parseVerdict, verdictTokenProbability } from '../../src/orchestrator/loop/verdict.js';
import type { OpenAIChatCompletionRequest } from '../../src/types/openai.js';
import type { Profile } from '../../src/types/profile.js';

describe('parseVerdict fails closed', () => {
  it.each([
    ['{"verdict":"APPROVED","issues":[]}', { verdict: 'APPROVED', issues: [] }],
    ['{"verdict":"APPROVED","issues":["minor"]}', { verdict: 'REJECTED', issues: ['minor'] }],
    // The prompt's own placeholders, copied by real SmolLM2 and Gemma 3, name no problem.
    ['{"verdict":"APPROVED","issues":["<one specific problem>", "..."]}', { verdict: 'APPROVED', issues: [] }],
    ['{"verdict":"REJECTED","issues":["<one specific problem>"]}', { verdict: 'REJECTED', issues: ['The reviewer rejected the draft without naming a problem.'] }],
    ['{"verdict":"REJECTED","issues":[" wrong city ", "", 3]}', { verdict: 'REJECTED', issues: ['wrong city'] }],
    ['{"verdict":"REJECTED"}', { verdict: 'REJECTED', issues: ['The reviewer rejected the draft without naming a problem.'] }],
  ])('%s', (content, expected) => {
    expect(parseVerdict(content)).toEqual(expected);
  });

  it.each([
    'APPROVED',
    '{"verdict":"approved"}',
    '{"verdict":"MAYBE","issues":[]}',
    '[]',
    '',
    'null',
    '{"issues":[]}',
    '{"verdict":"REJECTED","issues":["wrong city"],"verdict":"APPROVED"}',
    '{"verdict":"APPROVED","issues":[],"issues":["wrong city"]}',
  ])('unreadable: %j', (content) => {
    expect(parseVerdict(content)).toBeNull();
  });
});

describe('verdictTokenProbability', () => {
  const tokens = (pieces: [string, number][]) => pieces.map(([token, logprob]) => ({ token, logprob }));
  it('reads the probability of the token where the verdict value starts', () => {
    const logprobs = tokens([['{"', -0.001], ['verdict', -0.002], ['":"', -0.003], ['APP', Math.log(0.6)], ['ROVED', -0.0001], ['"}', -0.01]]);
    expect(verdictTokenProbability(logprobs, 'APPROVED')).toBeCloseTo(0.6, 10);
  });
  it('is null without logprobs or when the verdict is not in them', () => {
    expect(verdictTokenProbability([], 'APPROVED')).toBeNull();
    expect(verdictTokenProbability(tokens([['{"verdict":"REJECTED"}', -1]]), 'APPROVED')).toBeNull();
  });
});

describe('parsePlan', () => {
  it('keeps the strategy and up to six non-blank checks', () => {
    const plan = parsePlan(JSON.stringify({ strategy: ' Do it. ', checks: ['a', ' ', 'b', 'c', 'd', 'e', 'f', 'g'] }));
    expect(plan).toEqual({ strategy: 'Do it.', checks: ['a', 'b', 'c', 'd', 'e', 'f'] });
  });
  it('is null for anything else', () => {
    expect(parsePlan('{"strategy": 1, "checks": []}')).toBeNull();
    expect(parsePlan('Here is my plan')).toBeNull();
    expect(parsePlan('{"strategy":"a","checks":["x"],"checks":[]}')).toBeNull();
  });
});

describe('planDecision ("auto")', () => {
  const request = (content: string, extra: Partial<OpenAIChatCompletionRequest> = {}): OpenAIChatCompletionRequest => ({
    model: 'rlm',
    messages: [{ role: 'user', content }],
    ...extra,
  });
  it('skips a short plain question and plans a long one, tools, or a schema', () => {
    expect(planDecision('auto', request('Capital of France?')).plan).toBe(false);
    expect(planDecision('auto', request('x'.repeat(200))).plan).toBe(true);
    expect(planDecision('auto', request('hi', { tools: [{ type: 'function', function: { name: 'f' } }] })).plan).toBe(true);
    expect(planDecision('auto', request('hi', { response_format: { type: 'json_schema', json_schema: { schema: {} } } })).plan).toBe(true);
    expect(planDecision('never', request('x'.repeat(500))).plan).toBe(false);
    expect(planDecision('always', request('hi')).plan).toBe(true);
  });
});

describe('escalation predicates', () => {
  const profile = { generator: 'small', ladder: ['medium', 'large'], maxRevisions: 2 } as Profile;
  it('revises up to maxRevisions, then climbs the ladder, then stops', () => {
    expect([0, 1, 2].map((revisions) => canRevise(profile, revisions))).toEqual([true, true, false]);
    expect([0, 1, 2].map((tier) => tierModel(profile, tier))).toEqual(['small', 'medium', 'large']);
    expect([0, 1, 2].map((tier) => nextTier(profile, tier))).toEqual([1, 2, undefined]);
  });
});

describe('stripThinking', () => {
  it('removes think blocks, and an unterminated one entirely', () => {
    expect(stripThinking('<think>secret plan</think>\nThe answer.')).toBe('The answer.');
    expect(stripThinking('A <think>x</think>B')).toBe('A B');
    expect(stripThinking('Answer.<think>never closed')).toBe('Answer.');
  });
});

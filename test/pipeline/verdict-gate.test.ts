/** Issue 9: what counts as an approval — a self-contradicting verdict, and minApprovalProbability. */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, stagedScript, stageLog } from '../support/staged-script.js';

/** The confidence for a sum of log-odds (src/orchestrator/loop/confidence.ts), to 3 decimals. */
const score = (logOdds: number): number => Math.round(1000 / (1 + Math.exp(-logOdds))) / 1000;
/** How far a verdict's probability moves it: its log-odds above those of the default 0.75. */
const sureness = (probability: number): number => Math.log(probability / (1 - probability)) - Math.log(3);

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: [], maxRevisions: 1, plan: 'always' };
const question = [{ role: 'user', content: 'What is the capital of France?' }];

type Completion = { choices: { message: { content: string } }[]; rlm: { run_id: string; approved: boolean; confidence: number; issues?: string[] } };
type Attempt = { stage: string; name: string | null; verdict: string | null; issues: string[]; error: string | null; verdictProbability: number | null; output: { data?: Record<string, unknown> } | null };

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(profile: Record<string, unknown> = {}): Promise<Stack> {
  stack = await startStack({ rlmConfig: { profiles: { rlm: { ...PROFILE, ...profile } } } });
  return stack;
}

async function ask(target: Stack): Promise<{ body: Completion; attempts: Attempt[] }> {
  const body = (await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question })).json() as Completion;
  const run = (await (await fetch(`${target.url}/v1/rlm/runs/${body.rlm.run_id}`)).json()) as { attempts: Attempt[] };
  return { body, attempts: run.attempts };
}

function reviseIssues(target: Stack): string {
  const revise = target.simulator.requests.find((request) => stageLog([request])[0]?.startsWith('revise:'));
  return (revise?.body as { messages: { content: string }[] }).messages[0]!.content;
}

describe('a verdict that contradicts itself', () => {
  it('APPROVED with issues is REJECTED with those issues: revised, and the trace says why', async () => {
    const target = await start();
    const contradictory = JSON.stringify({ verdict: 'APPROVED', issues: ['It names the wrong city.'] });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [contradictory, APPROVED] }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: 'Paris.' }));
    const { body, attempts } = await ask(target);
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b', 'revise:llama3.2', 'verify:qwen2.5:0.5b']);
    expect(reviseIssues(target)).toContain('It names the wrong city.');
    expect(body.choices[0]!.message.content).toBe('Paris.');
    expect(body.rlm.approved).toBe(true);
    expect(attempts.find((attempt) => attempt.stage === 'verify')).toMatchObject({
      verdict: 'REJECTED',
      issues: ['It names the wrong city.'],
      error: 'contradictory verdict: APPROVED with 1 issue, read as REJECTED',
      output: { data: { statedVerdict: 'APPROVED' } },
    });
  });

  it('unapproved when it is the last word, with its issues reaching the client', async () => {
    const target = await start({ maxRevisions: 0 });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: JSON.stringify({ verdict: 'APPROVED', issues: ['Too vague.', 'No source.'] }) }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Somewhere in France.' }));
    const { body } = await ask(target);
    expect(body.rlm).toMatchObject({ approved: false, issues: ['Too vague.', 'No source.'] });
    // Read as a rejection whose APPROVED token had probability e^-0.1: q(REJECTED) = 1 - e^-0.1,
    // counted as a toss-up (0.5).
    expect(body.rlm.confidence).toBe(score(-0.5 - sureness(0.5)));
  });
});

describe('minApprovalProbability', () => {
  it('an approval below it counts as a rejection: revised with the reason as the issue, then approved above it', async () => {
    const target = await start({ minApprovalProbability: 0.8 });
    target.simulator.script(
      'qwen2.5:0.5b',
      stagedScript({ plan: planReply('names the city'), verify: [{ content: APPROVED, logprob: Math.log(0.41) }, { content: APPROVED, logprob: Math.log(0.9) }] }),
    );
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: 'Paris.' }));
    const { body, attempts } = await ask(target);
    const issue = "The reviewer approved with probability 0.41, below the profile's minApprovalProbability 0.8.";
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b', 'revise:llama3.2', 'verify:qwen2.5:0.5b']);
    expect(reviseIssues(target)).toContain(issue);
    expect(body.choices[0]!.message.content).toBe('Paris.');
    expect(body.rlm.approved).toBe(true);
    const verifies = attempts.filter((attempt) => attempt.stage === 'verify');
    expect(verifies[0]).toMatchObject({ verdict: 'REJECTED', issues: [issue], error: null, output: { data: { statedVerdict: 'APPROVED', minApprovalProbability: 0.8 } } });
    expect(verifies[0]!.verdictProbability).toBeCloseTo(0.41, 10);
    expect(verifies[1]).toMatchObject({ verdict: 'APPROVED', issues: [] });
  });

  it('below it at the last tier: unapproved, with the reason as the unresolved issue', async () => {
    const target = await start({ minApprovalProbability: 0.8, maxRevisions: 0 });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: { content: APPROVED, logprob: Math.log(0.5) } }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const { body } = await ask(target);
    expect(body.rlm).toMatchObject({ approved: false, issues: ["The reviewer approved with probability 0.5, below the profile's minApprovalProbability 0.8."] });
    expect(body.rlm.confidence).toBe(score(-0.5 - sureness(0.5))); // a rejection with q(REJECTED) = 1 - 0.5: a toss-up
  });

  it('an approval without a probability fails closed while the knob is set', async () => {
    const target = await start({ minApprovalProbability: 0.5, maxRevisions: 0 });
    // A logprob that is not a number reaches rlm as null: the verdict token's probability is unknown.
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: { content: APPROVED, logprob: Number.NaN } }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const { body, attempts } = await ask(target);
    expect(attempts.find((attempt) => attempt.stage === 'verify')?.verdictProbability).toBeNull();
    expect(body.rlm.approved).toBe(false);
    expect(body.rlm.issues?.[0]).toMatch(/approved without a verdict probability .*minApprovalProbability 0\.5 needs one/);
  });

  it('an approval at or above it, and any approval while it is off (the default), is an approval', async () => {
    for (const profile of [{ minApprovalProbability: 0.41 }, {}]) {
      const target = await start(profile);
      target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: { content: APPROVED, logprob: Math.log(0.41) } }));
      target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
      const { body } = await ask(target);
      expect(body.rlm.approved).toBe(true);
      expect(stageLog(target.simulator.requests)).toHaveLength(3);
      await target.close();
      stack = undefined;
    }
  });
});

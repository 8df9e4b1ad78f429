/** Issue 9: a rejected revision that is worse than its draft does not become the base of the next one. */
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest, Reply } from '../simulator/index.js';
import { postJson, sseEvents, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript, stageOf } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: ['qwen3:8b'], maxRevisions: 2, plan: 'always' };
const question = [{ role: 'user', content: 'What is the capital of France?' }];

type Completion = { choices: { message: { content: string } }[]; rlm: { run_id: string; approved: boolean; issues?: string[] } };
type Attempt = { attemptId: string; stage: string; name: string | null; tier: number; parentAttemptId: string | null; output: { content: string; data?: Record<string, unknown> } | null };

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** The draft a verify or revise request carries, between the prompt's <draft> tags. */
function draftIn(request: RecordedRequest): string {
  const text = (request.body as { messages: { content: string }[] }).messages[0]!.content;
  return /<draft>\n([\s\S]*?)\n<\/draft>/.exec(text)?.[1] ?? '';
}

/** The verifier judges by the draft it is shown, so a repeated draft gets the same verdict. */
function verdicts(byDraft: Record<string, Reply>): (request: RecordedRequest) => Reply {
  return (request) => byDraft[draftIn(request)] ?? rejected(`unscripted draft ${draftIn(request)}`);
}

async function run(target: Stack): Promise<{ body: Completion; attempts: Attempt[] }> {
  const body = (await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question })).json() as Completion;
  const trace = (await (await fetch(`${target.url}/v1/rlm/runs/${body.rlm.run_id}`)).json()) as { attempts: Attempt[] };
  return { body, attempts: trace.attempts };
}

const chats = (target: Stack): RecordedRequest[] => target.simulator.requests.filter((request) => request.path === '/api/chat');

describe('the base of the next revision', () => {
  it('a revision with more issues than its draft is dropped: the draft stays the base and the tier best, and the choice is recorded', async () => {
    stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } } });
    const worse = 'Lyon, or maybe Marseille.';
    stack.simulator.script(
      'qwen2.5:0.5b',
      stagedScript({
        plan: planReply('names the city'),
        verify: verdicts({ 'Lyon.': rejected('Wrong city.'), [worse]: rejected('Wrong city.', 'It hedges between two cities.'), 'Paris.': APPROVED }),
      }),
    );
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: worse }));
    stack.simulator.script('qwen3:8b', stagedScript({ generate: 'Paris.' }));
    const { body, attempts } = await run(stack);
    expect(body.choices[0]!.message.content).toBe('Paris.');

    // Every revision revised 'Lyon.' with its one issue, never the worse revision with its two.
    const revises = chats(stack).filter((request) => stageOf(request) === 'revise');
    expect(revises.length).toBeGreaterThan(0);
    for (const revise of revises) {
      expect(draftIn(revise)).toBe('Lyon.');
      expect(JSON.stringify(revise.body)).not.toContain('hedges');
    }
    // The tier's best is 'Lyon.': the escalated generator is told its issue, not the worse revision's.
    const escalated = chats(stack).find((request) => (request.body as { model: string }).model === 'qwen3:8b')!;
    const system = (escalated.body as { messages: { content: string }[] }).messages[0]!.content;
    expect(system).toContain('Wrong city.');
    expect(system).not.toContain('hedges');

    const generate = attempts.find((attempt) => attempt.stage === 'generate' && attempt.tier === 0)!;
    const revision = attempts.find((attempt) => attempt.stage === 'revise')!;
    const decision = attempts.find((attempt) => attempt.stage === 'decision' && attempt.name === 'revision_base');
    expect(decision?.output?.data).toMatchObject({ base: generate.attemptId, parent: generate.attemptId, revision: revision.attemptId, reason: 'the revision is worse: 1 issue against 2 issues' });
    expect(decision?.output?.content).toBe(`revise: keeping ${generate.attemptId} as the base, its revision ${revision.attemptId} is worse (1 issue against 2 issues)`);
    expect(attempts.find((attempt) => attempt.stage === 'decision' && attempt.name === 'escalate')?.output?.data).toMatchObject({ issues: ['Wrong city.'] });
  });

  it('a revision with fewer issues becomes the base, and the next revision revises it', async () => {
    stack = await startStack({ rlmConfig: { profiles: { rlm: { ...PROFILE, ladder: [] } } } });
    stack.simulator.script(
      'qwen2.5:0.5b',
      stagedScript({ plan: planReply('x'), verify: verdicts({ 'Lyon.': rejected('Wrong city.', 'Too short.'), 'Paris, I think.': rejected('Hedges.'), 'Paris.': APPROVED }) }),
    );
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: (request) => (draftIn(request) === 'Lyon.' ? 'Paris, I think.' : 'Paris.') }));
    const { body, attempts } = await run(stack);
    expect(body.choices[0]!.message.content).toBe('Paris.');
    expect(body.rlm.approved).toBe(true);
    expect(chats(stack).filter((request) => stageOf(request) === 'revise').map(draftIn)).toEqual(['Lyon.', 'Paris, I think.']);
    const decision = attempts.find((attempt) => attempt.name === 'revision_base');
    expect(decision?.output?.data).toMatchObject({ reason: '1 issue against 2 issues' });
    expect(decision?.output?.data?.['base']).toBe(decision?.output?.data?.['revision']);
  });

  it('as many issues: the verdict the verifier was less sure of ranks higher; without probabilities the newer wins', async () => {
    for (const [parentLogprob, revisionLogprob, keeps] of [
      [Math.log(0.6), Math.log(0.95), 'parent'],
      [Math.log(0.95), Math.log(0.6), 'revision'],
      // A logprob that is not a number reaches rlm as null: no probabilities to compare.
      [Number.NaN, Number.NaN, 'revision'],
    ] as const) {
      stack = await startStack({ rlmConfig: { profiles: { rlm: { ...PROFILE, ladder: [], maxRevisions: 1 } } } });
      stack.simulator.script(
        'qwen2.5:0.5b',
        stagedScript({
          plan: planReply('x'),
          verify: verdicts({ 'Lyon.': { content: rejected('Wrong city.'), logprob: parentLogprob }, 'Marseille.': { content: rejected('Wrong city.'), logprob: revisionLogprob } }),
        }),
      );
      stack.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: 'Marseille.' }));
      const { body, attempts } = await run(stack);
      const decision = attempts.find((attempt) => attempt.name === 'revision_base')!;
      const data = decision.output!.data!;
      expect(data['base']).toBe(data[keeps]);
      expect(body.choices[0]!.message.content.startsWith(keeps === 'parent' ? 'Lyon.' : 'Marseille.')).toBe(true);
      await stack.close();
      stack = undefined;
    }
  });

  it('the choice is a progress line, and the answer of an exhausted tier is its best draft', async () => {
    stack = await startStack({ rlmConfig: { profiles: { rlm: { ...PROFILE, ladder: [], maxRevisions: 1 } } } });
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: verdicts({ 'Lyon.': rejected('Wrong city.'), 'Lyon!!': rejected('Wrong city.', 'Shouts.') }) }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: 'Lyon!!' }));
    const response = await postJson(`${stack.url}/v1/chat/completions`, { model: 'rlm', stream: true, messages: question });
    const chunks = sseEvents(response.text).slice(0, -1) as { choices: { delta: { content?: string; reasoning_content?: string } }[]; rlm?: { approved: boolean } }[];
    const reasoning = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('');
    expect(reasoning).toMatch(/\nrevise: keeping (att-\S+) as the base, its revision att-\S+ is worse \(1 issue against 2 issues\)\n/);
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content.startsWith('Lyon.')).toBe(true);
  });
});

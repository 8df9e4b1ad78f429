/**
 * Issue 9: a run never sends the same model call twice, and a revision that changes only
 * whitespace is no revision. The call cache is off here, so every call the run makes reaches the
 * simulator and is counted there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../simulator/index.js';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { planReply, rejected, stagedScript, stageLog } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: [], maxRevisions: 3, plan: 'always', onExhausted: 'best' };
const question = [{ role: 'user', content: 'What is the capital of France?' }];

type Completion = { choices: { message: { content: string } }[]; rlm: { run_id: string; approved: boolean } };
type Attempt = {
  attemptId: string;
  stage: string;
  name: string | null;
  cacheHit: boolean;
  error: string | null;
  verdict: string | null;
  issues: string[];
  output: { content: string; data?: Record<string, unknown> } | null;
};

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(profile: Record<string, unknown> = {}): Promise<Stack> {
  stack = await startStack({ rlmConfig: { profiles: { rlm: { ...PROFILE, ...profile } }, cache: { enabled: false } } });
  return stack;
}

async function run(target: Stack): Promise<{ body: Completion; attempts: Attempt[] }> {
  const body = (await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question })).json() as Completion;
  const trace = (await (await fetch(`${target.url}/v1/rlm/runs/${body.rlm.run_id}`)).json()) as { attempts: Attempt[] };
  return { body, attempts: trace.attempts };
}

/** Every chat request the simulator got, as the exact bytes of its body: no two may be equal. */
function expectNoRepeatedCall(requests: readonly RecordedRequest[]): void {
  const bodies = requests.filter((request) => request.path === '/api/chat').map((request) => JSON.stringify(request.body));
  expect(new Set(bodies).size).toBe(bodies.length);
}

describe('a run never repeats a model call', () => {
  it('a revision identical to its draft: the same revise call is not sent again; revising stops with a decision', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: rejected('Wrong city.') }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: 'Lyon.' }));
    const { body, attempts } = await run(target);
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b', 'revise:llama3.2']);
    expectNoRepeatedCall(target.simulator.requests);
    expect(body.rlm.approved).toBe(false);
    const revise = attempts.find((attempt) => attempt.stage === 'revise')!;
    expect(revise.error).toBe('no change: the revision is identical to its draft (a failed revision)');
    const decision = attempts.find((attempt) => attempt.name === 'revision_repeated');
    expect(decision?.output?.content).toBe(`revise: stopping at tier 0, the next revision would repeat ${revise.attemptId} exactly`);
    expect(decision?.output?.data).toMatchObject({ tier: 0, repeats: revise.attemptId, revisions: 1 });
    expect(attempts.map((attempt) => attempt.name ?? attempt.stage).slice(-3)).toEqual(['revision_repeated', 'ladder_exhausted', 'completed']);
  });

  it('a revision that changes only whitespace is unchanged: not verified again, and not revised again', async () => {
    const target = await start();
    const draft = 'The capital is Lyon.\n\n    It is in France.';
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: rejected('Wrong city.') }));
    target.simulator.script('llama3.2', stagedScript({ generate: draft, revise: 'The capital  is Lyon.   \r\n\n\n\n    It is\tin France.' }));
    const { attempts } = await run(target);
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b', 'revise:llama3.2']);
    expect(attempts.find((attempt) => attempt.stage === 'revise')?.error).toBe('no change: the revision differs from its draft only in whitespace (a failed revision)');
    expect(attempts.some((attempt) => attempt.name === 'revision_repeated')).toBe(true);
  });

  it('a worse revision keeps its draft as the base, so the next revise call would repeat the first: it is not sent', async () => {
    const target = await start();
    target.simulator.script(
      'qwen2.5:0.5b',
      stagedScript({
        plan: planReply('names the city'),
        verify: (request) => ((request.body as { messages: { content: string }[] }).messages[0]!.content.includes('Marseille') ? rejected('Wrong city.', 'Hedges.') : rejected('Wrong city.')),
      }),
    );
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: 'Lyon, or Marseille.' }));
    const { attempts } = await run(target);
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b', 'revise:llama3.2', 'verify:qwen2.5:0.5b']);
    expectNoRepeatedCall(target.simulator.requests);
    expect(attempts.filter((attempt) => attempt.stage === 'decision').map((attempt) => attempt.name)).toEqual(['revision_base', 'revision_repeated', 'ladder_exhausted']);
  });

  it('a revision back to an earlier draft is unchanged too: its verdict is known', async () => {
    const target = await start();
    const verdictFor = (request: RecordedRequest) => ((request.body as { messages: { content: string }[] }).messages[0]!.content.includes('Paris, I think') ? rejected('Hedges.') : rejected('Wrong city.', 'Too short.'));
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: verdictFor }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: ['Paris, I think.', 'Lyon.'] }));
    const { attempts } = await run(target);
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b', 'revise:llama3.2', 'verify:qwen2.5:0.5b', 'revise:llama3.2']);
    expectNoRepeatedCall(target.simulator.requests);
    const generate = attempts.find((attempt) => attempt.stage === 'generate')!;
    expect(attempts.filter((attempt) => attempt.stage === 'revise').at(-1)?.error).toBe(
      `no change: the revision repeats the earlier draft ${generate.attemptId}, whitespace aside (a failed revision)`,
    );
  });

  it('an escalated tier that writes the same draft: the verifier is not asked again, its earlier verdict stands', async () => {
    const target = await start({ ladder: ['qwen3:8b'], maxRevisions: 0 });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: rejected('Wrong city.') }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.' }));
    target.simulator.script('qwen3:8b', stagedScript({ generate: 'Lyon.' }));
    const { attempts } = await run(target);
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b', 'generate:qwen3:8b']);
    const [first, second] = attempts.filter((attempt) => attempt.stage === 'verify');
    expect(second).toMatchObject({ cacheHit: true, verdict: 'REJECTED', issues: ['Wrong city.'], output: { data: { repeatOf: first!.attemptId } } });
  });
});

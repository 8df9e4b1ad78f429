/**
 * Issue 9: asking again after an unapproved answer ("regenerate") makes fresh calls; asking again
 * after an approved one is answered from the call cache. The cache is on, as by default.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../simulator/index.js';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: [], maxRevisions: 0, plan: 'always', onExhausted: 'best' };
const question = [{ role: 'user', content: 'What is the capital of France?' }];

type Completion = { choices: { message: { content: string } }[]; rlm: { run_id: string; approved: boolean } };
type Attempt = { stage: string; name: string | null; cacheHit: boolean; promptHash: string | null; output: { content: string; data?: Record<string, unknown> } | null };

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** The generator gets it right once told what was wrong; the verifier approves only Paris. */
async function start(profile: Record<string, unknown> = {}): Promise<Stack> {
  stack = await startStack({ rlmConfig: { profiles: { rlm: { ...PROFILE, ...profile } } } });
  const prompt = (request: RecordedRequest) => (request.body as { messages: { content: string }[] }).messages.map((message) => message.content).join('\n');
  stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: (request) => (prompt(request).includes('<draft>\nParis.\n</draft>') ? APPROVED : rejected('Wrong city.')) }));
  stack.simulator.script('llama3.2', stagedScript({ generate: (request) => (prompt(request).includes('Wrong city.') ? 'Paris.' : 'Lyon.') }));
  return stack;
}

const chats = (target: Stack): RecordedRequest[] => target.simulator.requests.filter((request) => request.path === '/api/chat');

async function ask(target: Stack): Promise<{ status: number; body: Completion; runId: string; attempts: Attempt[] }> {
  const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question });
  const runId = response.headers.get('x-rlm-run-id')!;
  const trace = (await (await fetch(`${target.url}/v1/rlm/runs/${runId}`)).json()) as { attempts: Attempt[] };
  return { status: response.status, body: response.json() as Completion, runId, attempts: trace.attempts };
}

const modelAttempts = (attempts: Attempt[]) => attempts.filter((attempt) => attempt.promptHash !== null);

describe('asking again', () => {
  it('after an unapproved answer: fresh calls with seeds +1 and the issues told; then the approved retry is served from the cache', async () => {
    const target = await start();
    const first = await ask(target);
    expect(first.body.rlm.approved).toBe(false);
    expect(chats(target)).toHaveLength(3);

    const retry = await ask(target);
    expect(chats(target)).toHaveLength(6);
    expect(chats(target).slice(3).map((request) => (request.body as { options: { seed: number } }).options.seed)).toEqual([43, 43, 43]);
    expect(modelAttempts(retry.attempts).every((attempt) => !attempt.cacheHit)).toBe(true);
    expect(retry.body.choices[0]!.message.content).toBe('Paris.');
    expect(retry.body.rlm.approved).toBe(true);
    expect(retry.attempts[0]).toMatchObject({
      stage: 'decision',
      name: 'retry',
      output: {
        content: `retry 1 of this request: run ${first.runId} ended unapproved; seeds +1, the generator told its 1 unresolved issue`,
        data: { retry: 1, after: first.runId, afterApproved: false, seeds: { plan: 43, generate: 43, verify: 43, revise: 43 }, previousIssues: ['Wrong city.'] },
      },
    });

    const again = await ask(target);
    expect(chats(target)).toHaveLength(6);
    expect(again.body.choices[0]!.message.content).toBe('Paris.');
    expect(again.body.rlm.approved).toBe(true);
    expect(modelAttempts(again.attempts).every((attempt) => attempt.cacheHit)).toBe(true);
    expect(again.attempts[0]).toMatchObject({ name: 'retry', output: { data: { retry: 1, after: retry.runId, afterApproved: true } } });
  });

  it('after a 422 pipeline_rejected: the retry makes fresh calls too', async () => {
    const target = await start({ onExhausted: 'error' });
    expect((await ask(target)).status).toBe(422);
    const retry = await ask(target);
    expect(chats(target)).toHaveLength(6);
    expect(retry.status).toBe(200);
    expect(retry.body.rlm.approved).toBe(true);
  });

  it('a second unapproved try is retry 2, with seeds +2', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: rejected('Wrong city.') }));
    await ask(target);
    await ask(target);
    const third = await ask(target);
    expect(chats(target)).toHaveLength(9);
    expect(chats(target).slice(6).map((request) => (request.body as { options: { seed: number } }).options.seed)).toEqual([44, 44, 44]);
    expect(third.attempts[0]?.output?.data).toMatchObject({ retry: 2 });
  });

  it('after an approved first answer: served from the cache, no retry', async () => {
    const target = await start();
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    await ask(target);
    const again = await ask(target);
    expect(chats(target)).toHaveLength(3);
    expect(again.attempts.some((attempt) => attempt.name === 'retry')).toBe(false);
    expect(modelAttempts(again.attempts).every((attempt) => attempt.cacheHit)).toBe(true);
  });
});

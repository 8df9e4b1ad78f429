import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript, stageLog } from '../support/staged-script.js';

/** The confidence for a sum of log-odds (src/orchestrator/loop/confidence.ts), to 3 decimals. */
const score = (logOdds: number): number => Math.round(1000 / (1 + Math.exp(-logOdds))) / 1000;
/** How far a verdict's probability moves it: its log-odds above those of the default 0.75. */
const sureness = (probability: number): number => Math.log(probability / (1 - probability)) - Math.log(3);

const PROFILE = {
  planner: 'qwen2.5:0.5b',
  generator: 'llama3.2',
  verifier: 'qwen2.5:0.5b',
  ladder: ['qwen3:8b'],
  maxRevisions: 1,
  plan: 'always',
};
const question = [{ role: 'user', content: 'What is the capital of France?' }];

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(profile: Record<string, unknown> = {}): Promise<Stack> {
  stack = await startStack({ rlmConfig: { profiles: { rlm: { ...PROFILE, ...profile } } } });
  return stack;
}

type Completion = {
  choices: { message: { content: string | null; tool_calls?: { function: { name: string; arguments: string } }[] }; finish_reason: string }[];
  usage: { total_tokens: number; prompt_tokens: number; completion_tokens: number };
  rlm: { run_id: string; approved: boolean; confidence: number; attempts: number; escalated: boolean; models: string[]; issues?: string[] };
};

async function ask(target: Stack, body: Record<string, unknown> = {}) {
  const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question, ...body });
  return { ...response, body: response.json() as Completion };
}

describe('the pipeline through /v1/chat/completions', () => {
  it('approved the first time: plan, generate, verify; the answer, approval and confidence reach the client', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const response = await ask(target);
    expect(response.status).toBe(200);
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'verify:qwen2.5:0.5b']);
    expect(response.body.choices[0]!.message.content).toBe('Paris.');
    // The simulator gives each token logprob -0.1, so the verdict token's probability is e^-0.1.
    const approvedBase = score(2 + sureness(Math.exp(-0.1)));
    expect(response.body.rlm).toMatchObject({ approved: true, confidence: approvedBase, escalated: false, models: ['qwen2.5:0.5b', 'llama3.2'] });
    expect(response.headers.get('x-rlm-run-id')).toBe(response.body.rlm.run_id);
    expect(response.headers.get('x-rlm-approved')).toBe('true');
    expect(response.headers.get('x-rlm-confidence')).toBe(String(approvedBase));
  });

  it('rejected -> revised -> approved: the reviser gets the draft and the issues', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('It names the wrong city.'), APPROVED] }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: 'Paris.' }));
    const response = await ask(target);
    expect(stageLog(target.simulator.requests)).toEqual([
      'plan:qwen2.5:0.5b',
      'generate:llama3.2',
      'verify:qwen2.5:0.5b',
      'revise:llama3.2',
      'verify:qwen2.5:0.5b',
    ]);
    const revise = target.simulator.requests.filter((request) => request.path === '/api/chat')[3]!.body as { messages: { content: string }[] };
    expect(revise.messages[0]!.content).toContain('Lyon.');
    expect(revise.messages[0]!.content).toContain('It names the wrong city.');
    expect(response.body.choices[0]!.message.content).toBe('Paris.');
    expect(response.body.rlm.approved).toBe(true);
    expect(response.body.rlm.confidence).toBe(score(2 + sureness(Math.exp(-0.1)))); // a revision is no penalty
  });

  it('rejected past maxRevisions -> escalated to the ladder -> approved, told what the tier below got wrong', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('Wrong city.'), rejected('Still wrong.'), APPROVED] }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.', revise: 'Marseille.' }));
    target.simulator.script('qwen3:8b', stagedScript({ generate: 'Paris.' }));
    const response = await ask(target);
    expect(stageLog(target.simulator.requests)).toEqual([
      'plan:qwen2.5:0.5b',
      'generate:llama3.2',
      'verify:qwen2.5:0.5b',
      'revise:llama3.2',
      'verify:qwen2.5:0.5b',
      'generate:qwen3:8b',
      'verify:qwen2.5:0.5b',
    ]);
    const escalated = target.simulator.requests.filter((request) => request.path === '/api/chat')[5]!.body as { messages: { content: string }[]; think?: boolean };
    expect(escalated.messages[0]!.content).toContain('Still wrong.');
    expect(escalated.think).toBe(false);
    expect(response.body.choices[0]!.message.content).toBe('Paris.');
    expect(response.body.rlm).toMatchObject({ approved: true, escalated: true, confidence: score(2 + sureness(Math.exp(-0.1)) + 0.6) });
  });

  it('ladder exhausted with "best": the best draft, flagged unapproved, with its issues', async () => {
    const target = await start({ onExhausted: 'best', maxRevisions: 0 });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('a', 'b'), rejected('c')] }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.' }));
    target.simulator.script('qwen3:8b', stagedScript({ generate: 'Paris, probably.' }));
    const response = await ask(target);
    expect(response.status).toBe(200);
    expect(response.body.choices[0]!.message.content).toBe('Paris, probably.\n\n---\n⚠ rlm could not verify this answer. Unresolved: c.');
    expect(response.body.rlm).toMatchObject({ approved: false, issues: ['c'], unapproved_note: true });
    // Rejected at tier 1 with q = e^-0.1: -0.5 - 4 (q - 0.75) + 0.6 for the tier.
    expect(response.body.rlm.confidence).toBe(score(-0.5 - sureness(Math.exp(-0.1)) + 0.6));
    expect(response.headers.get('x-rlm-approved')).toBe('false');
  });

  it('ladder exhausted with "error": 422 naming the run, no retry', async () => {
    const target = await start({ onExhausted: 'error', maxRevisions: 0, ladder: [] });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: rejected('Wrong city.') }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.' }));
    const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question });
    expect(response.status).toBe(422);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const error = (response.json() as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('pipeline_rejected');
    expect(error.message).toContain(response.headers.get('x-rlm-run-id')!);
    expect(error.message).toContain('Wrong city.');
  });

  it("uses the verifier's verdict-token probability where Ollama returns logprobs", async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: { content: APPROVED, logprob: Math.log(0.5) } }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const response = await ask(target);
    expect(response.body.rlm.confidence).toBe(score(2 + sureness(0.5)));
    const verify = target.simulator.requests.filter((request) => request.path === '/api/chat')[2]!.body as { logprobs?: boolean };
    expect(verify.logprobs).toBe(true);
  });

  it('an unreadable verifier answer counts as REJECTED (fail closed)', async () => {
    const target = await start({ maxRevisions: 0, ladder: [] });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: 'looks fine to me!' }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const response = await ask(target);
    expect(response.body.rlm.approved).toBe(false);
    expect(response.body.rlm.issues?.[0]).toMatch(/no readable verdict/);
  });

  it('a verdict that names its key twice is unreadable, so REJECTED, whichever value comes last', async () => {
    const target = await start({ maxRevisions: 0, ladder: [] });
    const twoVerdicts = '{"verdict":"REJECTED","issues":["It names the wrong city."],"verdict":"APPROVED"}';
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: twoVerdicts }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Lyon.' }));
    const response = await ask(target);
    expect(response.body.rlm.approved).toBe(false);
    const run = (await (await fetch(`${target.url}/v1/rlm/runs/${response.body.rlm.run_id}`)).json()) as { attempts: { stage: string; verdict: string; error: string }[] };
    expect(run.attempts.find((attempt) => attempt.stage === 'verify')).toMatchObject({
      verdict: 'REJECTED',
      error: 'unreadable verdict: the key "verdict" appears twice in one object',
    });
  });

  it('a plan that names a key twice is unreadable: recorded, and the run goes on without it', async () => {
    const target = await start({ maxRevisions: 0, ladder: [] });
    const twoPlans = '{"strategy":"Answer.","checks":["names Paris"],"checks":[]}';
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: twoPlans, verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const response = await ask(target);
    const run = (await (await fetch(`${target.url}/v1/rlm/runs/${response.body.rlm.run_id}`)).json()) as { attempts: { stage: string; error: string | null }[] };
    expect(run.attempts.find((attempt) => attempt.stage === 'plan')?.error).toBe('the plan is not the JSON that was asked for: the key "checks" appears twice in one object');
    const verifyPrompt = target.simulator.requests.filter((request) => request.path === '/api/chat').at(-1)?.body as { messages: { content: string }[] };
    expect(verifyPrompt.messages[0]?.content).not.toContain('names Paris');
  });

  it('a draft that fails a deterministic check is rejected without asking the verifier', async () => {
    const target = await start({ maxRevisions: 1, ladder: [] });
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('valid JSON'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: '{"town": "Paris"}', revise: '{"city": "Paris"}' }));
    const response = await ask(target, { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } } });
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'revise:llama3.2', 'verify:qwen2.5:0.5b']);
    const revise = target.simulator.requests.filter((request) => request.path === '/api/chat')[2]!.body as { messages: { content: string }[]; format: unknown };
    expect(revise.messages[0]!.content).toMatch(/missing required property "city"/);
    expect(revise.format).toEqual(schema);
    expect(JSON.parse(response.body.choices[0]!.message.content!)).toEqual({ city: 'Paris' });
    expect(response.body.rlm.approved).toBe(true);
  });

  it("validates tool-call arguments against the tool's parameter schema", async () => {
    const target = await start({ maxRevisions: 1, ladder: [] });
    const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('calls the tool'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: { toolCalls: [{ name: 'weather', arguments: { town: 'Paris' } }] }, revise: { toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] } }));
    const response = await ask(target, { tools });
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'revise:llama3.2', 'verify:qwen2.5:0.5b']);
    expect(response.body.choices[0]!.finish_reason).toBe('tool_calls');
    expect(JSON.parse(response.body.choices[0]!.message.tool_calls![0]!.function.arguments)).toEqual({ city: 'Paris' });
  });

  it('plan "auto" skips planning for a short plain question and records that it did', async () => {
    const target = await start({ plan: 'auto' });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const response = await ask(target);
    expect(stageLog(target.simulator.requests)).toEqual(['generate:llama3.2', 'verify:qwen2.5:0.5b']);
    const run = (await (await fetch(`${target.url}/v1/rlm/runs/${response.body.rlm.run_id}`)).json()) as { attempts: { stage: string; name: string | null }[] };
    expect(run.attempts[0]).toMatchObject({ stage: 'decision', name: 'plan_skipped' });
  });

  it('usage is the sum over every attempt', async () => {
    const target = await start({ maxRevisions: 0, ladder: [] });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: { content: planReply('x'), promptEvalCount: 10, evalCount: 5 }, verify: { content: APPROVED, promptEvalCount: 20, evalCount: 3 } }));
    target.simulator.script('llama3.2', stagedScript({ generate: { content: 'Paris.', promptEvalCount: 30, evalCount: 2 } }));
    const response = await ask(target);
    expect(response.body.usage).toEqual({ prompt_tokens: 60, completion_tokens: 10, total_tokens: 70 });
  });
});

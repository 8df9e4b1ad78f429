import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runIdDate } from '../../src/orchestrator/service/run-id.js';
import { postJson, sseEvents, startStack, type Stack, type StackOptions } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript, stageLog } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: [], maxRevisions: 1, plan: 'always' };
const question = [{ role: 'user', content: 'What is the capital of France?' }];

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(options: StackOptions & { profile?: Record<string, unknown> } = {}): Promise<Stack> {
  stack = await startStack({ ...options, rlmConfig: { profiles: { rlm: { ...PROFILE, ...options.profile } } } });
  return stack;
}

type Chunk = { choices: { delta: { content?: string; reasoning_content?: string; role?: string }; finish_reason: string | null }[]; rlm?: { approved: boolean } };

describe('streaming a pipeline run', () => {
  it('sends stage progress as reasoning_content, then the answer as content, finish with the rlm object, usage, [DONE]', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city', 'is one word'), verify: [rejected('Wrong city.', 'Too long.'), APPROVED] }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'The capital of France is Lyon, a city on the Rhône.', revise: 'The capital of France is Paris, on the Seine.' }));
    const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', stream: true, stream_options: { include_usage: true }, messages: question });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-rlm-run-id')).toMatch(/^run-/);
    const events = sseEvents(response.text);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    const reasoning = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('');
    expect(reasoning).toBe(
      [
        'plan: 2 checks (qwen2.5:0.5b)',
        'generate: draft from llama3.2 (tier 0)',
        'verify: REJECTED, 2 issues (qwen2.5:0.5b)',
        'revise: revised by llama3.2',
        'verify: APPROVED (qwen2.5:0.5b)',
        '',
      ].join('\n'),
    );
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('The capital of France is Paris, on the Seine.');
    // No delta carries both reasoning and content; the draft that was rejected never reaches content.
    for (const chunk of chunks) {
      const delta = chunk.choices[0]?.delta;
      expect(delta?.content !== undefined && delta.content !== '' && delta.reasoning_content !== undefined).toBe(false);
    }
    expect(response.text).not.toContain('Lyon');
    const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason === 'stop');
    expect(finish?.rlm).toMatchObject({ approved: true });
    expect((chunks.at(-1) as { choices: unknown[]; usage?: unknown }).choices).toEqual([]);
  });

  it('progress can be turned off per profile', async () => {
    const target = await start({ profile: { progress: false } });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', stream: true, messages: question });
    expect(response.text).not.toContain('reasoning_content');
    expect(response.text).toContain('Paris.');
  });

  it('sends `: keep-alive` comments while stages run', async () => {
    const target = await start({ config: { keepAliveMs: 50 }, simulator: { firstTokenLatencyMs: 200 } });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', stream: true, messages: question });
    expect(response.text).toContain('\n\n: keep-alive\n\n');
    expect(response.text).not.toContain(': ping');
  });

  it('a client that disconnects mid-run aborts the model call in flight and the run is recorded as aborted', async () => {
    const target = await start({ simulator: { firstTokenLatencyMs: 300 } });
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const controller = new AbortController();
    const response = await fetch(`${target.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'rlm', stream: true, messages: question }),
      signal: controller.signal,
    });
    const runId = response.headers.get('x-rlm-run-id')!;
    await target.simulator.waitFor(() => target.simulator.requests.some((request) => request.path === '/api/chat'));
    controller.abort();
    await target.simulator.waitFor((stats) => stats.aborted === 1 && stats.inFlight === 0);
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b']);
    // The run's record is written durably even though nobody is waiting for it.
    const file = join(target.dataDir, 'runs', runIdDate(runId)!, `${runId}.jsonl`);
    await expect.poll(async () => (await readFile(file, 'utf8').catch(() => '')).includes('"stage":"finish"')).toBe(true);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { stage?: string; name?: string; error?: string | null });
    expect(lines.at(-1)).toMatchObject({ stage: 'finish', name: 'aborted' });
    expect(lines.at(-2)).toMatchObject({ stage: 'plan', error: expect.stringMatching(/closed the connection/) });
  });
});

describe('determinism and the call cache', () => {
  it('the same request twice gives the same prompt hashes and answer, the second from cache', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const first = (await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question })).json() as { choices: { message: { content: string } }[]; rlm: { run_id: string } };
    const modelCalls = target.simulator.requests.length;
    const second = (await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question })).json() as typeof first;
    expect(second.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
    expect(target.simulator.requests.filter((request) => request.path === '/api/chat').length).toBe(
      target.simulator.requests.slice(0, modelCalls).filter((request) => request.path === '/api/chat').length,
    );
    type Run = { attempts: { stage: string; promptHash: string | null; inputHash: string; cacheHit: boolean }[] };
    const runOf = async (id: string) => (await (await fetch(`${target.url}/v1/rlm/runs/${id}`)).json()) as Run;
    const [one, two] = [await runOf(first.rlm.run_id), await runOf(second.rlm.run_id)];
    const modelAttempts = (run: Run) => run.attempts.filter((attempt) => attempt.promptHash !== null);
    expect(modelAttempts(two).map((attempt) => attempt.promptHash)).toEqual(modelAttempts(one).map((attempt) => attempt.promptHash));
    expect(modelAttempts(two).map((attempt) => attempt.inputHash)).toEqual(modelAttempts(one).map((attempt) => attempt.inputHash));
    expect(modelAttempts(one).every((attempt) => !attempt.cacheHit)).toBe(true);
    expect(modelAttempts(two).every((attempt) => attempt.cacheHit)).toBe(true);
  });

  it('the cache can be turned off', async () => {
    stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE }, cache: { enabled: false } } });
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: APPROVED }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    await postJson(`${stack.url}/v1/chat/completions`, { model: 'rlm', messages: question });
    await postJson(`${stack.url}/v1/chat/completions`, { model: 'rlm', messages: question });
    expect(stageLog(stack.simulator.requests)).toHaveLength(6);
  });
});

describe('limits and the runs API', () => {
  it('queues runs beyond the limit and answers 429 with Retry-After when the queue is full', async () => {
    stack = await startStack({
      rlmConfig: { profiles: { rlm: PROFILE }, maxConcurrentRuns: 1, maxQueuedRuns: 1, cache: { enabled: false } },
      simulator: { firstTokenLatencyMs: 150 },
    });
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: APPROVED }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const url = `${stack.url}/v1/chat/completions`;
    const first = postJson(url, { model: 'rlm', messages: question });
    await stack.simulator.waitFor(() => (stack?.simulator.requests.length ?? 0) > 0);
    const second = postJson(url, { model: 'rlm', messages: question });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const third = await postJson(url, { model: 'rlm', messages: question });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((third.json() as { error: { type: string } }).error.type).toBe('rate_limit_error');
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
  });

  it('lists recent runs newest first, paged, and shows one with its attempts', async () => {
    let clock = Date.parse('2026-11-24T10:00:00Z');
    stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } }, now: () => (clock += 1000) });
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: APPROVED }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const response = await postJson(`${stack.url}/v1/chat/completions`, { model: 'rlm', messages: [{ role: 'user', content: `Question ${index}?` }] });
      ids.push(response.headers.get('x-rlm-run-id')!);
    }
    const page = (await (await fetch(`${stack.url}/v1/rlm/runs?limit=2`)).json()) as { data: { runId: string; approved: boolean }[]; next: string | null };
    expect(page.data.map((run) => run.runId)).toEqual([ids[2], ids[1]]);
    expect(page.data[0]!.approved).toBe(true);
    const rest = (await (await fetch(`${stack.url}/v1/rlm/runs?limit=2&before=${page.next}`)).json()) as typeof page;
    expect(rest.data.map((run) => run.runId)).toEqual([ids[0]]);
    const missing = await fetch(`${stack.url}/v1/rlm/runs/run-does-not-exist`);
    expect(missing.status).toBe(404);
  });
});

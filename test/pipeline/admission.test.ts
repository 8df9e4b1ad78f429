/** What is refused before a pipeline run starts, with a real HTTP status even for streaming requests. */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack, type Stack, type StackOptions } from '../support/stack.js';
import type { RecordedRequest, Reply } from '../simulator/index.js';
import { APPROVED, planReply, stagedScript } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', plan: 'always' };
const question = [{ role: 'user', content: 'What is the capital of France?' }];
type ErrorBody = { error: { message: string; code: string; type: string; param: string | null } };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(profiles: Record<string, unknown>, options: StackOptions = {}): Promise<Stack> {
  stack = await startStack({ ...options, rlmConfig: { profiles, ...(options.rlmConfig as object | undefined) } });
  stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('x'), verify: APPROVED }));
  stack.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
  return stack;
}

describe('admission before the stream opens', () => {
  it('a full run queue is a real 429 with Retry-After, and names no run', async () => {
    const target = await start({ rlm: PROFILE }, { rlmConfig: { maxConcurrentRuns: 1, maxQueuedRuns: 0 }, simulator: { firstTokenLatencyMs: 300 } });
    const url = `${target.url}/v1/chat/completions`;
    const first = postJson(url, { model: 'rlm', messages: question });
    await target.simulator.waitFor(() => target.simulator.requests.some((request) => request.path === '/api/chat'));
    const second = await postJson(url, { model: 'rlm', stream: true, messages: question });
    expect(second.status).toBe(429);
    expect(second.headers.get('content-type')).toBe('application/json');
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(second.headers.get('x-rlm-run-id')).toBeNull();
    expect((second.json() as ErrorBody).error.code).toBe('run_queue_full');
    expect((await first).status).toBe(200);
  });

  it('100 concurrent streaming requests against 2 slots and 3 queue places: 5 streams, 95 real 429s, every run id names a run', async () => {
    const gate = deferred();
    const target = await start({ rlm: PROFILE }, { rlmConfig: { maxConcurrentRuns: 2, maxQueuedRuns: 3 } });
    const verifier = stagedScript({ plan: planReply('x'), verify: APPROVED }) as (request: RecordedRequest) => Reply;
    target.simulator.script('qwen2.5:0.5b', async (request) => {
      await gate.promise;
      return verifier(request);
    });
    const url = `${target.url}/v1/chat/completions`;
    const body = JSON.stringify({ model: 'rlm', stream: true, messages: question });
    // fetch resolves at the headers: every admitted stream has opened, every refusal has been sent.
    const responses = await Promise.all(Array.from({ length: 100 }, () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(95);
    gate.resolve();
    const texts = await Promise.all(responses.map((response) => response.text()));
    for (const [index, response] of responses.entries()) {
      const runId = response.headers.get('x-rlm-run-id');
      if (response.status === 429) {
        expect(runId).toBeNull();
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
        expect((JSON.parse(texts[index] as string) as ErrorBody).error.code).toBe('run_queue_full');
        continue;
      }
      expect(texts[index]).not.toContain('"error"');
      const run = await fetch(`${target.url}/v1/rlm/runs/${runId}`);
      expect(run.status).toBe(200);
      expect(((await run.json()) as { summary: { status: string } }).summary.status).toBe('completed');
    }
  });

  it('a queued run whose client leaves before it starts is recorded as aborted, with its request', async () => {
    const gate = deferred();
    const target = await start({ rlm: PROFILE }, { rlmConfig: { maxConcurrentRuns: 1, maxQueuedRuns: 1 } });
    const verifier = stagedScript({ plan: planReply('x'), verify: APPROVED }) as (request: RecordedRequest) => Reply;
    target.simulator.script('qwen2.5:0.5b', async (request) => {
      await gate.promise;
      return verifier(request);
    });
    const url = `${target.url}/v1/chat/completions`;
    const first = postJson(url, { model: 'rlm', messages: question });
    await target.simulator.waitFor(() => target.simulator.requests.some((request) => request.path === '/api/chat'));
    const controller = new AbortController();
    const queued = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'rlm', stream: true, messages: [{ role: 'user', content: 'Who waits?' }] }),
      signal: controller.signal,
    });
    expect(queued.status).toBe(200);
    const runId = queued.headers.get('x-rlm-run-id') as string;
    controller.abort();
    let run: { summary: { status: string }; header: { request: { messages: unknown[] } }; attempts: { stage: string; output: { data: { reason: string } } }[] } | undefined;
    for (let poll = 0; run?.summary.status !== 'aborted'; poll++) {
      if (poll > 100) throw new Error(`run ${runId} was not recorded as aborted: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      run = (await (await fetch(`${target.url}/v1/rlm/runs/${runId}`)).json()) as typeof run;
    }
    expect(run?.header.request.messages).toEqual([{ role: 'user', content: 'Who waits?' }]);
    expect(run?.attempts.map((attempt) => attempt.stage)).toEqual(['finish']);
    expect(run?.attempts[0]?.output.data.reason).toBe('the client went away while the run waited for a slot');
    gate.resolve();
    expect((await first).status).toBe(200);
    // The place it held went back: a new run is admitted.
    expect((await postJson(url, { model: 'rlm', messages: question })).status).toBe(200);
  });

  it('tools on a profile whose generator cannot call them are a 400 naming the model', async () => {
    const target = await start({ rlm: { ...PROFILE, generator: 'qwen2.5-coder:1.5b' } });
    const response = await postJson(`${target.url}/v1/chat/completions`, {
      model: 'rlm',
      stream: true,
      messages: question,
      tools: [{ type: 'function', function: { name: 'lookup' } }],
    });
    expect(response.status).toBe(400);
    expect((response.json() as ErrorBody).error).toMatchObject({ param: 'tools', code: 'model_capability_missing', message: expect.stringContaining('qwen2.5-coder:1.5b') });
    expect(target.simulator.requests.some((request) => request.path === '/api/chat')).toBe(false);
  });

  it('a model that cannot chat (an embedding model) is refused: a 400 for rlm/<model>, a 500 for a configured profile', async () => {
    const target = await start({ rlm: PROFILE, embedder: { ...PROFILE, verifier: 'nomic-embed-text' } });
    const chosen = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm/nomic-embed-text', stream: true, messages: question });
    expect(chosen.status).toBe(400);
    expect((chosen.json() as ErrorBody).error).toMatchObject({ param: 'model', code: 'model_cannot_chat' });
    const configured = await postJson(`${target.url}/v1/chat/completions`, { model: 'embedder', stream: true, messages: question });
    expect(configured.status).toBe(500);
    expect((configured.json() as ErrorBody).error).toMatchObject({ code: 'profile_model_cannot_chat', message: expect.stringContaining('nomic-embed-text') });
  });

  it('a profile grounded in an index that does not exist says how to build it', async () => {
    const target = await start({ rlm: { ...PROFILE, index: 'docs' } });
    const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', stream: true, messages: question });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect((response.json() as ErrorBody).error).toMatchObject({ code: 'profile_index_missing', message: expect.stringContaining('rlm index <folder> --name docs') });
  });

  it('an unknown model lists the pipeline models too, and does not tell anyone to `ollama pull rlm`', async () => {
    const target = await start({ fast: PROFILE });
    const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question });
    expect(response.status).toBe(404);
    const { message } = (response.json() as ErrorBody).error;
    expect(message).toContain('Pipeline models: fast, rlm/');
    expect(message).not.toContain('ollama pull');
  });
});

describe('stage options', () => {
  it("stages use the server's --num-ctx unless the profile sets one, so Ollama never reloads a model for another size", async () => {
    const target = await start({ rlm: { ...PROFILE, stages: { verify: { num_ctx: 2048 } } } }, { config: { numCtx: 16384 } });
    await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question });
    const sizes = target.simulator.requests
      .filter((request) => request.path === '/api/chat')
      .map((request) => (request.body as { options: { num_ctx?: number } }).options.num_ctx);
    expect(sizes).toEqual([16384, 16384, 2048]);
  });

  it('browsers can read the x-rlm headers', async () => {
    const target = await start({ rlm: PROFILE });
    const response = await fetch(`${target.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173' },
      body: JSON.stringify({ model: 'rlm', messages: question }),
    });
    expect(response.headers.get('access-control-expose-headers')).toContain('x-rlm-run-id');
    expect(response.headers.get('access-control-expose-headers')).toContain('x-rlm-confidence');
  });
});

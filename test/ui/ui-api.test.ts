/** The API the web page reads: the run-events feed, the runs list's filters, a run's chain status, and the page's own files. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, rejected, stagedScript } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', maxRevisions: 0, plan: 'never', onExhausted: 'best' };
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE, other: PROFILE } } });
});
afterAll(async () => {
  await stack.close();
});

const ask = (content: string, model = 'rlm'): ReturnType<typeof postJson> => postJson(`${stack.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content }] });
const list = async (query: string): Promise<{ status: number; body: { data: { runId: string; question: string }[]; next: string | null; scanned?: number } }> => {
  const response = await fetch(`${stack.url}/v1/rlm/runs?${query}`);
  return { status: response.status, body: (await response.json()) as never };
};

describe('the web page API', () => {
  it('feeds run events: started, updated per step, finished with the summary', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ verify: APPROVED }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Four.' }));
    const controller = new AbortController();
    const feed = await fetch(`${stack.url}/v1/rlm/run-events`, { signal: controller.signal });
    expect(feed.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = feed.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: { event: string; run: { runId: string; status: string; approved: boolean; question: string } }[] = [];
    const answered = ask('Two plus two?');
    let text = '';
    while (!events.some((event) => event.event === 'finished')) {
      const { value } = await reader.read();
      text += value ?? '';
      const blocks = text.split('\n\n');
      text = blocks.pop() ?? '';
      for (const block of blocks) if (block.startsWith('data: ')) events.push(JSON.parse(block.slice(6)) as never);
    }
    const runId = (await answered).headers.get('x-rlm-run-id');
    controller.abort();
    expect(events[0]).toMatchObject({ event: 'started', run: { runId, status: 'running', question: 'Two plus two?' } });
    expect(events.some((event) => event.event === 'updated')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'finished', run: { runId, status: 'completed', approved: true } });
  });

  it('filters the runs list by status, profile and text, and refuses an unknown status', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ verify: [rejected('No.'), APPROVED] }));
    stack.simulator.script('llama3.2', stagedScript({ generate: 'Draft.' }));
    await ask('Rejected question about otters');
    await ask('Approved question about badgers', 'other');
    expect((await list('status=unapproved')).body.data.map((run) => run.question)).toEqual(['Rejected question about otters']);
    expect((await list('profile=other')).body.data.map((run) => run.question)).toEqual(['Approved question about badgers']);
    expect((await list('q=BADGERS')).body.data.map((run) => run.question)).toEqual(['Approved question about badgers']);
    const paged = await list('status=approved&limit=1');
    expect(paged.body.data).toHaveLength(1);
    expect(paged.body.next).not.toBeNull();
    const rest = await list(`status=approved&limit=10&before=${paged.body.next}`);
    expect(rest.body.data.map((run) => run.runId)).not.toContain(paged.body.data[0]!.runId);
    expect((await list('status=bogus')).status).toBe(400);
  });

  it("reports a run's hash chain on request", async () => {
    const { body } = await list('limit=1');
    const response = await fetch(`${stack.url}/v1/rlm/runs/${body.data[0]!.runId}?chain=1`);
    expect(((await response.json()) as { chain: unknown }).chain).toMatchObject({ state: 'intact', problems: [] });
  });

  it('serves only the files the build writes, with the security headers', async () => {
    const redirect = await fetch(`${stack.url}/ui`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([302, '/ui/']);
    for (const bad of ['/ui/..%2Fpackage.json', '/ui/main.ts', '/ui/.build-stamp']) expect((await fetch(`${stack.url}${bad}`)).status).toBe(404);
    const index = await fetch(`${stack.url}/ui/`);
    if (index.status === 404) return; // dist/ui not built here; the browser suite builds it
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('the web page with an API key set', () => {
  let keyed: Stack;
  beforeAll(async () => {
    keyed = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } }, config: { apiKey: 'page-key' } });
  });
  afterAll(async () => {
    await keyed.close();
  });

  it('serves the page without the key, so it can ask for it, and nothing else', async () => {
    expect((await fetch(`${keyed.url}/ui/`)).status).toBe(200);
    expect((await fetch(`${keyed.url}/v1/rlm/runs`)).status).toBe(401);
    expect((await fetch(`${keyed.url}/v1/rlm/run-events`)).status).toBe(401);
    expect((await fetch(`${keyed.url}/ui/../v1/rlm/runs`)).status).not.toBe(200);
    expect((await fetch(`${keyed.url}/v1/rlm/runs`, { headers: { authorization: 'Bearer page-key' } })).status).toBe(200);
  });
});

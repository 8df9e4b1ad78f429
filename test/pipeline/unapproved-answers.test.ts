/**
 * Issue 9: what leaves the server when no tier got approval (onExhausted "best"). Clients that
 * ignore the `rlm` object and the x-rlm-* headers must still be able to tell: a text answer carries
 * a marked note, an answer that must parse is a 422 or bare, and tool calls that failed their
 * argument check are never returned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, sseEvents, startStack, type Stack, type StackOptions } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript, stageLog } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', ladder: [], maxRevisions: 0, plan: 'always', onExhausted: 'best' };
const question = [{ role: 'user', content: 'What is the capital of France?' }];
const NOTE = '\n\n---\n⚠ rlm could not verify this answer. Unresolved: It names the wrong city; It is too long.';

type Rlm = { run_id: string; approved: boolean; issues?: string[]; unapproved_note?: boolean };
type Completion = { choices: { message: { content: string | null; tool_calls?: unknown[] }; finish_reason: string }[]; rlm: Rlm };
type Chunk = { choices: { delta: { content?: string; reasoning_content?: string; tool_calls?: unknown[] }; finish_reason: string | null }[]; rlm?: Rlm };
type ErrorBody = { error: { message: string; type: string; code: string; param: string | null } };

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(profile: Record<string, unknown> = {}, options: StackOptions = {}): Promise<Stack> {
  stack = await startStack({ ...options, rlmConfig: { profiles: { rlm: { ...PROFILE, ...profile } } } });
  return stack;
}

/** The verifier rejects every draft with `issues`; the generator writes `draft`. */
function rejectEverything(target: Stack, draft: string, issues: string[] = ['It names the wrong city.', 'It is too long.']): void {
  target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: rejected(...issues) }));
  target.simulator.script('llama3.2', stagedScript({ generate: draft }));
}

const chat = (target: Stack, body: Record<string, unknown> = {}) => postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', messages: question, ...body });

function chunksOf(text: string): Chunk[] {
  return sseEvents(text).filter((event): event is Chunk => typeof event === 'object' && event !== null && 'choices' in event);
}

describe('an unapproved text answer', () => {
  it('carries a marked note of its unresolved issues after the answer, and rlm.unapproved_note says so', async () => {
    const target = await start();
    rejectEverything(target, 'Lyon.');
    const response = await chat(target);
    expect(response.status).toBe(200);
    const body = response.json() as Completion;
    expect(body.choices[0]!.message.content).toBe(`Lyon.${NOTE}`);
    expect(body.rlm).toMatchObject({ approved: false, issues: ['It names the wrong city.', 'It is too long.'], unapproved_note: true });
    expect(response.headers.get('x-rlm-approved')).toBe('false');
  });

  it('comes back in the history without reaching the models: the trace keeps it, the prompts do not', async () => {
    const target = await start();
    rejectEverything(target, 'Lyon.');
    const history = [...question, { role: 'assistant', content: `Lyon.${NOTE}` }, { role: 'user', content: 'Are you sure?' }];
    const body = (await chat(target, { messages: history })).json() as Completion;
    const prompts = target.simulator.requests.filter((entry) => entry.path === '/api/chat').map((entry) => JSON.stringify(entry.body));
    expect(prompts.length).toBeGreaterThan(0);
    for (const prompt of prompts) expect(prompt).not.toContain('could not verify');
    expect(prompts.some((prompt) => prompt.includes('Lyon.'))).toBe(true);
    const run = (await (await fetch(`${target.url}/v1/rlm/runs/${body.rlm.run_id}`)).json()) as { request?: { messages: { content: string }[] }; header?: { request: { messages: { content: string }[] } } };
    const recorded = run.request ?? run.header?.request;
    expect(recorded?.messages[1]?.content).toBe(`Lyon.${NOTE}`);
  });

  it('the note is bounded: three issues named, each on one line and cut at 200 characters, the rest counted', async () => {
    const target = await start();
    const long = `It ${'rambles '.repeat(40)}on.`;
    rejectEverything(target, 'Lyon.', ['First\nproblem.', long, 'Third.', 'Fourth.', 'Fifth.']);
    const body = (await chat(target)).json() as Completion;
    const note = body.choices[0]!.message.content!.slice('Lyon.'.length);
    const cut = `${`It ${'rambles '.repeat(40)}`.slice(0, 199).trimEnd()}…`;
    expect(note).toBe(`\n\n---\n⚠ rlm could not verify this answer. Unresolved: First problem; ${cut}; Third (and 2 more).`);
    expect(body.rlm.issues).toHaveLength(5);
  });

  it('unapprovedText "bare": the answer unchanged, marked only in rlm and the headers', async () => {
    const target = await start({ unapprovedText: 'bare' });
    rejectEverything(target, 'Lyon.');
    const response = await chat(target);
    const body = response.json() as Completion;
    expect(body.choices[0]!.message.content).toBe('Lyon.');
    expect(body.rlm).toMatchObject({ approved: false, unapproved_note: false });
    expect(response.headers.get('x-rlm-approved')).toBe('false');
  });

  it('an approved answer is never marked, and its rlm object has no unapproved_note', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: 'Paris.' }));
    const body = (await chat(target)).json() as Completion;
    expect(body.choices[0]!.message.content).toBe('Paris.');
    expect(body.rlm.approved).toBe(true);
    expect('unapproved_note' in body.rlm).toBe(false);
  });

  it('streaming: the note is its own content delta, after the answer and before the finish chunk', async () => {
    const target = await start();
    rejectEverything(target, 'The capital of France is Lyon, a city on the Rhône.');
    const response = await chat(target, { stream: true });
    expect(response.status).toBe(200);
    const chunks = chunksOf(response.text);
    const contents = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').filter((content) => content !== '');
    expect(contents.at(-1)).toBe(NOTE);
    expect(contents.slice(0, -1).join('')).toBe('The capital of France is Lyon, a city on the Rhône.');
    const noteAt = chunks.findIndex((chunk) => chunk.choices[0]?.delta.content === NOTE);
    const finishAt = chunks.findIndex((chunk) => chunk.choices[0]?.finish_reason !== null && chunk.choices[0]?.finish_reason !== undefined);
    expect(finishAt).toBe(noteAt + 1);
    expect(chunks[finishAt]!.rlm).toMatchObject({ approved: false, unapproved_note: true });
    expect(sseEvents(response.text).at(-1)).toBe('[DONE]');
  });
});

describe('an unapproved answer that must parse', () => {
  const jsonObject = { response_format: { type: 'json_object' } };

  it('is a 422 by default, naming the run, the unresolved issues and the knob to change', async () => {
    const target = await start();
    rejectEverything(target, '{"city": "Lyon"}');
    const response = await chat(target, jsonObject);
    expect(response.status).toBe(422);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(response.headers.get('x-rlm-approved')).toBe('false');
    const runId = response.headers.get('x-rlm-run-id')!;
    const { error } = response.json() as ErrorBody;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'unverified_structured_answer', param: null });
    expect(error.message).toContain(`(run ${runId})`);
    expect(error.message).toContain('Unresolved: It names the wrong city; It is too long.');
    expect(error.message).toContain('"unapprovedStructured": "bare"');
    expect(response.text).not.toContain('Lyon');
  });

  it('unapprovedStructured "bare": the answer exactly as drafted, never a note', async () => {
    const target = await start({ unapprovedStructured: 'bare' });
    rejectEverything(target, '{"city": "Lyon"}');
    const response = await chat(target, { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } } });
    expect(response.status).toBe(200);
    const body = response.json() as Completion;
    expect(body.choices[0]!.message.content).toBe('{"city": "Lyon"}');
    expect(body.rlm).toMatchObject({ approved: false, unapproved_note: false });
  });

  it('streaming, refused before one keep-alive interval passed: a real HTTP 422, not an error event after a 200', async () => {
    const target = await start();
    rejectEverything(target, '{"city": "Lyon"}');
    const response = await chat(target, { ...jsonObject, stream: true });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-rlm-run-id')).toMatch(/^run-/);
    expect((response.json() as ErrorBody).error.code).toBe('unverified_structured_answer');
  });

  it('streaming, refused after the stream had to open: progress, then a final error event, never the content', async () => {
    const target = await start({}, { config: { keepAliveMs: 50 }, simulator: { firstTokenLatencyMs: 120 } });
    rejectEverything(target, '{"city": "Lyon"}');
    const response = await chat(target, { ...jsonObject, stream: true });
    expect(response.status).toBe(200);
    const events = sseEvents(response.text);
    const last = events.at(-1) as ErrorBody;
    expect(last.error.code).toBe('unverified_structured_answer');
    expect(events).not.toContain('[DONE]');
    const chunks = chunksOf(response.text);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('')).toContain('verify: REJECTED');
    expect(chunks.every((chunk) => (chunk.choices[0]?.delta.content ?? '') === '')).toBe(true);
    expect(response.text).not.toContain('Lyon');
  });

  it('streaming and approved: the held stream still sends progress, the answer and [DONE]', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('is JSON'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: '{"city": "Paris"}' }));
    const response = await chat(target, { ...jsonObject, stream: true });
    expect(response.status).toBe(200);
    const chunks = chunksOf(response.text);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('{"city": "Paris"}');
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('')).toContain('verify: APPROVED');
    expect(sseEvents(response.text).at(-1)).toBe('[DONE]');
  });
});

describe('tool calls whose arguments failed their check', () => {
  const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  const badCall = { toolCalls: [{ name: 'weather', arguments: { town: 'Paris' } }] };

  function badToolCallsEverywhere(target: Stack): void {
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('calls the tool'), verify: APPROVED }));
    target.simulator.script('llama3.2', stagedScript({ generate: badCall, revise: badCall }));
    target.simulator.script('qwen3:8b', stagedScript({ generate: badCall, revise: badCall }));
  }

  it('are never returned under "best": a 422 naming the tool and the schema violation', async () => {
    const target = await start({ ladder: ['qwen3:8b'], maxRevisions: 1 });
    badToolCallsEverywhere(target);
    const response = await chat(target, { tools });
    // The verifier was never asked: the check failed every draft first.
    expect(stageLog(target.simulator.requests)).toEqual(['plan:qwen2.5:0.5b', 'generate:llama3.2', 'revise:llama3.2', 'generate:qwen3:8b', 'revise:qwen3:8b']);
    expect(response.status).toBe(422);
    const { error } = response.json() as ErrorBody;
    expect(error.code).toBe('invalid_tool_call');
    expect(error.message).toContain(`(run ${response.headers.get('x-rlm-run-id')!})`);
    expect(error.message).toContain('Tool call 1 ("weather") has arguments that do not match the tool\'s parameters');
    expect(error.message).toMatch(/missing required property "city"/);
    expect(response.text).not.toContain('"tool_calls"');
  });

  it('even with unapprovedText "bare"; and in a stream that is already open, an error event with no tool-call delta', async () => {
    const target = await start({ unapprovedText: 'bare' });
    badToolCallsEverywhere(target);
    const response = await chat(target, { tools, stream: true });
    expect(response.status).toBe(200);
    const events = sseEvents(response.text);
    expect((events.at(-1) as ErrorBody).error.code).toBe('invalid_tool_call');
    expect(chunksOf(response.text).some((chunk) => chunk.choices[0]?.delta.tool_calls !== undefined)).toBe(false);
    expect(events).not.toContain('[DONE]');
  });

  it('valid tool calls that the verifier rejected are returned, with the note in content', async () => {
    const target = await start();
    target.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('calls the tool'), verify: rejected('It should ask for Lyon.') }));
    target.simulator.script('llama3.2', stagedScript({ generate: { toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] } }));
    const response = await chat(target, { tools });
    expect(response.status).toBe(200);
    const body = response.json() as Completion;
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
    expect(body.choices[0]!.message.tool_calls).toHaveLength(1);
    // No answer text to follow, so no rule before the warning.
    expect(body.choices[0]!.message.content).toBe('⚠ rlm could not verify this answer. Unresolved: It should ask for Lyon.');
  });
});

/**
 * Bodies nested thousands of levels deep are a client's mistake: a 400 nesting_too_deep in the
 * OpenAI error shape, before anything walks them (they used to overflow the stack into a 500, or
 * reach Ollama), on every endpoint, for the pipeline and pass-through, streamed or not.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/api/json-depth.js';
import { postJson, startStack, type Stack } from '../support/stack.js';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

const brackets = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const objects = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const user = '{"role":"user","content":"hi"}';

/** [name, the body's fields after "model" and "stream", the param's start] */
const CHAT_CASES: [string, string, RegExp][] = [
  ['2,200 levels in a message content', `"messages":[{"role":"user","content":${brackets(2200)}}]`, /^messages\[0\]\.content\[0\]\[0\]/],
  ['6,000 levels in an unknown field', `"x":${objects(6000)},"messages":[${user}]`, /^x\.a\.a/],
  ['3,000 levels in metadata', `"metadata":${brackets(3000)},"messages":[${user}]`, /^metadata\[0\]/],
  ['4,100 levels in tools', `"tools":[{"type":"function","function":{"name":"f","parameters":${objects(4100)}}}],"messages":[${user}]`, /^tools\[0\]\.function\.parameters\.a/],
  ['4,100 levels in response_format', `"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"a":${brackets(4100)}}}}},"messages":[${user}]`, /^response_format\.json_schema\.schema\.properties\.a\[0\]/],
  ['4,100 levels of items in response_format', `"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${'{"items":'.repeat(4100)}{}${'}'.repeat(4100)}}},"messages":[${user}]`, /^response_format\.json_schema\.schema\.items\.items/],
  [
    '5,000 levels inside tool-call arguments (a string)',
    `"messages":[${user},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":${JSON.stringify(`{"deep":${brackets(5000)}}`)}}}]},{"role":"tool","tool_call_id":"c1","content":"done"}]`,
    /^messages\[1\]\.tool_calls\[0\]\.function\.arguments\.deep\[0\]/,
  ],
  ['2,200 levels in a Responses-shaped input', `"input":[{"role":"user","content":${brackets(2200)}}]`, /^input\[0\]\.content\[0\]/],
];

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack.close());
beforeEach(() => stack.simulator.reset());

const modelCalls = (): number => stack.simulator.requests.filter((request) => /^\/api\/(chat|generate|embed)/.test(request.path)).length;

async function expectRefused(path: string, body: string, param: RegExp): Promise<void> {
  const response = await postJson(`${stack.url}${path}`, body);
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toBe('application/json');
  const { error } = response.json() as ErrorBody;
  expect(error).toMatchObject({ type: 'invalid_request_error', code: 'nesting_too_deep' });
  expect(error.message).toMatch(new RegExp(`nests more than ${MAX_JSON_DEPTH} levels`));
  expect(error.param).toMatch(param);
  expect(modelCalls()).toBe(0);
}

describe.each(['rlm', 'llama3.2'])('/v1/chat/completions with model %s', (model) => {
  describe.each([false, true])('stream: %s', (stream) => {
    it.each(CHAT_CASES)('%s: 400 nesting_too_deep', async (_name, fields, param) => {
      await expectRefused('/v1/chat/completions', `{"model":"${model}","stream":${stream},${fields}}`, param);
    });
  });

  it(`${MAX_JSON_DEPTH} levels are still accepted`, async () => {
    const response = await postJson(`${stack.url}/v1/chat/completions`, `{"model":"${model}","metadata":${brackets(MAX_JSON_DEPTH - 1)},"messages":[${user}]}`);
    expect(response.status).toBe(200);
  });
});

describe.each(['rlm', 'qwen2.5-coder:1.5b'])('/v1/completions with model %s', (model) => {
  it.each([false, true])('stream: %s, 2,200 levels in the prompt or in an unknown field', async (stream) => {
    await expectRefused('/v1/completions', `{"model":"${model}","stream":${stream},"prompt":${brackets(2200)}}`, /^prompt\[0\]/);
    await expectRefused('/v1/completions', `{"model":"${model}","stream":${stream},"prompt":"x","extra":${objects(4100)}}`, /^extra\.a/);
  });
});

describe.each(['rlm', 'nomic-embed-text'])('/v1/embeddings with model %s', (model) => {
  it('2,200 levels in the input: 400', async () => {
    await expectRefused('/v1/embeddings', `{"model":"${model}","input":${brackets(2200)}}`, /^input\[0\]/);
  });
});

it('the server still answers afterwards', async () => {
  const health = await fetch(`${stack.url}/health`);
  expect(health.status).toBe(200);
});

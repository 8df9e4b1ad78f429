/** Issue 7: client schemas that used to freeze the whole server, through the real HTTP path. */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, stagedScript } from '../support/staged-script.js';

const PROFILE = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b', plan: 'always', maxRevisions: 1, ladder: [] };
const question = [{ role: 'user', content: 'Give me the code.' }];
const HOSTILE_VALUE = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa!';
type ErrorBody = { error: { message: string; code: string; type: string; param: string | null } };

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(): Promise<Stack> {
  stack = await startStack({ rlmConfig: { profiles: { rlm: PROFILE } } });
  stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('matches the schema'), verify: APPROVED }));
  stack.simulator.script('llama3.2', stagedScript({ generate: JSON.stringify(HOSTILE_VALUE), revise: JSON.stringify(HOSTILE_VALUE) }));
  return stack;
}

const schemaFormat = (schema: unknown) => ({ type: 'json_schema', json_schema: { name: 'answer', schema } });

function fanOut(levels: number): Record<string, unknown> {
  const $defs: Record<string, unknown> = { [`d${levels}`]: { type: 'integer' } };
  for (let level = 0; level < levels; level++) $defs[`d${level}`] = { anyOf: [{ $ref: `#/$defs/d${level + 1}` }, { $ref: `#/$defs/d${level + 1}` }] };
  return { $defs, $ref: '#/$defs/d0' };
}

describe('hostile client schemas', () => {
  it('"^(a+)+$" with the enum value "aaaa…a!" is checked in linear time: the draft fails the check, and the server stays responsive', async () => {
    const target = await start();
    const started = performance.now();
    const run = postJson(`${target.url}/v1/chat/completions`, {
      model: 'rlm',
      stream: true,
      messages: question,
      response_format: schemaFormat({ type: 'string', pattern: '^(a+)+$', enum: [HOSTILE_VALUE] }),
    });
    const health = await fetch(`${target.url}/health`);
    expect(health.status).toBe(200);
    const response = await run;
    // Never approved, and an answer that must parse is not sent unapproved by default: a real 422.
    expect(response.status).toBe(422);
    const error = (response.json() as ErrorBody).error;
    expect(error.code).toBe('unverified_structured_answer');
    expect(error.message).toContain('Unresolved: The answer does not match the requested schema: $: must match the pattern /^(a+)+$/.');
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('an anyOf/$ref fan-out of 2^21 is a 400 before the stream opens, naming where in the schema', async () => {
    const target = await start();
    const response = await postJson(`${target.url}/v1/chat/completions`, { model: 'rlm', stream: true, messages: question, response_format: schemaFormat(fanOut(21)) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-rlm-run-id')).toBeNull();
    expect((response.json() as ErrorBody).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'schema_too_complex',
      param: 'response_format.json_schema.schema',
      message: expect.stringMatching(/^response_format\.json_schema\.schema\.\$defs\.d\d+: the schema unfolds, through its \$refs, into more than 10000 subschemas/),
    });
    expect(target.simulator.requests.some((request) => request.path === '/api/chat')).toBe(false);
  });

  it('a tool whose parameters use a lookaround is a 400 naming the tool and the pattern', async () => {
    const target = await start();
    const parameters = { type: 'object', properties: { path: { type: 'string', pattern: '^(?!/etc).*' } } };
    const response = await postJson(`${target.url}/v1/chat/completions`, {
      model: 'rlm',
      stream: true,
      messages: question,
      tools: [{ type: 'function', function: { name: 'read', parameters } }],
    });
    expect(response.status).toBe(400);
    expect((response.json() as ErrorBody).error).toMatchObject({
      code: 'schema_pattern_unsupported',
      param: 'tools[0].function.parameters',
      message: expect.stringContaining('tools[0].function.parameters.properties.path.pattern: the pattern /^(?!/etc).*/ cannot be used: it uses a lookaround "(?!" at character 2.'),
    });
  });
});

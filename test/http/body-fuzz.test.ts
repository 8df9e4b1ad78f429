/**
 * No request body is the server's fault. Valid chat (pass-through and pipeline), completions and
 * embeddings bodies are mutated from a seeded PRNG (wrong types, huge and odd numbers, unicode,
 * deep nesting, duplicate keys, truncation, nulls, missing and unknown fields, bodies sent to the
 * wrong endpoint) and sent to a live rlm in front of the simulator. Every answer must be a 2xx, or
 * a 4xx in the OpenAI error shape; never a 5xx, never an internal error inside a stream, never a
 * crash; and /health answers at the end. A failing case names its seed, index and body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../support/seeded-random.js';
import { sseEvents, startStack, type Stack } from '../support/stack.js';

/** RLM_BODY_FUZZ_SEED tries another sequence; a failure names the seed and case that replay it. */
const SEED = Number(process.env.RLM_BODY_FUZZ_SEED ?? 20250107);
const CASES = 1200;
const PARALLEL = 8;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Case {
  path: string;
  /** The body as sent: JSON text, or not quite. */
  text: string;
}

const hi = (): Json => [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
];
const TOOL: Json = { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

const TOOL_TURNS = (): Json[] => {
  const call: Json = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
  const asked: Json = { role: 'user', content: 'Weather in Paris?' };
  const calling: Json = { role: 'assistant', content: null, tool_calls: [call] };
  const answered: Json = { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' };
  return [asked, calling, answered];
};
const IMAGE_PARTS = (): Json[] => {
  const text: Json = { type: 'text', text: 'What is this?' };
  const image: Json = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
  return [text, image];
};

/** Valid bodies, one per shape a client sends, each with its endpoint. */
const BASES: ReadonlyArray<() => { path: string; body: Json }> = [
  () => ({ path: '/v1/chat/completions', body: { model: 'llama3.2', messages: hi(), temperature: 0.2, max_tokens: 16, seed: 1, stop: ['\n\n'] } }),
  () => ({ path: '/v1/chat/completions', body: { model: 'llama3.2', stream: true, stream_options: { include_usage: true }, messages: hi(), top_p: 0.9 } }),
  () => ({
    path: '/v1/chat/completions',
    body: {
      model: 'llama3.2',
      tools: [TOOL],
      tool_choice: 'auto',
      messages: TOOL_TURNS(),
    },
  }),
  () => ({
    path: '/v1/chat/completions',
    body: {
      model: 'llama3.2',
      stream: true,
      messages: [{ role: 'user', content: IMAGE_PARTS() }],
    },
  }),
  () => ({
    path: '/v1/chat/completions',
    body: { model: 'llama3.2', response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } } }, messages: hi() },
  }),
  () => ({ path: '/v1/chat/completions', body: { model: 'llama3.2', input: [{ role: 'user', content: 'Hi' }], instructions: 'Be brief.' } }),
  () => ({ path: '/v1/chat/completions', body: { model: 'rlm', messages: [{ role: 'user', content: 'What is 2 + 2?' }], max_tokens: 32 } }),
  () => ({ path: '/v1/chat/completions', body: { model: 'rlm', stream: true, messages: [{ role: 'user', content: 'Name a colour.' }] } }),
  () => ({ path: '/v1/completions', body: { model: 'qwen2.5-coder:1.5b', prompt: 'def add(a, b):', suffix: '\n', max_tokens: 8, temperature: 0, stop: ['\n\n'] } }),
  () => ({ path: '/v1/completions', body: { model: 'qwen2.5-coder:1.5b', stream: true, prompt: 'function f() {', max_tokens: 8 } }),
  () => ({ path: '/v1/embeddings', body: { model: 'nomic-embed-text', input: ['one', 'two'] } }),
  () => ({ path: '/v1/embeddings', body: { model: 'nomic-embed-text', input: 'one', encoding_format: 'base64', dimensions: 8 } }),
];
const DEEP_MARK = '~deep~';
const PATHS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'];

const ODD_NUMBERS = ['1e400', '-1e400', '1E+999', '-0', '0.0000000000000000000001', '123456789012345678901234567890', '9007199254740993', '1e308', '-1e308', '2147483648', '-1', '0', '0.5'];
const ODD_STRINGS = ['', ' ', '\u0000', '\ud800', '\udfff', '🙂'.repeat(50), '\u202eevil', 'null', 'undefined', '__proto__', 'x'.repeat(20_000), 'llama3.2', 'rlm', 'rlm/llama3.2', '../../etc/passwd', '{"a":1}', '\r\n\r\n', 'é'.normalize('NFD')];

function fuzzCases(seed: number, count: number): Case[] {
  const random = seededRandom(seed);
  const below = (limit: number): number => Math.floor(random() * limit);
  const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;
  const chance = (probability: number): boolean => random() < probability;

  /** Deep values stay a marker until the text is written: JSON.stringify itself would overflow on them. */
  const deep = (levels: number): Json => `${DEEP_MARK}${levels}`;
  const deepText = (levels: number): string => {
    const [open, close] = chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
    return `${open.repeat(levels)}${chance(0.5) ? '1' : '"x"'}${close.repeat(levels)}`;
  };
  const anyValue = (): Json => {
    switch (below(9)) {
      case 0:
        return null;
      case 1:
        return chance(0.5);
      case 2:
        return pick([0, -1, 1.5, 2 ** 53 + 1, 1e308, -1e308, Number.MIN_VALUE, 3]);
      case 3:
        return pick(ODD_STRINGS);
      case 4:
        return [];
      case 5:
        return {};
      case 6:
        return [pick(ODD_STRINGS), below(100), null, { role: 'user' }];
      case 7:
        return { role: pick(['user', 'assistant', 'tool', 'wizard']), content: pick([null, 'x', [], [{ type: 'text' }], 5]) };
      default:
        return deep(pick([5, 60, 99, 100, 101, 300, 3000]));
    }
  };

  /** Every container in the value, with how to replace or remove each of its members. */
  const slots = (root: Json): { set(value: Json): void; remove(): void }[] => {
    const found: { set(value: Json): void; remove(): void }[] = [];
    const walk = (value: Json): void => {
      if (Array.isArray(value)) {
        value.forEach((item, index) => {
          found.push({ set: (next) => (value[index] = next), remove: () => void value.splice(index, 1) });
          walk(item);
        });
      } else if (typeof value === 'object' && value !== null) {
        for (const key of Object.keys(value)) {
          found.push({ set: (next) => (value[key] = next), remove: () => delete value[key] });
          walk(value[key] as Json);
        }
      }
    };
    walk(root);
    return found;
  };

  const mutateValue = (body: Json): void => {
    const targets = slots(body);
    if (targets.length === 0) return;
    const target = pick(targets);
    switch (below(6)) {
      case 0:
        return target.remove();
      case 1:
        return target.set(null);
      default:
        return target.set(anyValue());
    }
  };

  /** Mutations of the text itself: what JSON.stringify cannot produce. */
  const mutateText = (text: string): string => {
    switch (below(8)) {
      case 0:
        return text.slice(0, below(text.length));
      case 1:
        // A key written twice: JSON.parse keeps the last one.
        return text.replace(/^\{/, `{"model":${JSON.stringify(pick(ODD_STRINGS))},"stream":${pick(['true', 'false', '"yes"', 'null'])},`);
      case 2:
        return text.replace(/(-?\d+(\.\d+)?([eE][+-]?\d+)?)(?=[,}\]])/, pick(ODD_NUMBERS));
      case 3:
        return `\uFEFF${text}`;
      case 4:
        return `${text}${pick([' ', 'x', '}', ',{}', '\u0000'])}`;
      case 5:
        return text.replace(/"[^"\\]*"/, `"${pick(['\\ud800', '\\u0000', '\\x41', '\\', '\\uZZZZ', '\\n'])}"`);
      case 6:
        return pick(['null', '[]', '"x"', '1', 'true', '{}', '', '   ']);
      default:
        return `{"model":${JSON.stringify(pick(['llama3.2', 'rlm', 'qwen2.5-coder:1.5b', 'nomic-embed-text']))},"messages":${'['.repeat(below(5000))}${']'.repeat(below(5000))}}`;
    }
  };

  /** What a valid body may carry and still be valid: unknown fields, odd text, explicit nulls. */
  const mutateGently = (body: Json): void => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    switch (below(4)) {
      case 0:
        body[`x_${below(1000)}`] = anyValue();
        return;
      case 1:
        body[pick(['temperature', 'top_p', 'seed', 'stop', 'user', 'metadata', 'tool_choice', 'stream_options', 'dimensions', 'suffix'])] = null;
        return;
      case 2: {
        const messages = body['messages'];
        const last = Array.isArray(messages) ? messages.at(-1) : undefined;
        if (typeof last === 'object' && last !== null && !Array.isArray(last)) last['content'] = pick(ODD_STRINGS.filter((text) => text.trim() !== ''));
        return;
      }
      default:
        body['stream'] = chance(0.5);
    }
  };

  const cases: Case[] = [];
  for (let index = 0; index < count; index++) {
    const base = pick(BASES)();
    const mutations = 1 + below(3);
    for (let step = 0; step < mutations; step++) {
      if (chance(0.4)) mutateGently(base.body);
      else mutateValue(base.body);
    }
    let text = JSON.stringify(base.body).replace(new RegExp(`"${DEEP_MARK}(\\d+)"`, 'g'), (_marker, levels: string) => deepText(Number(levels)));
    if (chance(0.3)) text = mutateText(text);
    cases.push({ path: chance(0.1) ? pick(PATHS) : base.path, text });
  }
  return cases;
}

/** Found by this fuzzer (or by hand, before it), each a 5xx once; they run first, every time. */
const KNOWN: readonly Case[] = [
  // Ollama compiles a schema only when generation starts, and answers 500 for one it cannot read.
  { path: '/v1/chat/completions', text: '{"model":"llama3.2","response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object","properties":{"answer":0}}}},"messages":[{"role":"user","content":"Hi"}]}' },
  { path: '/v1/chat/completions', text: '{"model":"rlm","stream":true,"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object","properties":{"answer":null}}}},"messages":[{"role":"user","content":"Hi"}]}' },
  // A recursive walk overflowed the stack.
  { path: '/v1/chat/completions', text: `{"model":"rlm","metadata":${'['.repeat(3000)}${']'.repeat(3000)},"messages":[{"role":"user","content":"Hi"}]}` },
  { path: '/v1/chat/completions', text: `{"model":"rlm","tools":[{"type":"function","function":{"name":"f","parameters":${'{"a":'.repeat(4100)}1${'}'.repeat(4100)}}}],"messages":[{"role":"user","content":"Hi"}]}` },
];

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ rlmConfig: { maxConcurrentRuns: 4, maxQueuedRuns: 64 } });
});
afterAll(async () => stack.close());

interface Outcome {
  status: number;
  problem: string | undefined;
}

function isErrorShape(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const { message, type, param, code } = error as Record<string, unknown>;
  return typeof message === 'string' && message !== '' && typeof type === 'string' && (param === null || typeof param === 'string') && (code === null || typeof code === 'string');
}

async function send(testCase: Case): Promise<Outcome> {
  const response = await fetch(`${stack.url}${testCase.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: testCase.text });
  const text = await response.text();
  const { status } = response;
  const contentType = response.headers.get('content-type') ?? '';
  if (status >= 500) return { status, problem: `a ${status}: ${text.slice(0, 300)}` };
  if (status >= 400) {
    if (contentType !== 'application/json') return { status, problem: `a ${status} as ${contentType}` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { status, problem: `a ${status} whose body is not JSON: ${text.slice(0, 200)}` };
    }
    return { status, problem: isErrorShape(parsed) ? undefined : `a ${status} not in the OpenAI error shape: ${text.slice(0, 200)}` };
  }
  if (status < 200 || status >= 300) return { status, problem: `a ${status}` };
  if (contentType.startsWith('text/event-stream')) {
    const events = sseEvents(text);
    const failure = events.find((event) => typeof event === 'object' && event !== null && 'error' in event);
    // A backend failure mid-stream would be an api_error; a client's input must never cause one, nor an internal error.
    if (failure !== undefined) return { status, problem: `an error event in a 200 stream: ${JSON.stringify(failure).slice(0, 300)}` };
    if (events.at(-1) !== '[DONE]') return { status, problem: 'a stream that does not end with [DONE]' };
    return { status, problem: undefined };
  }
  try {
    JSON.parse(text);
  } catch {
    return { status, problem: `a ${status} whose body is not JSON` };
  }
  return { status, problem: undefined };
}

describe(`body fuzz (seed ${SEED}, ${CASES} bodies)`, () => {
  it('every answer is a 2xx or an OpenAI-shaped 4xx; the server keeps answering', async () => {
    const cases = [...KNOWN, ...fuzzCases(SEED, CASES)];
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < cases.length; index = next++) {
        const testCase = cases[index] as Case;
        const outcome = await send(testCase).catch((error: unknown): Outcome => ({ status: 0, problem: `no answer: ${String(error)}` }));
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        if (outcome.problem !== undefined && failures.length < 10) {
          const name = index < KNOWN.length ? `known case ${index}` : `seed ${SEED} case ${index - KNOWN.length}`;
          failures.push(`${name}: POST ${testCase.path} ${JSON.stringify(testCase.text.slice(0, 300))} got ${outcome.problem}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    expect(failures).toEqual([]);
    // The mix really exercised both kinds of answer.
    const counts = JSON.stringify(Object.fromEntries(statuses));
    expect(statuses.get(200) ?? 0, counts).toBeGreaterThan(CASES / 5);
    expect(statuses.get(400) ?? 0, counts).toBeGreaterThan(CASES / 4);
    expect(stack.logs.filter((line) => line.level === 'error')).toEqual([]);
    const health = await fetch(`${stack.url}/health`);
    expect(health.status).toBe(200);
  }, 60_000);
});

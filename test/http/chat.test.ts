import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXED_CREATED, postJson, sseEvents, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const chatUrl = (): string => `${stack.url}/v1/chat/completions`;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.simulator.reset();
});

/** The exact SSE text of a chat stream: one `data:` event per chunk, then [DONE]. */
function expectedStream(id: string, model: string, deltas: { delta: object; finish_reason?: string }[], usage?: object): string {
  const chunk = (choices: object[], extra: object = {}): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: FIXED_CREATED, model, choices, ...extra })}\n\n`;
  let text = '';
  for (const { delta, finish_reason } of deltas) {
    text += chunk([{ index: 0, delta, logprobs: null, finish_reason: finish_reason ?? null }]);
  }
  if (usage) text += chunk([], { usage });
  return `${text}data: [DONE]\n\n`;
}

describe('POST /v1/chat/completions, non-streaming', () => {
  it('answers a chat.completion with content, finish_reason and usage from Ollama', async () => {
    stack.simulator.script('llama3.2:latest', { content: 'Hello there, friend.', promptEvalCount: 12, evalCount: 4 });
    const response = await postJson(chatUrl(), { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = response.json() as Record<string, unknown>;
    expect(body).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: FIXED_CREATED,
      model: 'llama3.2',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there, friend.' }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
    });
  });

  it('maps the OpenAI request onto native /api/chat, with num_ctx from config', async () => {
    await postJson(chatUrl(), {
      model: 'llama3.2',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Describe' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
      ],
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      stop: '###',
      max_completion_tokens: 50,
      response_format: { type: 'json_object' },
      user: 'ignored-field',
    });
    const sent = stack.simulator.requests.find((request) => request.path === '/api/chat')?.body as Record<string, unknown>;
    expect(sent).toMatchObject({
      model: 'llama3.2',
      stream: true,
      format: 'json',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Describe', images: ['iVBORw0KGgo='] },
      ],
      options: { temperature: 0.2, top_p: 0.9, seed: 7, stop: ['###'], num_predict: 50, num_ctx: 8192 },
    });
    expect(sent).not.toHaveProperty('user');
  });

  it('returns tool calls with unique ids and arguments as a JSON string', async () => {
    stack.simulator.script('llama3.2:latest', {
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Tokyo' } },
        { name: 'get_weather', arguments: { city: 'Paris' } },
      ],
    });
    const response = await postJson(chatUrl(), {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Weather in Tokyo and Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    });
    const body = response.json() as { choices: { message: { tool_calls: { id: string; function: { arguments: string } }[] }; finish_reason: string }[] };
    const calls = body.choices[0]!.message.tool_calls;
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
    expect(calls.map((call) => call.function.arguments)).toEqual(['{"city":"Tokyo"}', '{"city":"Paris"}']);
    expect(new Set(calls.map((call) => call.id)).size).toBe(2);
  });

  it('maps thinking to reasoning_content, apart from the content', async () => {
    stack.simulator.script('qwen3:8b', { thinking: 'Count the letters.', content: 'Three.' });
    const response = await postJson(chatUrl(), { model: 'qwen3:8b', messages: [{ role: 'user', content: 'How many r in strawberry?' }] });
    const body = response.json() as { choices: { message: object }[] };
    expect(body.choices[0]!.message).toEqual({ role: 'assistant', content: 'Three.', reasoning_content: 'Count the letters.' });
  });

  it('drops reasoning_effort for a model that cannot think instead of failing', async () => {
    const response = await postJson(chatUrl(), { model: 'llama3.2', reasoning_effort: 'high', messages: [{ role: 'user', content: 'Hi' }] });
    expect(response.status).toBe(200);
    const sent = stack.simulator.requests.find((request) => request.path === '/api/chat')?.body as Record<string, unknown>;
    expect(sent).not.toHaveProperty('think');
  });

  it('finish_reason is length when num_predict ran out', async () => {
    stack.simulator.script('llama3.2:latest', 'one two three four five six');
    const response = await postJson(chatUrl(), { model: 'llama3.2', max_tokens: 2, messages: [{ role: 'user', content: 'Count' }] });
    const body = response.json() as { choices: { message: { content: string }; finish_reason: string }[] };
    expect(body.choices[0]!.finish_reason).toBe('length');
    expect(body.choices[0]!.message.content).toBe('one two');
  });
});

describe('POST /v1/chat/completions, streaming', () => {
  it('sends the exact SSE bytes: role first, content deltas, finish chunk, [DONE]', async () => {
    stack.simulator.script('llama3.2:latest', 'Hello there');
    const response = await postJson(chatUrl(), { model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const id = (sseEvents(response.text)[0] as { id: string }).id;
    expect(id).toMatch(/^chatcmpl-/);
    expect(response.text).toBe(
      expectedStream(id, 'llama3.2', [
        { delta: { role: 'assistant', content: '' } },
        { delta: { content: 'Hello' } },
        { delta: { content: ' there' } },
        { delta: {}, finish_reason: 'stop' },
      ]),
    );
  });

  it('adds the usage chunk with choices [] only when include_usage is true', async () => {
    stack.simulator.script('llama3.2:latest', { content: 'Hi', promptEvalCount: 5, evalCount: 1 });
    const response = await postJson(chatUrl(), {
      model: 'llama3.2',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const id = (sseEvents(response.text)[0] as { id: string }).id;
    expect(response.text).toBe(
      expectedStream(
        id,
        'llama3.2',
        [{ delta: { role: 'assistant', content: '' } }, { delta: { content: 'Hi' } }, { delta: {}, finish_reason: 'stop' }],
        { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      ),
    );
  });

  it('streams thinking as reasoning_content deltas, never in the same delta as content', async () => {
    stack.simulator.script('qwen3:8b', { thinking: 'Hmm.', content: 'Yes.' });
    const response = await postJson(chatUrl(), { model: 'qwen3:8b', stream: true, messages: [{ role: 'user', content: 'Sure?' }] });
    const deltas = sseEvents(response.text)
      .filter((event): event is { choices: { delta: Record<string, unknown> }[] } => event !== '[DONE]')
      .map((event) => event.choices[0]?.delta);
    expect(deltas).toEqual([{ role: 'assistant', content: '' }, { reasoning_content: 'Hmm.' }, { content: 'Yes.' }, {}]);
  });

  it.each(['chunk', 'done'] as const)('streams a tool call sent on the %s line whole, with finish_reason tool_calls', async (toolCallsOn) => {
    stack.simulator.script('llama3.2:latest', { toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }], toolCallsOn });
    const response = await postJson(chatUrl(), {
      model: 'llama3.2',
      stream: true,
      messages: [{ role: 'user', content: 'Look it up' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
    });
    const events = sseEvents(response.text) as { choices: { delta: { tool_calls?: unknown[] }; finish_reason: string | null }[] }[];
    const toolDeltas = events.flatMap((event) => (event === ('[DONE]' as unknown) ? [] : event.choices.flatMap((choice) => choice.delta.tool_calls ?? [])));
    expect(toolDeltas).toEqual([{ index: 0, id: expect.stringMatching(/^call/), type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }]);
    expect(events.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls');
  });
});

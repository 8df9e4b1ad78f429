/**
 * POST /v1/responses with the official openai package's `responses` client: text, streaming with
 * the Responses event sequence, tools, structured output and reasoning summaries, passed through to
 * an installed model and through the pipeline.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, sseEvents, startStack, type Stack } from './support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from './support/staged-script.js';

let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack();
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'local', maxRetries: 0 });
});
afterAll(async () => stack.close());
beforeEach(() => stack.simulator.reset());

describe('responses.create, passed through', () => {
  it('text: output_text, usage, and the instructions as the system message', async () => {
    stack.simulator.script('llama3.2:latest', 'Paris is the capital of France.');
    const response = await client.responses.create({ model: 'llama3.2', instructions: 'Be brief.', input: 'Capital of France?' });
    expect(response.output_text).toBe('Paris is the capital of France.');
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: 'llama3.2', usage: { output_tokens: 6 } });
    expect(response.output).toEqual([
      expect.objectContaining({ type: 'message', role: 'assistant', status: 'completed', content: [expect.objectContaining({ type: 'output_text', text: 'Paris is the capital of France.' })] }),
    ]);
    const sent = stack.simulator.requests[stack.simulator.requests.length - 1]?.body as { messages: { role: string; content: string }[] };
    expect(sent.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }]);
  });

  it('streaming: the Responses event sequence, numbered, ending with response.completed', async () => {
    stack.simulator.script('qwen3:8b', { thinking: 'The user asks.', content: 'One two three.' });
    const stream = await client.responses.create({ model: 'qwen3:8b', input: 'Count', stream: true });
    const types: string[] = [];
    const numbers: number[] = [];
    let text = '';
    let summary = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      numbers.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.reasoning_summary_text.delta') summary += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(text).toBe('One two three.');
    expect(summary).toBe('The user asks.');
    expect(numbers).toEqual(numbers.map((_number, index) => index));
    const distinct = types.filter((type, index) => type !== types[index - 1]);
    expect(distinct).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.completed',
    ]);
    expect(completed?.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
  });

  it('tools: a function_call item, and its output sent back as an input item', async () => {
    stack.simulator.script('llama3.2:latest', [{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }, 'It is sunny in Paris.']);
    const tools: OpenAI.Responses.FunctionTool[] = [
      { type: 'function', name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    ];
    const first = await client.responses.create({ model: 'llama3.2', input: 'Weather in Paris?', tools });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    const callId = (call as OpenAI.Responses.ResponseFunctionToolCall).call_id;
    const second = await client.responses.create({
      model: 'llama3.2',
      tools,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: callId, name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: callId, output: 'sunny' },
      ],
    });
    expect(second.output_text).toBe('It is sunny in Paris.');
    const sent = stack.simulator.requests[stack.simulator.requests.length - 1]?.body as { messages: { role: string; tool_name?: string }[] };
    expect(sent.messages.at(-1)).toMatchObject({ role: 'tool', content: 'sunny', tool_name: 'get_weather' });
  });

  it('structured output: text.format json_schema reaches Ollama as the format', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    stack.simulator.script('llama3.2:latest', '{"city":"Paris"}');
    const response = await client.responses.create({ model: 'llama3.2', input: 'Capital of France?', text: { format: { type: 'json_schema', name: 'city', schema, strict: true } } });
    expect(JSON.parse(response.output_text)).toEqual({ city: 'Paris' });
    expect((stack.simulator.requests.at(-1)?.body as { format: unknown }).format).toEqual(schema);
  });

  it('what the SDKs send that changes nothing locally is accepted: store, include, reasoning, parallel_tool_calls, truncation, metadata, user, service_tier, top_logprobs, stream_options', async () => {
    stack.simulator.script('qwen3:8b', 'Fine.');
    const answer = await postJson(`${stack.url}/v1/responses`, {
      model: 'qwen3:8b',
      input: 'Hi',
      store: true,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'low', summary: 'auto' },
      parallel_tool_calls: false,
      truncation: 'auto',
      metadata: { session: '1' },
      user: 'someone',
      safety_identifier: 'someone',
      prompt_cache_key: 'k',
      service_tier: 'auto',
      max_output_tokens: 32,
      top_logprobs: 0,
      stream: true,
      stream_options: { include_obfuscation: false },
      text: { verbosity: 'low' },
    });
    expect(answer.status).toBe(200);
    const events = sseEvents(answer.text) as { type: string; response?: Record<string, unknown> }[];
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { metadata: { session: '1' }, reasoning: { effort: 'low' } } });
    expect(stack.simulator.requests.at(-1)?.body).toMatchObject({ think: 'low', options: { num_predict: 32 } });
  });

  it('tool_choice: "none" offers no tools, a named function is forced and comes back as its call, a hosted choice is a 400', async () => {
    const tools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'get_weather', strict: true, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } }];
    stack.simulator.script('llama3.2:latest', 'No tool.');
    await client.responses.create({ model: 'llama3.2', input: 'Hi', tools, tool_choice: 'none' });
    expect((stack.simulator.requests.at(-1)?.body as { tools?: unknown }).tools).toBeUndefined();

    stack.simulator.script('llama3.2:latest', '{"city":"Paris"}');
    const forced = await client.responses.create({ model: 'llama3.2', input: 'Weather in Paris?', tools, tool_choice: { type: 'function', name: 'get_weather' } });
    expect(forced.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' })]);
    const sent = stack.simulator.requests.at(-1)?.body as { format: unknown; tools?: unknown; messages: { role: string; content: string }[] };
    expect(sent.format).toEqual(tools[0]?.parameters);
    expect(sent.tools).toBeUndefined();
    expect(sent.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('Call the function get_weather') });

    stack.simulator.script('llama3.2:latest', '{"name":"get_weather","arguments":{"city":"Oslo"}}');
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of await client.responses.create({ model: 'llama3.2', input: 'Weather?', tools, tool_choice: 'required', stream: true })) events.push(event);
    expect(events.filter((event) => event.type === 'response.output_text.delta')).toEqual([]);
    expect(events.find((event) => event.type === 'response.function_call_arguments.done')).toMatchObject({ name: 'get_weather', arguments: '{"city":"Oslo"}' });

    const hosted = client.responses.create({ model: 'llama3.2', input: 'Hi', tools, tool_choice: { type: 'web_search_preview' } });
    await expect(hosted).rejects.toMatchObject({ status: 400, param: 'tool_choice', code: 'unsupported_parameter' });
    const unknown = client.responses.create({ model: 'llama3.2', input: 'Hi', tools, tool_choice: { type: 'function', name: 'nope' } });
    await expect(unknown).rejects.toMatchObject({ status: 400, param: 'tool_choice.name' });
  });

  it('background and stored prompts need state: a clear 400; an item_reference to a reasoning item is skipped', async () => {
    await expect(client.responses.create({ model: 'llama3.2', input: 'Hi', background: true })).rejects.toMatchObject({ status: 400, param: 'background' });
    await expect(client.responses.create({ model: 'llama3.2', input: 'Hi', prompt: { id: 'pmpt_1' } })).rejects.toMatchObject({ status: 400, param: 'prompt' });
    stack.simulator.script('llama3.2:latest', 'Hello.');
    const skipped = await client.responses.create({ model: 'llama3.2', input: [{ role: 'user', content: 'Hi' }, { type: 'item_reference', id: 'rs-1' }, { role: 'user', content: 'Again' }] });
    expect(skipped.output_text).toBe('Hello.');
  });

  it('a failure after the stream opened: an error event, then response.failed, raised by the SDK as an APIError', async () => {
    stack.simulator.script('llama3.2:latest', { content: 'One two three four.', fault: { kind: 'error-line', afterChunks: 2, message: 'model runner crashed' } });
    const answer = await postJson(`${stack.url}/v1/responses`, { model: 'llama3.2', input: 'Count', stream: true });
    const events = sseEvents(answer.text) as { type: string; sequence_number: number; message?: string; error?: unknown; response?: { status: string; error: unknown } }[];
    const [error, failed] = events.slice(-2);
    expect(error).toMatchObject({ type: 'error', message: expect.stringContaining('model runner crashed'), error: { message: expect.stringContaining('model runner crashed') } });
    expect(failed).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { message: expect.stringContaining('model runner crashed') } } });
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    expect(answer.text).not.toContain('[DONE]');

    stack.simulator.script('llama3.2:latest', { content: 'One two three four.', fault: { kind: 'error-line', afterChunks: 2, message: 'model runner crashed' } });
    const consume = async (): Promise<void> => {
      for await (const _event of await client.responses.create({ model: 'llama3.2', input: 'Count', stream: true })) void _event;
    };
    await expect(consume()).rejects.toMatchObject({ message: expect.stringContaining('model runner crashed') });
  });

  it('previous_response_id and conversation are a clear 400', async () => {
    const stateful = client.responses.create({ model: 'llama3.2', input: 'And then?', previous_response_id: 'resp_1' });
    await expect(stateful).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(stateful).rejects.toMatchObject({ status: 400, param: 'previous_response_id', message: expect.stringContaining('rlm keeps no responses between requests') });
  });
});

describe('responses.create, through the pipeline', () => {
  function scriptPipeline(): void {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('Wrong city.'), APPROVED] }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: 'Lyon.', revise: 'Paris is the capital of France.' }));
  }

  it('text: the approved answer, with the rlm summary', async () => {
    scriptPipeline();
    const response = await client.responses.create({ model: 'rlm', input: 'Capital of France?' });
    expect(response.output_text).toBe('Paris is the capital of France.');
    expect((response as unknown as { rlm: { approved: boolean } }).rlm.approved).toBe(true);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
  });

  it('streaming: the stage progress as a reasoning summary, then the answer', async () => {
    scriptPipeline();
    let summary = '';
    let text = '';
    let completed: Record<string, unknown> | undefined;
    for await (const event of await client.responses.create({ model: 'rlm', input: 'Capital of France?', stream: true })) {
      if (event.type === 'response.reasoning_summary_text.delta') summary += event.delta;
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response as unknown as Record<string, unknown>;
    }
    expect(summary).toMatch(/verify: REJECTED, 1 issue[\s\S]*revise: revised by llama3\.2:latest[\s\S]*verify: APPROVED/);
    expect(text).toBe('Paris is the capital of France.');
    expect(completed).toMatchObject({ status: 'completed', rlm: { approved: true } });
  });
});

/**
 * @ai-sdk/openai 3 (the AI SDK's default OpenAI model speaks the Responses API) through rlm to the
 * simulator: text, streaming, tools (a whole multi-step loop, with the SDK's default store: true)
 * and structured output, passed through to an installed model and through the pipeline, and how
 * a failure after the stream opened reaches the caller.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from '../support/staged-script.js';

let stack: Stack;
let openai: ReturnType<typeof createOpenAI>;
/** The bodies the SDK posted to rlm, in order. */
const sent: Record<string, unknown>[] = [];

beforeAll(async () => {
  stack = await startStack();
  openai = createOpenAI({
    baseURL: `${stack.url}/v1`,
    apiKey: 'local',
    fetch: async (url, init) => {
      if (typeof init?.body === 'string') sent.push(JSON.parse(init.body) as Record<string, unknown>);
      return fetch(url, init);
    },
  });
});
afterAll(async () => stack.close());
beforeEach(() => {
  stack.simulator.reset();
  sent.length = 0;
});

const lastChat = (): Record<string, unknown> => stack.simulator.requests.at(-1)?.body as Record<string, unknown>;
const weather = tool({
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `sunny in ${city}`,
});

describe('@ai-sdk/openai, passed through', () => {
  it('generateText: the text, usage and the system message', async () => {
    stack.simulator.script('llama3.2:latest', 'Paris is the capital of France.');
    const result = await generateText({ model: openai('llama3.2'), system: 'Be brief.', prompt: 'Capital of France?', maxRetries: 0 });
    expect(result.text).toBe('Paris is the capital of France.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBe(6);
    expect((lastChat()['messages'] as unknown[])[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('streamText: the text in pieces and the thinking as reasoning', async () => {
    stack.simulator.script('qwen3:8b', { thinking: 'The user counts.', content: 'One two three.' });
    const result = streamText({ model: openai('qwen3:8b'), prompt: 'Count to three', maxRetries: 0 });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces.join('')).toBe('One two three.');
    expect(pieces.length).toBeGreaterThan(1);
    expect(await result.reasoningText).toBe('The user counts.');
    expect(await result.finishReason).toBe('stop');
  });

  it('tools: a multi-step loop, the call executed and its result sent back (the reasoning as an item_reference)', async () => {
    stack.simulator.script('qwen3:8b', [{ thinking: 'I need the weather.', toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] }, 'It is sunny in Paris.']);
    const result = await generateText({ model: openai('qwen3:8b'), prompt: 'Weather in Paris?', tools: { weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    expect(result.text).toBe('It is sunny in Paris.');
    expect(result.steps.map((step) => step.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(result.steps[0]?.toolCalls[0]).toMatchObject({ toolName: 'weather', input: { city: 'Paris' } });
    // What the SDK sent the second time, and what reached Ollama.
    expect((sent[1]?.['input'] as { type?: string }[]).map((item) => item.type)).toEqual([undefined, 'item_reference', 'function_call', 'function_call_output']);
    expect((lastChat()['messages'] as unknown[]).slice(1)).toEqual([
      { role: 'assistant', content: '', tool_calls: [{ id: expect.any(String), function: { name: 'weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: 'sunny in Paris', tool_name: 'weather', tool_call_id: expect.any(String) },
    ]);
  });

  it('tools, streamed: the call arrives as a tool-call part', async () => {
    stack.simulator.script('llama3.2:latest', { toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }] });
    const result = streamText({ model: openai('llama3.2'), prompt: 'Weather in Oslo?', tools: { weather }, maxRetries: 0 });
    const calls = [];
    for await (const part of result.fullStream) if (part.type === 'tool-call') calls.push(part);
    expect(calls).toMatchObject([{ toolName: 'weather', input: { city: 'Oslo' } }]);
    expect(await result.toolResults).toMatchObject([{ output: 'sunny in Oslo' }]);
  });

  it('toolChoice "none" offers no tools; a named tool is forced through the answer format', async () => {
    stack.simulator.script('llama3.2:latest', 'No tools needed.');
    await generateText({ model: openai('llama3.2'), prompt: 'Hi', tools: { weather }, toolChoice: 'none', maxRetries: 0 });
    expect(lastChat()['tools']).toBeUndefined();

    stack.simulator.script('llama3.2:latest', '{"city":"Rome"}');
    const forced = await generateText({ model: openai('llama3.2'), prompt: 'Weather?', tools: { weather }, toolChoice: { type: 'tool', toolName: 'weather' }, maxRetries: 0 });
    expect(sent.at(-1)?.['tool_choice']).toEqual({ type: 'function', name: 'weather' });
    expect(forced.toolCalls).toMatchObject([{ toolName: 'weather', input: { city: 'Rome' } }]);
    expect(lastChat()).toMatchObject({ format: { type: 'object', properties: { city: { type: 'string' } } } });
    expect(lastChat()['tools']).toBeUndefined();
  });

  it('toolChoice "required": one of the tools, by name and arguments', async () => {
    stack.simulator.script('llama3.2:latest', '{"name":"weather","arguments":{"city":"Bern"}}');
    const result = streamText({ model: openai('llama3.2'), prompt: 'Weather?', tools: { weather }, toolChoice: 'required', maxRetries: 0 });
    expect(await result.toolCalls).toMatchObject([{ toolName: 'weather', input: { city: 'Bern' } }]);
  });

  it('structured output: Output.object sends text.format json_schema, which reaches Ollama as the format', async () => {
    stack.simulator.script('llama3.2:latest', '{"city":"Paris","country":"France"}');
    const result = await generateText({
      model: openai('llama3.2'),
      prompt: 'Capital of France?',
      output: Output.object({ schema: z.object({ city: z.string(), country: z.string() }) }),
      maxRetries: 0,
    });
    expect(result.output).toEqual({ city: 'Paris', country: 'France' });
    expect(sent[0]).toMatchObject({ text: { format: { type: 'json_schema', strict: true } } });
    expect(lastChat()['format']).toMatchObject({ type: 'object', required: ['city', 'country'] });
  });

  it('an item_reference to a message rlm never stored is a clear 400, naming store: false', async () => {
    const call = generateText({
      model: openai('llama3.2'),
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello.', providerOptions: { openai: { itemId: 'msg-1' } } }] },
        { role: 'user', content: 'Again?' },
      ],
      maxRetries: 0,
    });
    await expect(call).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('store: false') });
    stack.simulator.script('llama3.2:latest', 'Hello again.');
    const stateless = await generateText({
      model: openai('llama3.2'),
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello.', providerOptions: { openai: { itemId: 'msg-1' } } }] },
        { role: 'user', content: 'Again?' },
      ],
      providerOptions: { openai: { store: false } },
      maxRetries: 0,
    });
    expect(stateless.text).toBe('Hello again.');
  });
});

describe('@ai-sdk/openai, through the pipeline', () => {
  function scriptPipeline(): void {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('Wrong city.'), APPROVED] }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: 'Lyon.', revise: 'Paris is the capital of France.' }));
  }

  it('generateText: the approved answer, with the rlm summary in the response body', async () => {
    scriptPipeline();
    const result = await generateText({ model: openai('rlm'), prompt: 'Capital of France?', maxRetries: 0 });
    expect(result.text).toBe('Paris is the capital of France.');
    expect((result.response.body as { rlm: { approved: boolean } }).rlm.approved).toBe(true);
  });

  it('streamText: the stage progress as reasoning, then the answer', async () => {
    scriptPipeline();
    const result = streamText({ model: openai('rlm'), prompt: 'Capital of France?', maxRetries: 0 });
    expect(await result.text).toBe('Paris is the capital of France.');
    expect(await result.reasoningText).toMatch(/verify: REJECTED, 1 issue[\s\S]*verify: APPROVED/);
  });

  it('structured output and a forced tool call through the pipeline', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: APPROVED }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: '{"city":"Paris"}' }));
    const structured = await generateText({ model: openai('rlm'), prompt: 'Capital?', output: Output.object({ schema: z.object({ city: z.string() }) }), maxRetries: 0 });
    expect(structured.output).toEqual({ city: 'Paris' });
    const forced = await generateText({ model: openai('rlm'), prompt: 'Weather in Paris?', tools: { weather }, toolChoice: { type: 'tool', toolName: 'weather' }, maxRetries: 0 });
    expect(forced.toolCalls).toMatchObject([{ toolName: 'weather', input: { city: 'Paris' } }]);
  });

  it('an unapproved structured answer after the stream opened: an error part with the reason', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: rejected('Wrong city.') }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: '{"city":"Lyon"}', revise: '{"city":"Lyon"}' }));
    // A question of its own: the pipeline's call cache remembers the approved answer above.
    const result = streamText({ model: openai('rlm'), prompt: 'Capital of Spain?', output: Output.object({ schema: z.object({ city: z.string() }) }), maxRetries: 0, onError: () => undefined });
    const errors: unknown[] = [];
    for await (const part of result.fullStream) if (part.type === 'error') errors.push(part.error);
    expect(errors).toMatchObject([{ code: 'unverified_structured_answer', message: expect.stringContaining('No tier produced an approved answer') }]);
    expect(await result.finishReason).toBe('error');
  });
});

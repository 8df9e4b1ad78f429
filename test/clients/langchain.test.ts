/**
 * LangChain's ChatOpenAI with useResponsesApi (@langchain/openai 1.5, on the openai package's
 * responses client) through rlm to the simulator: text, streaming, tools and structured output,
 * passed through to an installed model and through the pipeline, and how a failure after the
 * stream opened reaches the caller.
 */
import { type AIMessageChunk, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startStack, type Stack } from '../support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from '../support/staged-script.js';

let stack: Stack;
/** The bodies LangChain posted to rlm, in order. */
const sent: Record<string, unknown>[] = [];

function chat(model: string): ChatOpenAI {
  return new ChatOpenAI({
    model,
    useResponsesApi: true,
    apiKey: 'local',
    maxRetries: 0,
    configuration: {
      baseURL: `${stack.url}/v1`,
      fetch: async (url: string | URL | Request, init?: RequestInit) => {
        if (typeof init?.body === 'string') sent.push(JSON.parse(init.body) as Record<string, unknown>);
        return fetch(url, init);
      },
    },
  });
}

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack.close());
beforeEach(() => {
  stack.simulator.reset();
  sent.length = 0;
});

const lastChat = (): Record<string, unknown> => stack.simulator.requests.at(-1)?.body as Record<string, unknown>;
const weather = tool(async ({ city }: { city: string }) => `sunny in ${city}`, {
  name: 'weather',
  description: 'The weather in a city',
  schema: z.object({ city: z.string() }),
});

describe('LangChain ChatOpenAI (useResponsesApi), passed through', () => {
  it('invoke: the text, usage and the system message', async () => {
    stack.simulator.script('llama3.2:latest', 'Paris is the capital of France.');
    const message = await chat('llama3.2').invoke([new SystemMessage('Be brief.'), new HumanMessage('Capital of France?')]);
    expect(message.text).toBe('Paris is the capital of France.');
    expect(message.usage_metadata).toMatchObject({ output_tokens: 6 });
    expect((lastChat()['messages'] as unknown[])[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('stream: the text in pieces, the thinking as reasoning', async () => {
    stack.simulator.script('qwen3:8b', { thinking: 'The user counts.', content: 'One two three.' });
    const pieces: string[] = [];
    let reasoning = '';
    for await (const chunk of await chat('qwen3:8b').stream('Count to three')) {
      if (chunk.text) pieces.push(chunk.text);
      const summary = (chunk.additional_kwargs['reasoning'] as { summary?: { text: string }[] } | undefined)?.summary ?? [];
      reasoning += summary.map((part) => part.text).join('');
    }
    expect(pieces.join('')).toBe('One two three.');
    expect(pieces.length).toBeGreaterThan(1);
    expect(reasoning).toBe('The user counts.');
  });

  it('tools: bindTools, the call, and its result sent back as function_call_output', async () => {
    stack.simulator.script('llama3.2:latest', [{ toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] }, 'It is sunny in Paris.']);
    const model = chat('llama3.2').bindTools([weather]);
    const question = new HumanMessage('Weather in Paris?');
    const first = await model.invoke([question]);
    expect(first.tool_calls).toMatchObject([{ name: 'weather', args: { city: 'Paris' } }]);
    const call = first.tool_calls?.[0];
    const result = new ToolMessage({ content: await weather.invoke(call?.args as { city: string }), tool_call_id: call?.id ?? '' });
    const second = await model.invoke([question, first, result]);
    expect(second.text).toBe('It is sunny in Paris.');
    expect((lastChat()['messages'] as unknown[]).at(-1)).toMatchObject({ role: 'tool', content: 'sunny in Paris', tool_name: 'weather' });
  });

  it('tools, streamed: the call as tool_call_chunks that concatenate into one call', async () => {
    stack.simulator.script('llama3.2:latest', { toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }] });
    let whole: AIMessageChunk | undefined;
    for await (const chunk of await chat('llama3.2').bindTools([weather]).stream('Weather in Oslo?')) {
      whole = whole === undefined ? chunk : whole.concat(chunk);
    }
    expect(whole?.tool_calls).toMatchObject([{ name: 'weather', args: { city: 'Oslo' } }]);
  });

  it('tool_choice: a named tool is forced ("none" LangChain itself does not send)', async () => {
    stack.simulator.script('llama3.2:latest', 'No tools needed.');
    await chat('llama3.2').bindTools([weather], { tool_choice: 'none' }).invoke('Hi');
    // @langchain/openai 1.5.8 drops tool_choice "none" in Responses mode: rlm is never asked.
    expect(sent.at(-1)?.['tool_choice']).toBeUndefined();
    stack.simulator.script('llama3.2:latest', '{"city":"Rome"}');
    const forced = await chat('llama3.2').bindTools([weather], { tool_choice: 'weather' }).invoke('Weather?');
    expect(sent.at(-1)?.['tool_choice']).toEqual({ type: 'function', name: 'weather' });
    expect(forced.tool_calls).toMatchObject([{ name: 'weather', args: { city: 'Rome' } }]);
  });

  it('withStructuredOutput: a zod schema as text.format json_schema, parsed', async () => {
    stack.simulator.script('llama3.2:latest', '{"city":"Paris","country":"France"}');
    const structured = chat('llama3.2').withStructuredOutput(z.object({ city: z.string(), country: z.string() }), { name: 'place' });
    expect(await structured.invoke('Capital of France?')).toEqual({ city: 'Paris', country: 'France' });
    expect(lastChat()['format']).toMatchObject({ type: 'object', required: ['city', 'country'] });
  });

  it('withStructuredOutput through function calling: a forced call, parsed', async () => {
    stack.simulator.script('llama3.2:latest', '{"city":"Paris","country":"France"}');
    const structured = chat('llama3.2').withStructuredOutput(z.object({ city: z.string(), country: z.string() }), { name: 'place', method: 'functionCalling' });
    expect(await structured.invoke('Capital of France?')).toEqual({ city: 'Paris', country: 'France' });
    expect(lastChat()['tools']).toBeUndefined();
  });
});

describe('LangChain ChatOpenAI (useResponsesApi), through the pipeline', () => {
  function scriptPipeline(): void {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('Wrong city.'), APPROVED] }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: 'Lyon.', revise: 'Paris is the capital of France.' }));
  }

  it('invoke: the approved answer', async () => {
    scriptPipeline();
    const message = await chat('rlm').invoke('Capital of France?');
    expect(message.text).toBe('Paris is the capital of France.');
  });

  it('stream: the stage progress as reasoning, then the answer', async () => {
    scriptPipeline();
    let text = '';
    let reasoning = '';
    for await (const chunk of await chat('rlm').stream('Capital of France, streamed?')) {
      text += chunk.text;
      const summary = (chunk.additional_kwargs['reasoning'] as { summary?: { text: string }[] } | undefined)?.summary ?? [];
      reasoning += summary.map((part) => part.text).join('');
    }
    expect(text).toBe('Paris is the capital of France.');
    expect(reasoning).toMatch(/verify: REJECTED, 1 issue[\s\S]*verify: APPROVED/);
  });

  it('tools and structured output through the pipeline', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: APPROVED }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: [{ toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] }, '{"city":"Paris"}'] }));
    const called = await chat('rlm').bindTools([weather]).invoke('Weather in Paris?');
    expect(called.tool_calls).toMatchObject([{ name: 'weather', args: { city: 'Paris' } }]);
    const structured = await chat('rlm').withStructuredOutput(z.object({ city: z.string() }), { name: 'place' }).invoke('Capital?');
    expect(structured).toEqual({ city: 'Paris' });
  });

  it('an unapproved structured answer after the stream opened: an error with the reason', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: rejected('Wrong city.') }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: '{"city":"Lyon"}', revise: '{"city":"Lyon"}' }));
    const structured = chat('rlm').withStructuredOutput(z.object({ city: z.string() }), { name: 'place' });
    const consume = async (): Promise<void> => {
      for await (const _chunk of await structured.stream('Capital of Spain?')) void _chunk;
    };
    await expect(consume()).rejects.toThrow(/No tier produced an approved answer/);
  });
});

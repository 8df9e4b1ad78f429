/** The official openai npm package as the client: what editors and scripts actually run. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.js';
import { APPROVED, planReply, rejected, stagedScript } from './support/staged-script.js';

let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack();
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'local', maxRetries: 0 });
});
afterAll(async () => stack.close());
beforeEach(() => stack.simulator.reset());

describe('openai SDK against rlm', () => {
  it('chat.completions.create', async () => {
    stack.simulator.script('llama3.2:latest', 'Paris is the capital of France.');
    const completion = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Capital of France?' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Paris is the capital of France.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('streams with create({stream: true}) and include_usage', async () => {
    stack.simulator.script('llama3.2:latest', 'One two three.');
    const stream = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('One two three.');
    expect(usage?.completion_tokens).toBe(3);
  });

  it('the strict stream helper accepts a tool-call stream and finalises it', async () => {
    stack.simulator.script('llama3.2:latest', { toolCalls: [{ name: 'get_time', arguments: { zone: 'UTC' } }] });
    const runner = client.chat.completions.stream({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Time?' }],
      tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } } }],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual({ zone: 'UTC' });
  });

  it('embeddings.create with its default base64 encoding decodes to the right vectors', async () => {
    const viaSdk = await client.embeddings.create({ model: 'nomic-embed-text', input: ['hello', 'world'] });
    const raw = (await (
      await fetch(`${stack.url}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ model: 'nomic-embed-text', input: ['hello', 'world'] }) })
    ).json()) as { data: { embedding: number[] }[] };
    expect(viaSdk.data).toHaveLength(2);
    expect(viaSdk.data[0]?.embedding).toHaveLength(768);
    expect(viaSdk.data[1]?.embedding).toEqual(raw.data[1]?.embedding.map((value) => Math.fround(value)));
  });

  it('models.list', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('llama3.2:latest');
  });

  it('raises NotFoundError for an unknown model and BadRequestError for a bad request', async () => {
    const unknown = client.chat.completions.create({ model: 'missing-model', messages: [{ role: 'user', content: 'x' }] });
    await expect(unknown).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(unknown).rejects.toMatchObject({ status: 404, type: 'not_found_error', param: 'model' });
    const bad = client.chat.completions.create({ model: 'llama3.2', messages: [] });
    await expect(bad).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(bad).rejects.toMatchObject({ status: 400, param: 'messages' });
  });

  it('the strict stream helper accepts a pipeline run (progress as reasoning, then the answer)', async () => {
    stack.simulator.script('qwen2.5:0.5b', stagedScript({ plan: planReply('names the city'), verify: [rejected('Wrong city.'), APPROVED] }));
    stack.simulator.script('llama3.2:latest', stagedScript({ generate: 'Lyon.', revise: 'Paris.' }));
    const runner = client.chat.completions.stream({ model: 'rlm', messages: [{ role: 'user', content: 'Capital of France?' }] });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('Paris.');
    expect(final.choices[0]?.finish_reason).toBe('stop');
    const nonStreaming = await client.chat.completions.create({ model: 'rlm', messages: [{ role: 'user', content: 'Capital of France?' }] });
    expect((nonStreaming as unknown as { rlm: { approved: boolean } }).rlm.approved).toBe(true);
  });

  it('surfaces a mid-stream failure as an APIError instead of a silently short answer', async () => {
    stack.simulator.script('llama3.2:latest', { content: 'partial answer here', fault: { kind: 'error-line', afterChunks: 1, message: 'model crashed' } });
    const stream = await client.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }], stream: true });
    const consume = async (): Promise<void> => {
      for await (const chunk of stream) void chunk;
    };
    await expect(consume()).rejects.toThrow(/model crashed/);
  });
});

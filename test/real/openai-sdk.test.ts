/** rlm in front of a real Ollama and real small models, with the openai SDK as the client. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_MODELS } from '../support/real-ollama.js';
import { ollamaChatRequestsLogged, realSkipped, startRealStack, type RealStack } from './real-stack.js';

describe.skipIf(realSkipped !== undefined)('openai SDK through rlm to a real Ollama', () => {
  let stack: RealStack;
  let client: OpenAI;
  const chat = REAL_MODELS.chat;

  beforeAll(async () => {
    stack = await startRealStack();
    client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'local', maxRetries: 0, timeout: 300_000 });
  });
  afterAll(async () => stack?.close());

  it('lists the installed models after the virtual ones', async () => {
    const ids = (await client.models.list()).data.map((model) => model.id);
    expect(ids[0]).toBe('rlm');
    expect(ids).toEqual(expect.arrayContaining([REAL_MODELS.chat, REAL_MODELS.ladder, REAL_MODELS.embed]));
  });

  it('chat: an answer, a finish reason and real token counts', async () => {
    const completion = await client.chat.completions.create({
      model: chat,
      messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
      max_tokens: 16,
      temperature: 0,
    });
    const choice = completion.choices[0]!;
    expect(choice.message.content?.trim().length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(choice.finish_reason);
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(5);
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage!.completion_tokens).toBeLessThanOrEqual(16);
  });

  it('streams deltas and a usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: chat,
      messages: [{ role: 'user', content: 'Name three colours.' }],
      max_tokens: 24,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let deltas = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) {
        text += content;
        deltas += 1;
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toBeGreaterThan(1);
    expect(text.trim().length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(finish);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('response_format json_schema: the content fits the schema', async () => {
    const completion = await client.chat.completions.create({
      model: chat,
      messages: [{ role: 'user', content: 'Give the name and age of a fictional person as JSON.' }],
      max_tokens: 64,
      temperature: 0,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'person',
          schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] },
        },
      },
    });
    const value = JSON.parse(completion.choices[0]!.message.content!) as { name: unknown; age: unknown };
    expect(typeof value.name).toBe('string');
    expect(Number.isInteger(value.age)).toBe(true);
  });

  it('logprobs: one entry per token, with alternatives', async () => {
    const completion = await client.chat.completions.create({
      model: chat,
      messages: [{ role: 'user', content: 'Say yes.' }],
      max_tokens: 4,
      temperature: 0,
      logprobs: true,
      top_logprobs: 3,
    });
    const content = completion.choices[0]!.logprobs!.content!;
    expect(content.length).toBe(completion.usage!.completion_tokens);
    for (const entry of content) {
      expect(typeof entry.token).toBe('string');
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs.length).toBeGreaterThan(0);
      expect(entry.top_logprobs.length).toBeLessThanOrEqual(3);
    }
  });

  it('embeddings: float and base64, full size and truncated by dimensions', async () => {
    const floats = await client.embeddings.create({ model: REAL_MODELS.embed, input: ['a cat', 'a dog'], encoding_format: 'float' });
    expect(floats.data).toHaveLength(2);
    expect(floats.data[0]!.embedding).toHaveLength(384);
    const norm = Math.hypot(...floats.data[0]!.embedding);
    expect(norm).toBeCloseTo(1, 3);
    // The SDK asks for base64 by default and decodes it.
    const truncated = await client.embeddings.create({ model: REAL_MODELS.embed, input: 'a cat', dimensions: 128 });
    expect(truncated.data[0]!.embedding).toHaveLength(128);
    expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('a missing model is a 404 naming what is installed', async () => {
    const error = await client.chat.completions
      .create({ model: 'no-such-model:1b', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as Error).message).toContain('no-such-model:1b');
    expect((error as Error).message).toContain(REAL_MODELS.chat);
  });

  it('a client that leaves mid-stream stops the generation in Ollama', async () => {
    const before = await ollamaChatRequestsLogged();
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: chat,
        messages: [{ role: 'user', content: 'Write a very long story about a dragon, at least a thousand words.' }],
        max_tokens: 2000,
        stream: true,
      },
      { signal: controller.signal },
    );
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) chunks += 1;
        if (chunks === 3) controller.abort();
      }
    } catch (error) {
      expect((error as Error).name).toMatch(/Abort/);
    }
    expect(chunks).toBe(3);
    // Ollama logs a request when it ends. Left running, 2000 tokens at this model's pace (tens of
    // tokens a second here) would take most of a minute; cancelled, the request ends at once.
    const aborted = Date.now();
    let after = before;
    while (after.length === before.length && Date.now() - aborted < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await ollamaChatRequestsLogged();
    }
    expect(after.length, 'Ollama was still generating 15 s after the client left').toBe(before.length + 1);
    expect(after.at(-1)!.seconds).toBeLessThan(15);
  });
});

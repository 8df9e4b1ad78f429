/**
 * rlm as a drop-in Ollama, against a real one: the official `ollama` client pointed at rlm sees
 * the same shapes for installed models as pointed straight at Ollama, field by field (every key,
 * in order, with its JSON type, nested), for each call a client makes. Values differ where they
 * must (timestamps, durations, generated text), so only the shapes are compared.
 */
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_MODELS } from '../support/real-ollama.js';
import { realSkipped, startRealStack, type RealStack } from './real-stack.js';

/** A value's shape: objects as their keys in order with each key's shape, arrays by their first element. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? ['empty'] : [shape(value[0])];
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).map(([key, field]) => [key, shape(field)]);
  return typeof value;
}

/** The first chunk, one from the middle with text, and the done chunk of a stream, by shape. */
async function streamShapes(stream: AsyncIterable<object>): Promise<unknown[]> {
  const chunks: object[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  expect(chunks.length).toBeGreaterThan(1);
  return [shape(chunks[0]), shape(chunks[chunks.length - 2]), shape(chunks.at(-1))];
}

describe.skipIf(realSkipped !== undefined)('the ollama client sees the same shapes through rlm as from Ollama', () => {
  let stack: RealStack;
  let direct: Ollama;
  let through: Ollama;
  const model = REAL_MODELS.chat;
  const options = { temperature: 0, seed: 1, num_predict: 8 };
  const messages = [{ role: 'user', content: 'Say hello in five words.' }];

  beforeAll(async () => {
    // Tiny models ramble: bounded calls and one tier keep the pipeline's run to seconds.
    const profile = { generator: model, verifier: model, planner: model, ladder: [], maxRevisions: 0, plan: 'never', stages: { generate: { num_predict: 32 }, revise: { num_predict: 32 } } };
    stack = await startRealStack({ rlmConfig: { profiles: { rlm: profile } } });
    direct = new Ollama({ host: stack.ollamaUrl });
    through = new Ollama({ host: stack.url });
  });
  afterAll(async () => stack?.close());

  it('list: the installed entries are Ollama\'s own, after the virtual ones', async () => {
    const ours = await through.list();
    const theirs = await direct.list();
    expect(ours.models[0]?.name).toBe('rlm');
    const installed = ours.models.filter((entry) => !entry.name.startsWith('rlm'));
    expect(installed).toEqual(theirs.models);
    // A virtual entry has every key an installed one has.
    const keys = (entry: object): string[] => Object.keys(entry);
    expect(keys(ours.models[0] as object)).toEqual(expect.arrayContaining(keys(theirs.models[0] as object)));
    expect(shape((ours.models[0] as { details: object }).details)).toEqual(shape((theirs.models[0] as { details: object }).details));
  });

  it('show, version and ps', async () => {
    expect(shape(await through.show({ model }))).toEqual(shape(await direct.show({ model })));
    expect(await through.version()).toEqual(await direct.version());
    await direct.generate({ model, prompt: 'hi', options });
    expect(shape(await through.ps())).toEqual(shape(await direct.ps()));
    // A virtual model's show answer has the keys clients read.
    const virtual = (await through.show({ model: 'rlm' })) as unknown as Record<string, unknown>;
    for (const key of ['modelfile', 'parameters', 'template', 'details', 'model_info', 'capabilities', 'modified_at']) expect(virtual).toHaveProperty(key);
  });

  it('chat, plain and streaming', async () => {
    expect(shape(await through.chat({ model, messages, options }))).toEqual(shape(await direct.chat({ model, messages, options })));
    expect(await streamShapes(await through.chat({ model, messages, options, stream: true }))).toEqual(
      await streamShapes(await direct.chat({ model, messages, options, stream: true })),
    );
  });

  it('generate, plain and streaming', async () => {
    const prompt = 'Why is the sky blue?';
    expect(shape(await through.generate({ model, prompt, options }))).toEqual(shape(await direct.generate({ model, prompt, options })));
    expect(await streamShapes(await through.generate({ model, prompt, options, stream: true }))).toEqual(
      await streamShapes(await direct.generate({ model, prompt, options, stream: true })),
    );
  });

  it('embed and the legacy embeddings', async () => {
    const embedModel = REAL_MODELS.embed;
    const input = ['The sky is blue.', 'Grass is green.'];
    const ours = await through.embed({ model: embedModel, input });
    const theirs = await direct.embed({ model: embedModel, input });
    expect(shape(ours)).toEqual(shape(theirs));
    // float32 both ways: the same numbers within float32 rounding.
    ours.embeddings[0]?.forEach((value, index) => expect(value).toBeCloseTo(theirs.embeddings[0]?.[index] ?? Number.NaN, 5));
    const legacy = { model: embedModel, prompt: 'The sky is blue.' };
    expect(shape(await through.embeddings(legacy))).toEqual(shape(await direct.embeddings(legacy)));
  });

  it('a missing model is a 404 ResponseError both ways, rlm\'s starting with Ollama\'s words', async () => {
    const theirs = (await direct.chat({ model: 'nope:1b', messages }).catch((error: unknown) => error)) as { status_code: number; message: string };
    const ours = (await through.chat({ model: 'nope:1b', messages }).catch((error: unknown) => error)) as { status_code: number; message: string };
    expect(ours.status_code).toBe(theirs.status_code);
    expect(ours.message.startsWith(theirs.message)).toBe(true);
    expect(ours.message).toContain(model);
  });

  it('the pipeline answers the ollama client as a model, its progress as thinking', async () => {
    let content = '';
    let thinking = '';
    let last: Record<string, unknown> | undefined;
    for await (const part of await through.chat({ model: 'rlm', messages: [{ role: 'user', content: 'What is 2 + 3? Answer with the number.' }], stream: true, think: true })) {
      content += part.message.content;
      thinking += part.message.thinking ?? '';
      last = part as unknown as Record<string, unknown>;
    }
    expect(content.trim().length).toBeGreaterThan(0);
    expect(thinking).toMatch(/generate: draft from /);
    expect(last).toMatchObject({ done: true, done_reason: 'stop', eval_count: expect.any(Number), total_duration: expect.any(Number) });
  });
});

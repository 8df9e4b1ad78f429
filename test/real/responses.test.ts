/**
 * POST /v1/responses through rlm to a real Ollama, with the openai package's responses client:
 * text, the streamed event sequence and a tool call on a real small model passed through, and
 * text through the pipeline. None of the small models has Ollama's `tools` capability, so the
 * call is forced with tool_choice, which rlm enforces through the answer's JSON schema.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_MODELS } from '../support/real-ollama.js';
import { realSkipped, startRealStack, type RealStack } from './real-stack.js';

const PROFILE = {
  generator: REAL_MODELS.chat,
  verifier: REAL_MODELS.chat,
  planner: REAL_MODELS.chat,
  ladder: [REAL_MODELS.ladder],
  maxRevisions: 1,
  plan: 'auto',
  stages: { generate: { num_predict: 64 }, revise: { num_predict: 64 } },
};

describe.skipIf(realSkipped !== undefined)('/v1/responses through rlm to a real Ollama', () => {
  let stack: RealStack;
  let client: OpenAI;
  const model = REAL_MODELS.chat;

  beforeAll(async () => {
    stack = await startRealStack({ rlmConfig: { profiles: { rlm: PROFILE } } });
    client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'local', maxRetries: 0, timeout: 300_000 });
  });
  afterAll(async () => stack?.close());

  it('text: output_text, a completed status and real token counts', async () => {
    const response = await client.responses.create({ model, instructions: 'Answer in one word.', input: 'What is the capital of France?', max_output_tokens: 16, temperature: 0 });
    expect(response.status === 'completed' || response.status === 'incomplete').toBe(true);
    expect(response.output_text.trim().length).toBeGreaterThan(0);
    expect(response.usage!.input_tokens).toBeGreaterThan(5);
    expect(response.usage!.output_tokens).toBeGreaterThan(0);
    expect(response.usage!.output_tokens).toBeLessThanOrEqual(16);
  });

  it('streaming: numbered events, text deltas that add up to the final item, then the terminal event', async () => {
    const stream = await client.responses.create({ model, input: 'Name three colours.', max_output_tokens: 24, temperature: 0, stream: true });
    const numbers: number[] = [];
    let text = '';
    let deltas = 0;
    let last: OpenAI.Responses.ResponseStreamEvent | undefined;
    for await (const event of stream) {
      numbers.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') {
        text += event.delta;
        deltas += 1;
      }
      last = event;
    }
    expect(numbers).toEqual(numbers.map((_number, index) => index));
    expect(deltas).toBeGreaterThan(1);
    expect(['response.completed', 'response.incomplete']).toContain(last?.type);
    const final = (last as OpenAI.Responses.ResponseCompletedEvent).response;
    expect(final.output_text ?? final.output.flatMap((item) => (item.type === 'message' ? item.content : [])).map((part) => ('text' in part ? part.text : '')).join('')).toBe(text);
  });

  it('a tool call: tool_choice names the function, and the arguments parse and fit its schema', async () => {
    const response = await client.responses.create({
      model,
      input: 'What is the weather in Paris?',
      tools: [{ type: 'function', name: 'get_weather', description: 'The weather in a city', strict: true, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } }],
      tool_choice: { type: 'function', name: 'get_weather' },
      max_output_tokens: 48,
      temperature: 0,
    });
    const call = response.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall | undefined;
    expect(call?.name).toBe('get_weather');
    const args = JSON.parse(call!.arguments) as { city?: unknown };
    expect(typeof args.city).toBe('string');
  });

  it('tools the model cannot call, without a forced choice: a clear 400 before anything runs', async () => {
    const attempt = client.responses.create({ model, input: 'Weather?', tools: [{ type: 'function', name: 'get_weather', strict: false, parameters: { type: 'object', properties: {} } }] });
    await expect(attempt).rejects.toMatchObject({ status: 400 });
  });

  it('the pipeline: an answer with the rlm summary, and streamed with progress as a reasoning summary', async () => {
    const response = await client.responses.create({ model: 'rlm', input: 'What is the capital of France?' });
    expect(response.output_text.trim().length).toBeGreaterThan(0);
    expect((response as unknown as { rlm: { attempts: number } }).rlm.attempts).toBeGreaterThan(0);
    let summary = '';
    let text = '';
    for await (const event of await client.responses.create({ model: 'rlm', input: 'Name a primary colour.', stream: true })) {
      if (event.type === 'response.reasoning_summary_text.delta') summary += event.delta;
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(summary).toMatch(/generate: /);
    expect(text.trim().length).toBeGreaterThan(0);
  });
});

/**
 * The pipeline answers chat only: its ids sent to /v1/completions or /v1/embeddings get a 400
 * pipeline_chat_only naming the installed models that serve the endpoint, not a 404 saying the
 * model does not exist. Ids that are nobody's still get the 404.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startStack, type Stack } from '../support/stack.js';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

const FAST = { planner: 'qwen2.5:0.5b', generator: 'llama3.2', verifier: 'qwen2.5:0.5b' };

describe.each([
  ['derived profiles', undefined, ['rlm', 'rlm/llama3.2:latest', 'rlm/qwen2.5-coder:1.5b']],
  ['profiles from rlm.config.json', { profiles: { fast: FAST } }, ['fast', 'rlm/llama3.2']],
] as const)('%s', (_name, rlmConfig, virtualIds) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(rlmConfig === undefined ? {} : { rlmConfig });
  });
  afterAll(async () => stack.close());
  beforeEach(() => stack.simulator.reset());

  describe.each(virtualIds)('model %s', (model) => {
    it.each([false, true])('/v1/completions, stream: %s: 400 naming the models that autocomplete', async (stream) => {
      const response = await postJson(`${stack.url}/v1/completions`, { model, stream, prompt: 'def add(a, b):', suffix: stream ? 'return' : undefined });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/json');
      const { error } = response.json() as ErrorBody;
      expect(error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'pipeline_chat_only' });
      expect(error.message).toBe(
        `The model '${model}' is rlm's pipeline, which answers chat only (/v1/chat/completions); it does not serve autocomplete (/v1/completions). ` +
          'Models that serve it: qwen3:8b, qwen2.5:0.5b, llama3.2:latest, qwen2.5-coder:1.5b (fill-in-the-middle).',
      );
      expect(stack.simulator.requests.some((request) => request.path === '/api/generate')).toBe(false);
    });

    it('/v1/embeddings: 400 naming the embedding models', async () => {
      const response = await postJson(`${stack.url}/v1/embeddings`, { model, input: ['one', 'two'] });
      expect(response.status).toBe(400);
      const { error } = response.json() as ErrorBody;
      expect(error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'pipeline_chat_only' });
      expect(error.message).toBe(
        `The model '${model}' is rlm's pipeline, which answers chat only (/v1/chat/completions); it does not serve embeddings (/v1/embeddings). ` +
          'Models that serve it: nomic-embed-text:latest.',
      );
    });
  });

  it('an id that is nobody’s is still the 404', async () => {
    for (const path of ['/v1/completions', '/v1/embeddings']) {
      const response = await postJson(`${stack.url}${path}`, { model: 'nope:1b', prompt: 'x', input: 'x' });
      expect(response.status).toBe(404);
      expect((response.json() as ErrorBody).error.code).toBe('model_not_found');
    }
  });

  it('installed models still serve both endpoints', async () => {
    expect((await postJson(`${stack.url}/v1/completions`, { model: 'qwen2.5-coder:1.5b', prompt: 'x' })).status).toBe(200);
    expect((await postJson(`${stack.url}/v1/embeddings`, { model: 'nomic-embed-text', input: 'x' })).status).toBe(200);
  });
});

describe('no installed model serves the endpoint', () => {
  it('says what to pull', async () => {
    const stack = await startStack({ simulator: { models: [{ name: 'llama3.2:latest', capabilities: ['completion'] }] } });
    try {
      const response = await postJson(`${stack.url}/v1/embeddings`, { model: 'rlm', input: 'x' });
      expect(response.status).toBe(400);
      expect((response.json() as ErrorBody).error.message).toMatch(/No installed model serves it; install one, such as `ollama pull nomic-embed-text`\.$/);
    } finally {
      await stack.close();
    }
  });
});

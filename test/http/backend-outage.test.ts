/**
 * Ollama down: the model lists (/v1/models, /api/tags) keep answering 200 with the virtual models
 * and the last installed list known, so `rlm` stays in editors' model pickers; /health says why.
 */
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import { createLogger } from '../../src/utils/logger.js';
import { closedPort, FIXED_NOW, startStack, testConfig } from '../support/stack.js';

const ids = async (url: string): Promise<string[]> => ((await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] }).data.map((model) => model.id);
const tagNames = async (url: string): Promise<string[]> => ((await (await fetch(`${url}/api/tags`)).json()) as { models: { name: string }[] }).models.map((model) => model.name);

describe('while Ollama is down', () => {
  it('the lists keep the virtual models and the last installed ones; /health names the outage and those models', async () => {
    let clock = FIXED_NOW;
    const stack = await startStack({ now: () => clock, config: { upstreamTimeoutMs: 500 } });
    try {
      const before = await ids(stack.url);
      const tagsBefore = await tagNames(stack.url);
      expect((await (await fetch(`${stack.url}/api/version`)).json()) as unknown).toEqual({ version: '0.33.0' });
      await stack.simulator.close();
      clock += 60_000; // past the catalogue's cache, so the lists must ask Ollama again

      const models = await fetch(`${stack.url}/v1/models`);
      expect(models.status).toBe(200);
      expect(await ids(stack.url)).toEqual(before);
      const tags = await fetch(`${stack.url}/api/tags`);
      expect(tags.status).toBe(200);
      expect(await tagNames(stack.url)).toEqual(tagsBefore);
      expect(await (await fetch(`${stack.url}/api/version`)).json()).toEqual({ version: '0.33.0' });

      const health = await fetch(`${stack.url}/health`);
      expect(health.status).toBe(503);
      const body = (await health.json()) as { backend: { reachable: boolean; error: string; last_known_models: string[] } };
      expect(body.backend.reachable).toBe(false);
      expect(body.backend.error).toMatch(/Cannot reach Ollama/);
      expect(body.backend.last_known_models).toContain('llama3.2:latest');

      // Inference still fails, in each API's own shape.
      const chat = await fetch(`${stack.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }) });
      expect(chat.status).toBe(502);
      expect(((await chat.json()) as { error: string }).error).toMatch(/^Cannot reach Ollama at /);
    } finally {
      await stack.close();
    }
  });

  it('a server that never reached Ollama still lists `rlm`', async () => {
    const port = await closedPort();
    const server = await startServer(testConfig({ ollamaUrl: `http://127.0.0.1:${port}` }), { logger: createLogger({ level: 'silent' }) });
    try {
      expect(await ids(server.url)).toEqual(['rlm']);
      const tags = (await (await fetch(`${server.url}/api/tags`)).json()) as { models: { name: string; capabilities: string[]; details: { parent_model: string } }[] };
      expect(tags.models).toEqual([expect.objectContaining({ name: 'rlm', capabilities: ['completion', 'thinking'] })]);
      const version = await fetch(`${server.url}/api/version`);
      expect(version.status).toBe(502);
      expect(Object.keys((await version.json()) as object)).toEqual(['error']);
    } finally {
      await server.close(0);
    }
  });

  it('profiles from rlm.config.json are listed without Ollama', async () => {
    const port = await closedPort();
    const stack = await startStack({ rlmConfig: { profiles: { careful: { generator: 'llama3.2' } } }, config: { ollamaUrl: `http://127.0.0.1:${port}` } });
    try {
      expect(await ids(stack.url)).toEqual(['careful']);
      expect(await tagNames(stack.url)).toEqual(['careful']);
    } finally {
      await stack.close();
    }
  });
});

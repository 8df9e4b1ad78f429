/**
 * The model catalogue against the simulator, counting the /api/tags requests that reach it: one
 * refresh at a time, shared by every caller waiting for it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createModelCatalog, type ModelCatalog } from '../../src/llm/model-catalog.js';
import { createOllamaClient, type OllamaClient } from '../../src/llm/ollama-client.js';
import type { OllamaTagsResponse } from '../../src/types/ollama.js';
import { ClientAbortedError, UpstreamUnreachableError } from '../../src/utils/errors.js';
import { startSimulator, type Simulator } from '../simulator/index.js';

const CALLERS = 50;
const TTL_MS = 5000;

let simulator: Simulator;
let ollama: OllamaClient;
let clock: number;
let catalog: ModelCatalog;
const tagsRequests = (): number => simulator.requests.filter((request) => request.path === '/api/tags').length;

beforeAll(async () => {
  simulator = await startSimulator();
  ollama = createOllamaClient({ baseUrl: simulator.url, timeoutMs: 5000 });
});
afterAll(async () => simulator.close());
beforeEach(() => {
  simulator.reset();
  clock = 0;
  catalog = createModelCatalog(ollama, { ttlMs: TTL_MS, now: () => clock });
});

const together = <T>(call: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: CALLERS }, call));

describe('one /api/tags refresh at a time, shared by every waiter', () => {
  it('many lookups on a cold cache: one refresh', async () => {
    const found = await together(() => catalog.find('llama3.2'));
    expect(found.every((model) => model?.name === 'llama3.2:latest')).toBe(true);
    expect(tagsRequests()).toBe(1);
  });

  it('many misses on a cold cache: one refresh, and the 404 does not ask again', async () => {
    const found = await together(() => catalog.find('missing:1b'));
    expect(found.every((model) => model === undefined)).toBe(true);
    const notFound = await catalog.notFound('missing:1b');
    expect(notFound.message).toContain('llama3.2:latest');
    expect(tagsRequests()).toBe(1);
  });

  it('many misses on a warm cache: one more refresh (the model may just have been pulled)', async () => {
    await catalog.list();
    const found = await together(() => catalog.find('missing:1b'));
    expect(found.every((model) => model === undefined)).toBe(true);
    expect(tagsRequests()).toBe(2);
  });

  it('many callers once the cache has expired: one refresh', async () => {
    await catalog.list();
    clock += TTL_MS;
    await together(() => catalog.list());
    expect(tagsRequests()).toBe(2);
    await together(() => catalog.capabilities('llama3.2'));
    expect(tagsRequests()).toBe(2);
  });

  it("a caller's abort ends its own wait only", async () => {
    const controller = new AbortController();
    const leaving = catalog.list(controller.signal);
    const staying = catalog.list();
    controller.abort(new ClientAbortedError());
    await expect(leaving).rejects.toBeInstanceOf(ClientAbortedError);
    expect((await staying).map((model) => model.name)).toContain('llama3.2:latest');
    expect(tagsRequests()).toBe(1);
  });

  it('a failed refresh is shared, not kept: the next call asks again', async () => {
    let calls = 0;
    const failing: OllamaClient = {
      ...ollama,
      tags: async (): Promise<OllamaTagsResponse> => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (calls === 1) throw new UpstreamUnreachableError('http://127.0.0.1:1', new Error('refused'));
        return { models: [] };
      },
    };
    const flaky = createModelCatalog(failing, { ttlMs: TTL_MS, now: () => clock });
    const failures = await Promise.allSettled(Array.from({ length: CALLERS }, () => flaky.list()));
    expect(failures.every((result) => result.status === 'rejected' && result.reason instanceof UpstreamUnreachableError)).toBe(true);
    expect(await flaky.list()).toEqual([]);
    expect(calls).toBe(2);
  });
});

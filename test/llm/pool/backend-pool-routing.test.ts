/** The pool's routing: model lists, `name/` pins, merged tags, the 404, and the one-backend forward. */
import { describe, expect, it } from 'vitest';
import { createBackendPool, type PoolMember } from '../../../src/llm/pool/backend-pool.js';
import type { BackendType } from '../../../src/types/backend.js';
import { NotFoundError } from '../../../src/utils/errors.js';
import { fakeBackend, readAll, unreachable, type FakeBackend } from './fake-backend.js';

const member = (fake: FakeBackend, name: string, extra: Partial<PoolMember> = {}, type: BackendType = 'ollama'): PoolMember => ({
  name,
  type,
  client: fake.client,
  maxConcurrent: null,
  models: null,
  ...extra,
});
const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });

describe('routing', () => {
  it('sends a model to the backends whose list has it (Ollama names normalised)', async () => {
    const a = fakeBackend('a', ['llama3.2:latest']);
    const b = fakeBackend('b', ['qwen3:8b']);
    const pool = createBackendPool([member(a, 'a'), member(b, 'b')], { now: () => 0 });
    await pool.chat(ask('qwen3:8b'));
    await pool.chat(ask('LLAMA3.2'));
    expect(a.sent).toEqual(['LLAMA3.2']);
    expect(b.sent).toEqual(['qwen3:8b']);
    expect(pool.backendsFor('llama3.2')).toEqual(['a']);
  });

  it('pins `name/model` to that backend and sends `model`; ids with a slash of their own are ids', async () => {
    const a = fakeBackend('a', ['llama3.2:latest']);
    const vllm = fakeBackend('vllm', ['Qwen/Qwen2.5-7B']);
    const pool = createBackendPool([member(a, 'a'), member(vllm, 'vllm', {}, 'openai')], { now: () => 0 });
    await pool.chat(ask('a/llama3.2'));
    await pool.chat(ask('Qwen/Qwen2.5-7B'));
    await pool.chat(ask('vllm/Qwen/Qwen2.5-7B'));
    expect(a.sent).toEqual(['llama3.2']);
    expect(vllm.sent).toEqual(['Qwen/Qwen2.5-7B', 'Qwen/Qwen2.5-7B']);
    expect(pool.backendsFor('vllm/anything')).toEqual(['vllm']);
    // OpenAI-compatible servers compare exactly.
    await expect(pool.chat(ask('qwen/qwen2.5-7b'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a configured list is used instead of asking', async () => {
    const a = fakeBackend('a', ['other:1b']);
    const b = fakeBackend('b', []);
    const pool = createBackendPool([member(a, 'a', { models: ['big:70b'] }), member(b, 'b')], { now: () => 0 });
    await pool.chat(ask('big:70b'));
    expect(a.sent).toEqual(['big:70b']);
    expect(a.tagsCalls).toBe(0);
  });

  it('a miss refreshes each list once, shared by the callers waiting, then 404s naming the backends searched', async () => {
    let clock = 0;
    const a = fakeBackend('a', ['llama3.2:latest']);
    const b = fakeBackend('b', []);
    const pool = createBackendPool([member(a, 'a'), member(b, 'b')], { now: () => clock, modelListTtlMs: 1000 });
    await pool.chat(ask('llama3.2'));
    expect([a.tagsCalls, b.tagsCalls]).toEqual([1, 1]);
    b.models = ['new:1b'];
    await Promise.all([pool.chat(ask('new:1b')), pool.chat(ask('new:1b'))]);
    expect([a.tagsCalls, b.tagsCalls]).toEqual([2, 2]);
    expect(b.sent).toEqual(['new:1b', 'new:1b']);
    const missing = await pool.chat(ask('missing:1b')).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).message).toBe("The model 'missing:1b' is not served by any backend (searched a, b).");
    // A hit on a stale list is served at once and refreshed in the background.
    clock = 5000;
    await pool.chat(ask('llama3.2'));
    expect(a.tagsCalls).toBe(4);
  });

  it('a backend whose list could not be read at all answers with its own error, not a 404', async () => {
    const a = fakeBackend('a', []);
    const b = fakeBackend('b', ['x:1b']);
    b.always = unreachable('http://b');
    const pool = createBackendPool([member(a, 'a'), member(b, 'b')], { now: () => 0 });
    await expect(pool.chat(ask('x:1b'))).rejects.toThrow(/Cannot reach Ollama at http:\/\/b/);
  });
});

describe('tags and version', () => {
  it('merges every list, each model once, the first backend winning; a backend down gives its last list', async () => {
    let clock = 0;
    const a = fakeBackend('a', ['llama3.2:latest', 'shared:1b']);
    const b = fakeBackend('b', ['shared:1b', 'qwen3:8b']);
    const pool = createBackendPool([member(a, 'a'), member(b, 'b')], { now: () => clock });
    const first = await pool.tags();
    expect(first.models.map((model) => [model.name, model.digest])).toEqual([
      ['llama3.2:latest', 'digest-llama3.2:latest'],
      ['shared:1b', 'digest-shared:1b'],
      ['qwen3:8b', 'digest-qwen3:8b'],
    ]);
    b.always = unreachable('http://b');
    clock = 10;
    expect((await pool.tags()).models.map((model) => model.name)).toEqual(['llama3.2:latest', 'shared:1b', 'qwen3:8b']);
    expect(pool.states()[1]?.state).toBe('cooling');
    // Cooling, it is not asked again.
    const asked = b.tagsCalls;
    await pool.tags();
    expect(b.tagsCalls).toBe(asked);
    // Everything down: the first error, as with one backend.
    a.always = unreachable('http://a');
    clock = 100_000;
    await expect(pool.tags()).rejects.toThrow(/http:\/\/a/);
  });

  it('version is the first backend’s, or the next one’s while it is down', async () => {
    const a = fakeBackend('a', []);
    const b = fakeBackend('b', []);
    const pool = createBackendPool([member(a, 'a'), member(b, 'b')], { now: () => 0 });
    expect(await pool.version()).toEqual({ version: 'a-1.0' });
    a.always = unreachable();
    expect(await pool.version()).toEqual({ version: 'b-1.0' });
  });

  it('show routes like a chat', async () => {
    const a = fakeBackend('a', ['x:1b']);
    const b = fakeBackend('b', ['y:1b']);
    const pool = createBackendPool([member(a, 'a'), member(b, 'b')], { now: () => 0 });
    expect((await pool.show({ model: 'y:1b' })).modelfile).toBe('b:y:1b');
    expect((await pool.show({ model: 'a/y:1b' })).modelfile).toBe('a:y:1b');
  });
});

describe('one plain backend', () => {
  it('is forwarded straight: the same stream object, a `name/` prefix stripped, nothing tracked', async () => {
    const a = fakeBackend('a', ['x:1b']);
    const stream = a.client.chatStream;
    let seen: unknown;
    a.client.chatStream = (request, signal) => {
      const made = stream(request, signal);
      seen = made;
      return made;
    };
    const pool = createBackendPool([member(a, 'ollama')], {});
    const made = pool.chatStream(ask('ollama/x:1b'));
    expect(made).toBe(seen);
    expect(await readAll(made)).toBe('a0a1a2');
    expect(a.sent).toEqual(['x:1b']);
    expect(a.tagsCalls).toBe(0);
    expect(pool.session()).not.toBe(undefined);
    await pool.tags();
    expect(pool.states()).toEqual([
      { name: 'ollama', type: 'ollama', url: 'http://a', state: 'up', cooldownUntil: null, failures: 0, lastError: null, inFlight: 0, queued: 0, models: ['x:1b'], latencyMs: null, tracked: false },
    ]);
    expect(pool.backendsFor('x:1b')).toEqual(['ollama']);
  });
});

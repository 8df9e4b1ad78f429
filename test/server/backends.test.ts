/**
 * rlm with `backends` in rlm.config.json, end to end over HTTP: two Ollama simulators sharing a
 * model and a third simulator reached through its OpenAI-compatible /v1, for pass-through and
 * pipeline requests, the merged model list, /health per backend, pins, and a failover the run
 * records with both attempts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import type { AttemptRecord } from '../../src/types/attempt.js';
import { createLogger } from '../../src/utils/logger.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { closedPort, postJson, sseEvents, testConfig } from '../support/stack.js';
import { APPROVED, stagedScript } from '../support/staged-script.js';

const SMALL = 'qwen2.5:0.5b';
const BIG = 'big-model:latest';

interface World {
  url: string;
  sims: { a: Simulator; b: Simulator; c: Simulator };
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

const open: World[] = [];
afterEach(async () => {
  for (const world of open.splice(0)) await world.close();
});

async function startWorld(rlmConfig: (urls: { a: string; b: string; c: string }) => unknown): Promise<World> {
  const [a, b, c] = await Promise.all([
    startSimulator(),
    startSimulator(),
    startSimulator({ models: [{ name: BIG, parameterSize: '32B' }, { name: SMALL, parameterSize: '0.5B' }] }),
  ]);
  const directory = await mkdtemp(join(tmpdir(), 'rlm-backends-'));
  await writeFile(join(directory, 'rlm.config.json'), JSON.stringify(rlmConfig({ a: a.url, b: b.url, c: c.url })));
  const logs: Record<string, unknown>[] = [];
  const server = await startServer(testConfig({ ollamaUrl: `http://127.0.0.1:${await closedPort()}`, dataDir: join(directory, 'data') }), {
    logger: createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) }),
    cwd: directory,
  });
  const world: World = {
    url: server.url,
    sims: { a, b, c },
    logs,
    close: async () => {
      await server.close(0);
      await Promise.all([a.close(), b.close(), c.close()]);
      await rm(directory, { recursive: true, force: true });
    },
  };
  open.push(world);
  return world;
}

const backendsOf = (urls: { a: string; b: string; c: string }) => ({
  a: { url: urls.a },
  b: { url: urls.b },
  c: { type: 'openai', url: `${urls.c}/v1`, models: [BIG, SMALL] },
});

const chats = (sim: Simulator, path = '/api/chat'): number => sim.requests.filter((request) => request.path === path).length;
const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: SMALL, messages: [{ role: 'user', content }], ...extra });

describe('several backends behind one rlm', () => {
  it('merges the model lists (each id once), and /health shows every backend', async () => {
    const world = await startWorld((urls) => ({ backends: backendsOf(urls) }));
    const models = (await (await fetch(`${world.url}/v1/models`)).json()) as { data: { id: string }[] };
    const ids = models.data.map((model) => model.id);
    expect(ids.filter((id) => id === SMALL)).toHaveLength(1);
    expect(ids).toContain(BIG);
    const health = (await (await fetch(`${world.url}/health`)).json()) as { status: string; backends: { name: string; type: string; state: string; reachable: boolean }[] };
    expect(health.status).toBe('ok');
    expect(health.backends.map((backend) => [backend.name, backend.type, backend.state, backend.reachable])).toEqual([
      ['a', 'ollama', 'up', true],
      ['b', 'ollama', 'up', true],
      ['c', 'openai', 'up', true],
    ]);
  });

  it('spreads pass-through chats over the backends of a pool, streaming and not', async () => {
    const world = await startWorld((urls) => ({ backends: { a: { url: urls.a }, b: { url: urls.b } } }));
    const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => postJson(`${world.url}/v1/chat/completions`, ask(`hello ${index}`, { stream: index % 2 === 0 }))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    for (const answer of answers.filter((_, index) => index % 2 === 0)) expect(sseEvents(answer.text).at(-1)).toBe('[DONE]');
    const { a, b } = world.sims;
    expect(chats(a) + chats(b)).toBe(12);
    expect(chats(a)).toBeGreaterThanOrEqual(3);
    expect(chats(b)).toBeGreaterThanOrEqual(3);
  });

  it('pins a model to a backend with backend/model, on the OpenAI-compatible one too', async () => {
    const world = await startWorld((urls) => ({ backends: backendsOf(urls) }));
    const pinned = await postJson(`${world.url}/v1/chat/completions`, ask('hi', { model: `c/${SMALL}` }));
    expect(pinned.status).toBe(200);
    expect((pinned.json() as { model: string }).model).toBe(`c/${SMALL}`);
    const { a, b, c } = world.sims;
    expect(chats(c, '/v1/chat/completions')).toBe(1);
    expect(chats(a) + chats(b)).toBe(0);
    const unknown = await postJson(`${world.url}/v1/chat/completions`, ask('hi', { model: 'a/not-there:1b' }));
    expect(unknown.status).toBe(404);
    expect((unknown.json() as { error: { message: string } }).error.message).toMatch(/Models on the backends \(a, b, c\)/);
  });

  it('runs a pipeline whose generator and verifier live on different backends of both types', async () => {
    const world = await startWorld((urls) => ({
      backends: backendsOf(urls),
      profiles: { split: { generator: `a/${SMALL}`, verifier: `c/${SMALL}`, plan: 'never', progress: false } },
    }));
    world.sims.a.script(SMALL, stagedScript({ generate: 'Paris.' }));
    world.sims.c.script(SMALL, stagedScript({ verify: APPROVED }));
    const answer = await postJson(`${world.url}/v1/chat/completions`, { model: 'split', messages: [{ role: 'user', content: 'Capital of France?' }] });
    expect(answer.status).toBe(200);
    expect((answer.json() as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe('Paris.');
    const runId = answer.headers.get('x-rlm-run-id');
    const run = (await (await fetch(`${world.url}/v1/rlm/runs/${runId}`)).json()) as { attempts: AttemptRecord[] };
    const calls = run.attempts.filter((attempt) => attempt.model !== null).map((attempt) => [attempt.stage, attempt.model, attempt.backend, attempt.verdict]);
    expect(calls).toEqual([
      ['generate', `a/${SMALL}`, 'a', null],
      ['verify', `c/${SMALL}`, 'c', 'APPROVED'],
    ]);
    expect(chats(world.sims.a)).toBe(1);
    expect(chats(world.sims.c, '/v1/chat/completions')).toBe(1);
    expect(chats(world.sims.b)).toBe(0);
  });

  it('fails a stage call over to another backend before any output, and the run records both attempts', async () => {
    const world = await startWorld((urls) => ({
      backends: { a: { url: urls.a }, b: { url: urls.b } },
      profiles: { rlm: { generator: SMALL, plan: 'never', progress: false } },
    }));
    const { a, b } = world.sims;
    a.fault({ kind: 'http-error', status: 503, message: 'server overloaded' });
    b.script(SMALL, stagedScript({ generate: 'Four.', verify: APPROVED }));
    const answers = [];
    for (const question of ['What is 2 + 2?', 'What is 3 + 1?']) {
      answers.push(await postJson(`${world.url}/v1/chat/completions`, { model: 'rlm', messages: [{ role: 'user', content: question }] }));
    }
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const attempts: AttemptRecord[] = [];
    for (const answer of answers) {
      const run = (await (await fetch(`${world.url}/v1/rlm/runs/${answer.headers.get('x-rlm-run-id')}`)).json()) as { attempts: AttemptRecord[] };
      attempts.push(...run.attempts.filter((attempt) => attempt.model !== null));
    }
    // The pool tried a once (then cooled it off); that call's failed attempt comes before the one b answered.
    const failed = attempts.filter((attempt) => attempt.error !== null);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error).toMatch(/^The backend a failed before answering \(.*server overloaded.*\); the call was retried on b\.$/);
    const next = attempts[attempts.indexOf(failed[0]!) + 1];
    expect([next?.stage, next?.error, next?.output?.content]).toEqual([failed[0]?.stage, null, expect.any(String)]);
    // Each model call says which backend it was on: the failed one on a, every answer from b.
    expect(failed[0]?.backend).toBe('a');
    expect(attempts.filter((attempt) => attempt.error === null).map((attempt) => attempt.backend)).toEqual(attempts.filter((attempt) => attempt.error === null).map(() => 'b'));
    expect(chats(a)).toBe(1);
    expect(world.logs.some((line) => line.msg === 'backend_failover' || line.event === 'backend_failover')).toBe(true);
    const health = (await (await fetch(`${world.url}/health`)).json()) as { status: string; backends: { name: string; state: string; failures: number }[] };
    expect(health.status).toBe('degraded');
    expect(health.backends.find((backend) => backend.name === 'a')).toMatchObject({ state: 'cooling', failures: 1 });
  });

  it('refuses before the run a verifier on a backend without structured output, and asks one without logprobs for none', async () => {
    const world = await startWorld((urls) => ({
      backends: {
        a: { url: urls.a },
        plain: { type: 'openai', url: urls.c, models: [SMALL], unsupported: ['structured'] },
        nolog: { type: 'openai', url: urls.c, models: [BIG], unsupported: ['logprobs'] },
      },
      profiles: {
        loose: { generator: `a/${SMALL}`, verifier: `plain/${SMALL}`, plan: 'never', progress: false },
        rlm: { generator: `a/${SMALL}`, verifier: `nolog/${BIG}`, plan: 'never', progress: false },
      },
    }));
    const refused = await postJson(`${world.url}/v1/chat/completions`, { model: 'loose', messages: [{ role: 'user', content: 'hi' }] });
    expect(refused.status).toBe(500);
    expect((refused.json() as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'profile_backend_unsupported',
      message: expect.stringMatching(/"plain\/qwen2\.5:0\.5b" as its verifier, but its backend has no structured output/),
    });
    expect(world.sims.a.requests.filter((request) => request.path === '/api/chat')).toHaveLength(0);
    const runs = (await (await fetch(`${world.url}/v1/rlm/runs`)).json()) as { data: unknown[] };
    expect(runs.data).toHaveLength(0);

    world.sims.a.script(SMALL, stagedScript({ generate: 'Paris.' }));
    world.sims.c.script(BIG, stagedScript({ verify: APPROVED }));
    const answered = await postJson(`${world.url}/v1/chat/completions`, { model: 'rlm', messages: [{ role: 'user', content: 'Capital of France?' }] });
    expect(answered.status).toBe(200);
    const verify = world.sims.c.requests.find((request) => request.path === '/v1/chat/completions');
    expect(verify?.body).toMatchObject({ model: BIG, response_format: { type: 'json_schema' } });
    expect(verify?.body).not.toHaveProperty('logprobs');
  });

  it('answers /api/ps with what every Ollama backend has loaded, and Ollama-only routes with a 501 when none is Ollama', async () => {
    // Stand-ins that have something loaded (the simulator never does): one Ollama each, and one down.
    const loaded = (name: string) => ({ name, model: name, size: 1, digest: 'd', details: {}, expires_at: '2026-12-04T00:00:00Z', size_vram: 1, context_length: 4096 });
    const standIns = await Promise.all(
      ['first:latest', 'second:latest'].map(
        (name) =>
          new Promise<Server>((resolve) => {
            const server = createHttpServer((request, response) => {
              response.writeHead(200, { 'content-type': 'application/json' });
              response.end(JSON.stringify(request.url === '/api/ps' ? { models: [loaded(name)] } : { models: [] }));
            });
            server.listen(0, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const closedPortNumber = await closedPort();
      const world = await startWorld((urls) => ({
        backends: {
          one: { url: urlOf(standIns[0]!) },
          gone: { url: `http://127.0.0.1:${closedPortNumber}` },
          two: { url: urlOf(standIns[1]!) },
          v: { type: 'openai', url: urls.c, models: [BIG] },
        },
      }));
      const ps = await fetch(`${world.url}/api/ps`);
      expect(ps.status).toBe(200);
      expect(((await ps.json()) as { models: { name: string }[] }).models.map((model) => model.name)).toEqual(['first:latest', 'second:latest']);

      const openAiOnly = await startWorld((urls) => ({ backends: { v: { type: 'openai', url: urls.c, models: [BIG] } } }));
      const refused = await fetch(`${openAiOnly.url}/api/ps`);
      expect(refused.status).toBe(501);
      expect(((await refused.json()) as { error: string }).error).toMatch(/none of rlm's backends is an Ollama server/);
    } finally {
      await Promise.all(standIns.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});

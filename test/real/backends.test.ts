/**
 * Several real backends behind one rlm: the suite's Ollama, a second real Ollama process on another
 * port, and the first one again through its own OpenAI-compatible /v1 (what vLLM, SGLang and
 * llama.cpp's server imitate). What is asserted is what a user of a pool relies on: load reaches
 * both machines, killing one (by PID) in the middle of a batch loses no request that had not
 * started streaming, and a pipeline whose generator and verifier live on different backends of
 * both types runs to the end with a verified trace.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTraceStore } from '../../src/orchestrator/traces/trace-store.js';
import type { AttemptRecord } from '../../src/types/attempt.js';
import { REAL_MODELS, startRealOllama, type RealOllama } from '../support/real-ollama.js';
import { postJson } from '../support/stack.js';
import { realOllamaUrl, realSkipped, startRealStack, type RealStack } from './real-stack.js';

/** The chats an Ollama log says were answered (GIN access lines), native and through its /v1. */
async function chatsLogged(logPath: string): Promise<number> {
  const text = await readFile(logPath, 'utf8');
  return text.split('\n').filter((line) => line.startsWith('[GIN]') && /\| 200 \|/.test(line) && /"\/api\/chat"|"\/v1\/chat\/completions"/.test(line)).length;
}

const ASK = (content: string) => ({ model: REAL_MODELS.chat, messages: [{ role: 'user', content }], max_tokens: 8, temperature: 0 });

describe.skipIf(realSkipped !== undefined)('several real backends behind one rlm', () => {
  let second: RealOllama;
  let stack: RealStack;

  beforeAll(async () => {
    second = await startRealOllama();
    stack = await startRealStack({
      rlmConfig: {
        backends: {
          first: { url: realOllamaUrl() },
          second: { url: second.url },
          compat: { type: 'openai', url: `${realOllamaUrl()}/v1`, models: [REAL_MODELS.chat] },
        },
        profiles: {
          split: {
            generator: `second/${REAL_MODELS.chat}`,
            verifier: `compat/${REAL_MODELS.chat}`,
            plan: 'never',
            maxRevisions: 0,
            stages: { generate: { num_predict: 48 }, verify: { num_predict: 48 } },
          },
        },
      },
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    await second?.stop();
  });

  it('lists each model once, and /health shows every backend', async () => {
    const models = (await (await fetch(`${stack.url}/v1/models`)).json()) as { data: { id: string }[] };
    const ids = models.data.map((model) => model.id);
    expect(ids.filter((id) => id === REAL_MODELS.chat)).toHaveLength(1);
    const health = (await (await fetch(`${stack.url}/health`)).json()) as { status: string; backends: { name: string; state: string; type: string }[] };
    expect(health.status).toBe('ok');
    expect(health.backends.map((backend) => [backend.name, backend.type, backend.state])).toEqual([
      ['first', 'ollama', 'up'],
      ['second', 'ollama', 'up'],
      ['compat', 'openai', 'up'],
    ]);
  });

  it('spreads a batch over both Ollama processes (counted in each one\'s own log)', async () => {
    const firstBefore = await chatsLogged(process.env.RLM_REAL_OLLAMA_LOG!);
    const secondBefore = await chatsLogged(second.logPath);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => postJson(`${stack.url}/v1/chat/completions`, ASK(`Say the number ${index}.`))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    const firstServed = (await chatsLogged(process.env.RLM_REAL_OLLAMA_LOG!)) - firstBefore;
    const secondServed = (await chatsLogged(second.logPath)) - secondBefore;
    expect(firstServed + secondServed).toBeGreaterThanOrEqual(8);
    expect(firstServed).toBeGreaterThan(0);
    expect(secondServed).toBeGreaterThan(0);
  }, 180_000);

  it('runs a pipeline whose generator is on one Ollama and whose verifier is behind an OpenAI-compatible /v1', async () => {
    const answer = await postJson(`${stack.url}/v1/chat/completions`, { model: 'split', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    expect(answer.status).toBe(200);
    const runId = answer.headers.get('x-rlm-run-id')!;
    const trace = (await (await fetch(`${stack.url}/v1/rlm/runs/${runId}`)).json()) as { attempts: AttemptRecord[] };
    const called = trace.attempts.filter((attempt) => attempt.model !== null).map((attempt) => [attempt.stage, attempt.model]);
    expect(called).toContainEqual(['generate', `second/${REAL_MODELS.chat}`]);
    expect(called).toContainEqual(['verify', `compat/${REAL_MODELS.chat}`]);
    expect(trace.attempts.filter((attempt) => attempt.stage === 'verify' && attempt.model !== null).every((attempt) => attempt.verdict !== null)).toBe(true);
    const report = await createTraceStore({ dataDir: stack.dataDir, retentionDays: 0, now: () => Date.now() }).verifyAll();
    expect(report.problems).toEqual([]);
  }, 300_000);

  it('loses no request when one Ollama is killed by PID in the middle of a batch', async () => {
    const batch = Array.from({ length: 12 }, (_, index) => postJson(`${stack.url}/v1/chat/completions`, ASK(`Name the colour number ${index}.`)));
    // Let the first requests reach both backends, then kill one outright.
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(second.pid, 'SIGKILL');
    const answers = await Promise.all(batch);
    // The kill cut requests that second had taken: each went once to another backend.
    const failovers = stack.logs.filter((line) => line.event === 'backend_failover');
    expect(failovers.length).toBeGreaterThan(0);
    expect(failovers.every((line) => line.from === 'second')).toBe(true);
    const succeeded = answers.filter((answer) => answer.status === 200).length;
    expect({ succeeded, statuses: answers.map((answer) => answer.status) }).toEqual({ succeeded: 12, statuses: Array(12).fill(200) });
    const health = (await (await fetch(`${stack.url}/health`)).json()) as { backends: { name: string; state: string }[] };
    expect(health.backends.find((backend) => backend.name === 'second')?.state).not.toBe('up');
  }, 300_000);
});

/**
 * Real models on this machine (needs scripts/real-ollama/setup.sh; skipped with a message without
 * it): prompt and generation tokens per second per model, from Ollama's own counters, and for
 * pipeline runs the wall time against the sum of the model calls' own `total_duration`, so rlm's
 * own share of a run is a number.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server/app.js';
import type { AttemptRecord } from '../src/types/attempt.js';
import { createLogger } from '../src/utils/logger.js';
import { realOllamaMissing, REAL_MODELS, startRealOllama } from '../test/support/real-ollama.js';
import { testConfig } from '../test/support/stack.js';
import type { Benchmark } from './run.js';

const PIPELINE_QUESTIONS = ['What is the capital of France?', 'How many legs does a spider have?', 'What do bees make?', 'What is 2 + 3?'];
const SPEED_PROMPT = 'Write a short paragraph about the sea.';

interface GenerateTimings {
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
  total_duration: number;
}

export const realModelsBenchmark: Benchmark = {
  name: 'real-models',
  async run(context) {
    const missing = realOllamaMissing();
    if (missing !== undefined) {
      if (!context.json) context.write(`## Real models\n\nskipped: ${missing}\n`);
      return { skipped: missing };
    }
    const ollama = await startRealOllama({ log: context.progress });
    try {
      const speeds: Record<string, { promptTokensPerSecond: number; generationTokensPerSecond: number }> = {};
      for (const model of [REAL_MODELS.chat, REAL_MODELS.ladder]) {
        context.progress(`tokens per second of ${model}`);
        // One call to load the model, then three measured ones; the median of each rate is kept.
        await generate(ollama.url, model, 'Hi', 1);
        const rounds: GenerateTimings[] = [];
        for (let round = 0; round < 3; round++) rounds.push(await generate(ollama.url, model, `${SPEED_PROMPT} (${round})`, 64));
        speeds[model] = {
          promptTokensPerSecond: median(rounds.map((timing) => timing.prompt_eval_count / (timing.prompt_eval_duration / 1e9))),
          generationTokensPerSecond: median(rounds.map((timing) => timing.eval_count / (timing.eval_duration / 1e9))),
        };
      }
      const embedStarted = performance.now();
      await fetch(`${ollama.url}/api/embed`, { method: 'POST', body: JSON.stringify({ model: REAL_MODELS.embed, input: ['warm up'] }) });
      const embedLoadMs = performance.now() - embedStarted;

      context.progress(`pipeline runs: ${PIPELINE_QUESTIONS.length} questions`);
      const pipeline = await pipelineShare(ollama.url);
      const result = { ollamaVersion: ollama.version, speeds, embedFirstCallMs: Math.round(embedLoadMs), pipeline };
      if (!context.json) {
        context.write(
          `## Real models (Ollama ${ollama.version}, num_thread 1)\n\n` +
            `| model | prompt tokens/s | generation tokens/s |\n|---|---|---|\n` +
            Object.entries(speeds).map(([model, speed]) => `| ${model} | ${speed.promptTokensPerSecond.toFixed(1)} | ${speed.generationTokensPerSecond.toFixed(1)} |`).join('\n') +
            `\n\nPipeline, ${pipeline.runs} runs (${REAL_MODELS.chat} generating and verifying, ${REAL_MODELS.ladder} on the ladder): ` +
            `${pipeline.modelCalls} model calls, wall ${pipeline.wallMs.toFixed(0)} ms, models' own total_duration ${pipeline.modelMs.toFixed(0)} ms, ` +
            `rlm's own share ${pipeline.ownMs.toFixed(0)} ms (${pipeline.ownMsPerCall.toFixed(2)} ms per model call, ${((pipeline.ownMs / pipeline.wallMs) * 100).toFixed(1)} % of the wall time)\n`,
        );
      }
      return result;
    } finally {
      await ollama.stop();
    }
  },
};

async function generate(url: string, model: string, prompt: string, numPredict: number): Promise<GenerateTimings> {
  const response = await fetch(`${url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({ model, prompt, stream: false, options: { num_predict: numPredict, temperature: 0, seed: 1 } }),
  });
  if (!response.ok) throw new Error(`/api/generate ${model}: ${response.status} ${await response.text()}`);
  return (await response.json()) as GenerateTimings;
}

async function pipelineShare(ollamaUrl: string): Promise<{ runs: number; modelCalls: number; wallMs: number; modelMs: number; ownMs: number; ownMsPerCall: number }> {
  const directory = await mkdtemp(join(tmpdir(), 'rlm-bench-real-'));
  const profile = {
    generator: REAL_MODELS.chat,
    verifier: REAL_MODELS.chat,
    ladder: [REAL_MODELS.ladder],
    maxRevisions: 1,
    stages: { generate: { num_predict: 96 }, revise: { num_predict: 96 } },
  };
  // The call cache is off, so every run pays for its model calls.
  await writeFile(join(directory, 'rlm.config.json'), JSON.stringify({ profiles: { rlm: profile }, cache: { enabled: false } }));
  const server = await startServer(testConfig({ ollamaUrl, dataDir: join(directory, 'data'), upstreamTimeoutMs: 300_000, numCtx: 2048 }), {
    logger: createLogger({ level: 'silent', write: () => {} }),
    cwd: directory,
  });
  try {
    let wallMs = 0;
    let modelMs = 0;
    let modelCalls = 0;
    for (const question of PIPELINE_QUESTIONS) {
      const started = performance.now();
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'rlm', messages: [{ role: 'user', content: question }] }),
      });
      await response.text();
      wallMs += performance.now() - started;
      const runId = response.headers.get('x-rlm-run-id');
      const run = (await (await fetch(`${server.url}/v1/rlm/runs/${runId}`)).json()) as { attempts: AttemptRecord[] };
      for (const attempt of run.attempts) {
        if (attempt.durations === null) continue;
        modelCalls += 1;
        modelMs += attempt.durations.total_ns / 1e6;
      }
    }
    const ownMs = wallMs - modelMs;
    return { runs: PIPELINE_QUESTIONS.length, modelCalls, wallMs, modelMs, ownMs, ownMsPerCall: modelCalls === 0 ? 0 : ownMs / modelCalls };
  } finally {
    await server.close(0);
    await rm(directory, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

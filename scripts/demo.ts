/**
 * `npm run demo`: rlm working end to end without Ollama. Starts the Ollama simulator and an rlm
 * server on free ports, sends a pass-through chat request, a streaming one, and a pipeline run whose
 * first draft is rejected, revised and approved; prints what came back, and stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server/app.js';
import { resolveConfig } from '../src/server/config.js';
import { createLogger } from '../src/utils/logger.js';
import { startSimulator } from '../test/simulator/index.js';
import { APPROVED, planReply, rejected, stagedScript } from '../test/support/staged-script.js';

const print = (text: string): void => void process.stdout.write(text);
const post = (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const simulator = await startSimulator({ tokenLatencyMs: 25 });
// The pipeline's tiers are derived from the simulator's models: qwen2.5:0.5b plans and verifies,
// llama3.2 generates (the code model qwen2.5-coder is passed over), qwen3:8b is the escalation tier.
// llama3.2 also answers the pass-through requests, told apart from pipeline drafts by the pipeline's
// system prompt.
simulator.script(
  'qwen2.5:0.5b',
  stagedScript({
    plan: planReply('states the boiling point in degrees Celsius', 'mentions that it holds at sea-level pressure'),
    verify: [rejected('It does not say that 100 °C holds only at sea-level pressure.'), APPROVED],
  }),
);
simulator.script(
  'llama3.2:latest',
  stagedScript({
    generate: (request) => {
      const messages = (request.body as { messages?: { role?: string; content?: string }[] }).messages ?? [];
      if (messages[0]?.role === 'system' && messages[0].content?.startsWith("You are answering the user's last message")) return 'Water boils at 100 °C.';
      return (messages.at(-1)?.content ?? '').includes('haiku')
        ? 'Small models at work,\nverified before they speak;\nthe laptop hums on.'
        : 'rlm is answering through the Ollama simulator: the request went in as OpenAI JSON, out to /api/chat, and back.';
    },
    revise: 'Water boils at 100 °C at sea-level pressure (1 atm); higher up, where the pressure is lower, it boils at a lower temperature.',
  }),
);

const directory = await mkdtemp(join(tmpdir(), 'rlm-demo-'));
const config = resolveConfig(new Map([['--port', '0']]), { OLLAMA_HOST: simulator.url, RLM_DATA_DIR: join(directory, 'data') });
const server = await startServer(config, { logger: createLogger({ level: 'warn' }), cwd: directory });

try {
  print(`Ollama simulator: ${simulator.url}\nrlm server:       ${server.url}\n\n`);

  print('1. POST /v1/chat/completions, model "llama3.2" (pass-through to Ollama)\n');
  const response = await post(`${server.url}/v1/chat/completions`, { model: 'llama3.2', messages: [{ role: 'user', content: 'What are you?' }] });
  const completion = (await response.json()) as { choices: { message: { content: string } }[]; usage: unknown };
  print(`   HTTP ${response.status}\n   answer: ${completion.choices[0]?.message.content}\n   usage:  ${JSON.stringify(completion.usage)}\n\n`);

  print('2. The same with "stream": true: the raw server-sent events\n');
  const stream = await post(`${server.url}/v1/chat/completions`, {
    model: 'llama3.2',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Write a haiku.' }],
  });
  print(`   HTTP ${stream.status}, content-type: ${stream.headers.get('content-type')}\n`);
  print('   (each event also carries the same id, object, created and model; shown as …)\n');
  for await (const event of sseEvents(stream)) {
    if (!event.startsWith('data: {')) {
      print(`   ${event}\n`);
      continue;
    }
    const chunk = JSON.parse(event.slice(6)) as { choices: unknown[]; usage?: unknown };
    const usage = chunk.usage === undefined ? '' : `,"usage":${JSON.stringify(chunk.usage)}`;
    print(`   data: {…,"choices":${JSON.stringify(chunk.choices)}${usage}}\n`);
  }

  print('\n3. POST /v1/chat/completions, model "rlm" (the pipeline), streaming\n');
  const run = await post(`${server.url}/v1/chat/completions`, {
    model: 'rlm',
    stream: true,
    messages: [{ role: 'user', content: 'At what temperature does water boil?' }],
  });
  const runId = run.headers.get('x-rlm-run-id');
  print(`   HTTP ${run.status}, x-rlm-run-id: ${runId}\n   progress (reasoning_content deltas):\n`);
  let answer = '';
  let rlm: unknown;
  for await (const event of sseEvents(run)) {
    if (!event.startsWith('data: {')) continue;
    const chunk = JSON.parse(event.slice(6)) as { choices: { delta?: { content?: string; reasoning_content?: string } }[]; rlm?: unknown };
    const delta = chunk.choices[0]?.delta;
    if (delta?.reasoning_content) print(`     ${delta.reasoning_content}`);
    answer += delta?.content ?? '';
    if (chunk.rlm) rlm = chunk.rlm;
  }
  print(`   answer (content deltas): ${answer}\n   rlm: ${JSON.stringify(rlm)}\n\n`);

  print(`4. GET /v1/rlm/runs/${runId}: the run's attempt records, hash-chained\n`);
  const trace = (await (await fetch(`${server.url}/v1/rlm/runs/${runId}`)).json()) as {
    attempts: { seq: number; stage: string; model: string | null; name: string | null; verdict: string | null; hash: string }[];
  };
  for (const attempt of trace.attempts) {
    const who = attempt.model ?? attempt.name ?? '';
    print(`   ${String(attempt.seq).padStart(2)}  ${attempt.stage.padEnd(8)} ${who.padEnd(20)} ${(attempt.verdict ?? '').padEnd(8)} ${attempt.hash.slice(0, 12)}…\n`);
  }
} finally {
  await server.close(0);
  await simulator.close();
  await rm(directory, { recursive: true, force: true });
}

/** The events of an SSE body, as their raw text blocks. */
async function* sseEvents(response: Response): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(bytes, { stream: true });
    const events = buffered.split('\n\n');
    buffered = events.pop() ?? '';
    yield* events;
  }
}

/**
 * `npm run demo`: rlm working end to end without Ollama. Starts the Ollama simulator and an rlm
 * server on free ports, sends one chat request and one streaming request, prints what came back,
 * and stops.
 */
import { startServer } from '../src/server/app.js';
import { resolveConfig } from '../src/server/config.js';
import { createLogger } from '../src/utils/logger.js';
import { startSimulator } from '../test/simulator/index.js';

const print = (text: string): void => void process.stdout.write(text);

const simulator = await startSimulator({ tokenLatencyMs: 40 });
simulator.script('llama3.2:latest', (request) => {
  const body = request.body as { messages?: { content?: string }[] };
  const question = body.messages?.at(-1)?.content ?? '';
  return question.includes('haiku')
    ? 'Small models at work,\nverified before they speak;\nthe laptop hums on.'
    : 'rlm is answering through the Ollama simulator: the request went in as OpenAI JSON, out to /api/chat, and back.';
});
const config = resolveConfig(new Map([['--port', '0']]), { OLLAMA_HOST: simulator.url });
const server = await startServer(config, { logger: createLogger({ level: 'warn' }) });

try {
  print(`Ollama simulator: ${simulator.url}\nrlm server:       ${server.url}\n\n`);

  print('1. POST /v1/chat/completions\n');
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'What are you?' }] }),
  });
  const completion = (await response.json()) as { choices: { message: { content: string } }[]; usage: unknown };
  print(`   HTTP ${response.status}\n   answer: ${completion.choices[0]?.message.content}\n   usage:  ${JSON.stringify(completion.usage)}\n\n`);

  print('2. POST /v1/chat/completions with "stream": true (the raw server-sent events)\n');
  const stream = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'llama3.2', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Write a haiku.' }] }),
  });
  print(`   HTTP ${stream.status}, content-type: ${stream.headers.get('content-type')}\n`);
  print('   (each event also carries the same id, object, created and model; shown as …)\n');
  const decoder = new TextDecoder();
  let answer = '';
  let buffered = '';
  for await (const bytes of stream.body as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(bytes, { stream: true });
    const events = buffered.split('\n\n');
    buffered = events.pop() ?? '';
    for (const event of events) {
      if (!event.startsWith('data: {')) {
        print(`   ${event}\n`);
        continue;
      }
      const chunk = JSON.parse(event.slice(6)) as { choices: { delta?: { content?: string } }[]; usage?: unknown };
      answer += chunk.choices[0]?.delta?.content ?? '';
      const usage = chunk.usage === undefined ? '' : `,"usage":${JSON.stringify(chunk.usage)}`;
      print(`   data: {…,"choices":${JSON.stringify(chunk.choices)}${usage}}\n`);
    }
  }
  print(`\n   streamed answer:\n${answer.replace(/^/gm, '     ')}\n`);
} finally {
  await server.close(0);
  await simulator.close();
}

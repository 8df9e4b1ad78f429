/**
 * The far side of the health-under-load benchmark, run as a child process so that its work does not
 * land on the event loop being measured: a slow Ollama simulator, and the clients that hold many
 * streaming pass-through requests open against rlm. Driven over IPC by bench/health-under-load.ts:
 *
 *   child  → { type: 'ready', simulatorUrl }
 *   parent → { type: 'open', url, streams, body }
 *   child  → { type: 'progress', opened } … then { type: 'opened', opened, failed, statuses }
 *   parent → { type: 'stop' }  (every client stream is destroyed, which must cancel upstream)
 *   child  → { type: 'stopped', tagsRequests, versionRequests, chatRequests, upstreamInFlight, statuses }
 *
 * The parent ends the process when it is done; the process also ends when the parent goes.
 */
import { Agent, request, type ClientRequest } from 'node:http';
import { startSimulator } from '../test/simulator/index.js';

export const LOAD_MODEL = 'llama3.2:latest';
/** Long enough that no stream ends during the measurement: 400 tokens at TOKEN_LATENCY_MS each. */
const REPLY = 'word '.repeat(400);

export type ParentMessage = { type: 'open'; url: string; streams: number; body: string } | { type: 'stop' };
export type ChildMessage =
  | { type: 'ready'; simulatorUrl: string }
  | { type: 'progress'; opened: number }
  | { type: 'opened'; opened: number; failed: number; statuses: Record<string, number>; ms: number }
  | { type: 'stopped'; tagsRequests: number; versionRequests: number; chatRequests: number; upstreamInFlight: number; statuses: Record<string, number> };

const tokenLatencyMs = Number(process.env.RLM_BENCH_TOKEN_MS ?? 500);
const simulator = await startSimulator({ tokenLatencyMs });
simulator.script(LOAD_MODEL, REPLY);
const send = (message: ChildMessage): void => void process.send?.(message);
const clients: ClientRequest[] = [];
const statuses: Record<string, number> = {};

process.on('message', (message: ParentMessage) => {
  if (message.type === 'open') openStreams(message);
  else void stop();
});
// The parent gone (a crash, Ctrl-C): nothing here may outlive it.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', simulatorUrl: simulator.url });

function openStreams({ url, streams, body }: { url: string; streams: number; body: string }): void {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const started = performance.now();
  let opened = 0;
  let failed = 0;
  const settle = (outcome: 'opened' | 'failed'): void => {
    if (outcome === 'opened') opened += 1;
    else failed += 1;
    if ((opened + failed) % 100 === 0 && opened + failed < streams) send({ type: 'progress', opened });
    if (opened + failed === streams) send({ type: 'opened', opened, failed, statuses, ms: Math.round(performance.now() - started) });
  };
  for (let index = 0; index < streams; index++) {
    let settled = false;
    const once = (outcome: 'opened' | 'failed'): void => {
      if (settled) return;
      settled = true;
      settle(outcome);
    };
    const client = request(`${url}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      const status = String(response.statusCode);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (response.statusCode !== 200) {
        response.resume();
        once('failed');
        return;
      }
      // Open means the first event arrived, not only the headers.
      response.once('data', () => once('opened'));
      response.on('error', () => undefined);
    });
    client.on('error', () => once('failed'));
    client.end(body);
    clients.push(client);
  }
}

async function stop(): Promise<void> {
  for (const client of clients) client.destroy();
  // Every destroyed client must reach the simulator as a closed upstream socket.
  await simulator.waitFor((stats) => stats.inFlight === 0, 10_000).catch(() => undefined);
  const count = (path: string): number => simulator.requests.filter((recorded) => recorded.path === path).length;
  // The simulator keeps answering (/health probes still ask it) until the parent ends this process.
  send({ type: 'stopped', tagsRequests: count('/api/tags'), versionRequests: count('/api/version'), chatRequests: count('/api/chat'), upstreamInFlight: simulator.stats.inFlight, statuses });
}

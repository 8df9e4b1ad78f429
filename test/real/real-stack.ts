/** rlm in front of the real Ollama that the global setup started, with a real clock and its own data directory. */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server/app.js';
import { createLogger } from '../../src/utils/logger.js';
import { testConfig } from '../support/stack.js';

export interface RealStack {
  /** rlm's base URL. */
  url: string;
  /** The real Ollama's base URL. */
  ollamaUrl: string;
  dataDir: string;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Why the real suite is skipped (set by the global setup), or undefined when a real Ollama runs. */
export const realSkipped: string | undefined = process.env.RLM_REAL_SKIPPED;

export function realOllamaUrl(): string {
  const host = process.env.OLLAMA_TEST_HOST;
  if (host === undefined) throw new Error('OLLAMA_TEST_HOST is not set: run through npm run test:real');
  return `http://${host}`;
}

export async function startRealStack(options: { rlmConfig?: unknown } = {}): Promise<RealStack> {
  const ollamaUrl = realOllamaUrl();
  const directory = await mkdtemp(join(tmpdir(), 'rlm-real-'));
  if (options.rlmConfig !== undefined) await writeFile(join(directory, 'rlm.config.json'), JSON.stringify(options.rlmConfig));
  const logs: Record<string, unknown>[] = [];
  const server = await startServer(
    testConfig({ ollamaUrl, dataDir: join(directory, 'data'), upstreamTimeoutMs: 300_000, numCtx: 2048 }),
    { logger: createLogger({ level: 'info', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) }), cwd: directory },
  );
  return {
    url: server.url,
    ollamaUrl,
    dataDir: join(directory, 'data'),
    logs,
    close: async () => {
      await server.close(0);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The /api/chat requests the real Ollama has logged as finished, with how long each took. */
export async function ollamaChatRequestsLogged(): Promise<{ seconds: number }[]> {
  const path = process.env.RLM_REAL_OLLAMA_LOG;
  if (path === undefined) throw new Error('RLM_REAL_OLLAMA_LOG is not set: run through npm run test:real');
  const text = await readFile(path, 'utf8');
  // [GIN] 2026/12/03 - 08:57:50 | 200 |   293.03ms |       127.0.0.1 | POST     "/api/chat"
  const lines = text.split('\n').filter((line) => line.startsWith('[GIN]') && line.includes('"/api/chat"'));
  return lines.map((line) => ({ seconds: ginSeconds(line.split('|')[2]!.trim()) }));
}

/** Go's duration text as GIN prints it: "293.03ms", "1.5s", "1m2.5s", "81µs". */
function ginSeconds(text: string): number {
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/([\d.]+)(h|m(?!s)|s|ms|µs|ns)/g)) {
    const scale = { h: 3600, m: 60, s: 1, ms: 1e-3, µs: 1e-6, ns: 1e-9 }[unit as 'h'];
    seconds += Number(amount) * scale;
  }
  return seconds;
}

/**
 * Test support: an Ollama simulator and an rlm server in front of it, both on port 0, with a fixed
 * clock, counting ids and a captured log, so answers are byte-for-byte predictable.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server/app.js';
import type { ServerConfig } from '../../src/types/config.js';
import { counterIds } from '../../src/utils/ids.js';
import { createLogger } from '../../src/utils/logger.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../simulator/index.js';

export const FIXED_NOW = 1_700_000_000_000;
export const FIXED_CREATED = FIXED_NOW / 1000;

export interface Stack {
  simulator: Simulator;
  /** Base URL of the rlm server, e.g. http://127.0.0.1:PORT */
  url: string;
  /** Log lines written by the server, parsed. */
  logs: Record<string, unknown>[];
  /** The server's data directory (run traces). */
  dataDir: string;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    apiKey: undefined,
    insecure: false,
    ollamaUrl: 'http://127.0.0.1:1',
    logLevel: 'debug',
    numCtx: 8192,
    upstreamTimeoutMs: 5000,
    maxBodyBytes: 1024 * 1024,
    maxBodyTotalBytes: 4 * 1024 * 1024,
    allowedOrigins: [],
    allowedHosts: [],
    keepAliveMs: 5000,
    embeddingCacheEntries: 1000,
    dataDir: join(tmpdir(), 'rlm-test-unused'),
    configPath: '',
    allowModelManagement: false,
    ...overrides,
  };
}

export interface StackOptions {
  simulator?: SimulatorOptions;
  config?: Partial<ServerConfig>;
  /** The rlm.config.json to write into the stack's own working directory (none: profiles are derived). */
  rlmConfig?: unknown;
  /** The clock; FIXED_NOW by default. */
  now?: () => number;
}

/** Each stack gets its own temporary working and data directory, removed on close. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const simulator = await startSimulator(options.simulator);
  const directory = await mkdtemp(join(tmpdir(), 'rlm-stack-'));
  if (options.rlmConfig !== undefined) await writeFile(join(directory, 'rlm.config.json'), JSON.stringify(options.rlmConfig));
  const logs: Record<string, unknown>[] = [];
  const server = await startServer(testConfig({ ollamaUrl: simulator.url, dataDir: join(directory, 'data'), ...options.config }), {
    logger: createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) }),
    now: options.now ?? (() => FIXED_NOW),
    newId: counterIds(),
    cwd: directory,
  });
  return {
    simulator,
    url: server.url,
    logs,
    dataDir: join(directory, 'data'),
    close: async () => {
      await server.close(0);
      await simulator.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** POSTs JSON and returns status, headers and the raw body text. */
export async function postJson(
  url: string,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}

/** The `data:` payloads of an SSE body, parsed (except the literal [DONE]). */
export function sseEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as unknown)));
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

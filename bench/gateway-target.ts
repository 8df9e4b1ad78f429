/**
 * One process of the gateway and memory benchmarks, started by bench/gateway-processes.ts as
 * `gateway-target <role> <module> [upstream]`:
 *
 * - `simulator`: the Ollama stand-in, no model delay; `<module>` is test/simulator/index.ts.
 * - `rlm`: startServer with the default log level, written to a sink that discards; `<module>` is
 *   the directory rlm's modules are loaded from, dist/ (compiled, as `npm start` runs it) or src/
 *   (under tsx).
 * - `proxy`: bench/minimal-proxy.ts, or its transpiled copy; `<module>` is that file.
 *
 * rlm and the proxy take the simulator's URL as `[upstream]`. Each runs in its own process, so a
 * hop's CPU time is its process's own and no two of them share an event loop. The modules are
 * imported by URL, so that this file runs the same under tsx and transpiled to plain JavaScript.
 * Over IPC:
 *
 *   child  → { type: 'ready', url }
 *   parent → { type: 'cpu' }     child → { type: 'cpu', micros, systemMicros }   (user + system, and system, since start)
 *   parent → { type: 'reset' }   child → { type: 'reset' }         (simulator: forget recorded requests)
 *   parent → { type: 'memory', collect }  child → { type: 'memory', rss, maxRss, …, collected }
 *                                (process.memoryUsage(), after a full GC when asked and run with --expose-gc)
 *
 * The process ends when the parent disconnects.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { startServer as StartServer } from '../src/server/app.js';
import type { resolveConfig as ResolveConfig } from '../src/server/config.js';
import type { createLogger as CreateLogger } from '../src/utils/logger.js';
import type { startSimulator as StartSimulator, Simulator } from '../test/simulator/index.js';
import { CHAT_MODEL, CHAT_REPLY, CODE_MODEL, CODE_REPLY, type Role, type TargetMessage, type TargetRequest } from './gateway-world.js';
import type { startMinimalProxy as StartMinimalProxy } from './minimal-proxy.js';

// An answer to a parent that has just gone is dropped (the 'disconnect' handler ends the process).
const send = (message: TargetMessage): void => {
  if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
};
const role = process.argv[2] as Role;
const module = process.argv[3] ?? '';
const upstream = process.argv[4] ?? '';
let cleanup: () => Promise<void> = async () => {};
let simulator: Simulator | undefined;

const script = (started: Simulator): void => {
  started.script(CHAT_MODEL, CHAT_REPLY);
  started.script(CODE_MODEL, CODE_REPLY);
};

if (role === 'simulator') {
  const { startSimulator } = (await import(module)) as { startSimulator: typeof StartSimulator };
  simulator = await startSimulator();
  script(simulator);
  const started = simulator;
  cleanup = () => started.close();
  send({ type: 'ready', url: simulator.url });
} else if (role === 'rlm') {
  const [{ startServer }, { resolveConfig }, { createLogger }] = (await Promise.all([
    import(new URL('server/app.js', module).href),
    import(new URL('server/config.js', module).href),
    import(new URL('utils/logger.js', module).href),
  ])) as [{ startServer: typeof StartServer }, { resolveConfig: typeof ResolveConfig }, { createLogger: typeof CreateLogger }];
  const directory = await mkdtemp(join(tmpdir(), 'rlm-bench-gateway-'));
  const config = resolveConfig(new Map([['--port', '0']]), { OLLAMA_HOST: upstream, RLM_DATA_DIR: join(directory, 'data') });
  // The default level (info), as the issue measures: one line per request, built and then dropped.
  const server = await startServer(config, { logger: createLogger({ level: config.logLevel, write: () => {} }), cwd: directory });
  cleanup = async () => {
    await server.close(0);
    await rm(directory, { recursive: true, force: true });
  };
  send({ type: 'ready', url: server.url });
} else if (role === 'proxy') {
  const { startMinimalProxy } = (await import(module)) as { startMinimalProxy: typeof StartMinimalProxy };
  const proxy = await startMinimalProxy(upstream);
  cleanup = () => proxy.close();
  send({ type: 'ready', url: proxy.url });
} else {
  throw new Error(`gateway-target: unknown role ${String(role)}`);
}

/** Collects twice (a finalizer freed by the first runs before the second) with a turn between. */
async function memory(wanted: boolean): Promise<TargetMessage> {
  const collect = wanted ? (globalThis as { gc?: () => void }).gc : undefined;
  if (collect !== undefined) {
    collect();
    await new Promise((resolve) => setImmediate(resolve));
    collect();
  }
  const usage = process.memoryUsage();
  // getrusage's ru_maxrss is in kilobytes on Linux (bytes on macOS, where this is a lower bound).
  const maxRss = Math.max(usage.rss, process.resourceUsage().maxRSS * 1024);
  return { type: 'memory', rss: usage.rss, maxRss, heapTotal: usage.heapTotal, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers, collected: collect !== undefined };
}

process.on('message', (message: TargetRequest) => {
  if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    send({ type: 'cpu', micros: usage.user + usage.system, systemMicros: usage.system });
  } else if (message.type === 'reset') {
    if (simulator !== undefined) {
      simulator.reset();
      script(simulator);
    }
    send({ type: 'reset' });
  } else if (message.type === 'memory') {
    void memory(message.collect).then(send);
  }
});
// The parent gone (done, a crash, Ctrl-C): nothing here may outlive it.
process.on('disconnect', () => void cleanup().finally(() => process.exit(0)));

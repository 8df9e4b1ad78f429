/**
 * One process of the gateway benchmark, started by bench/gateway.ts with its role as the argument:
 * `simulator` (the Ollama stand-in, no model delay), `rlm` (startServer with the default log level,
 * written to a sink that discards) or `proxy` (bench/minimal-proxy.ts); the last two take the
 * simulator's URL as a second argument. Each in its own process, so a hop's CPU time is its
 * process's own and no two of them share an event loop. Over IPC:
 *
 *   child  → { type: 'ready', url }
 *   parent → { type: 'cpu' }    child → { type: 'cpu', micros }   (user + system since start)
 *   parent → { type: 'reset' }  child → { type: 'reset' }         (simulator: forget recorded requests)
 *
 * The process ends when the parent disconnects.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server/app.js';
import { resolveConfig } from '../src/server/config.js';
import { createLogger } from '../src/utils/logger.js';
import { startSimulator, type Simulator } from '../test/simulator/index.js';
import { CHAT_MODEL, CHAT_REPLY, CODE_MODEL, CODE_REPLY, type Role, type TargetMessage, type TargetRequest } from './gateway-world.js';
import { startMinimalProxy } from './minimal-proxy.js';


const send = (message: TargetMessage): void => void process.send?.(message);
const role = process.argv[2] as Role;
const upstream = process.argv[3] ?? '';
let cleanup: () => Promise<void> = async () => {};
let simulator: Simulator | undefined;

const script = (started: Simulator): void => {
  started.script(CHAT_MODEL, CHAT_REPLY);
  started.script(CODE_MODEL, CODE_REPLY);
};

if (role === 'simulator') {
  simulator = await startSimulator();
  script(simulator);
  const started = simulator;
  cleanup = () => started.close();
  send({ type: 'ready', url: simulator.url });
} else if (role === 'rlm') {
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
  const proxy = await startMinimalProxy(upstream);
  cleanup = () => proxy.close();
  send({ type: 'ready', url: proxy.url });
} else {
  throw new Error(`gateway-target: unknown role ${String(role)}`);
}

process.on('message', (message: TargetRequest) => {
  if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    send({ type: 'cpu', micros: usage.user + usage.system });
  } else if (message.type === 'reset') {
    if (simulator !== undefined) {
      simulator.reset();
      script(simulator);
    }
    send({ type: 'reset' });
  }
});
// The parent gone (done, a crash, Ctrl-C): nothing here may outlive it.
process.on('disconnect', () => void cleanup().finally(() => process.exit(0)));

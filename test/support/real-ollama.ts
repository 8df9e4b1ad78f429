/**
 * A real Ollama for the real-model suites and benchmarks: the binary and weights that
 * scripts/real-ollama/setup.sh put under .cache/, served on a free loopback port with its own model
 * store, the three models created once, and stopped by PID at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPTS = join(PROJECT_ROOT, 'scripts', 'real-ollama');
const CACHE = join(PROJECT_ROOT, '.cache');
export const OLLAMA_BINARY = join(CACHE, 'bin', 'ollama');

/** The models the real suites use, with the Modelfile each is created from. */
export const REAL_MODELS = {
  /** SmolLM2-135M-Instruct: the generator and verifier. */
  chat: 'smollm2:135m',
  /** Gemma 3 270M (the base model): the ladder's larger rung. */
  ladder: 'gemma3:270m',
  /** all-MiniLM-L6-v2: embeddings, 384 dimensions. */
  embed: 'all-minilm:l6-v2',
} as const;
const MODELFILES: Record<string, string> = {
  [REAL_MODELS.chat]: 'Modelfile.smollm2',
  [REAL_MODELS.ladder]: 'Modelfile.gemma3',
  [REAL_MODELS.embed]: 'Modelfile.minilm',
};

export interface RealOllama {
  /** e.g. "127.0.0.1:41234", as OLLAMA_HOST takes it. */
  readonly host: string;
  /** e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  readonly pid: number;
  readonly version: string;
  /** Ollama's own log (server and runners). */
  readonly logPath: string;
  stop(): Promise<void>;
}

/** Why no real Ollama can be started here, or undefined when setup.sh has run. */
export function realOllamaMissing(): string | undefined {
  if (!existsSync(OLLAMA_BINARY)) return `no Ollama binary at .cache/bin/ollama: run bash scripts/real-ollama/setup.sh (about 15 minutes the first time)`;
  const check = spawnSync('sha256sum', ['--quiet', '-c', join(SCRIPTS, 'weights.sha256')], { cwd: join(CACHE, 'weights'), encoding: 'utf8' });
  if (check.status !== 0) return `the model weights under .cache/weights are missing or changed: run bash scripts/real-ollama/setup.sh`;
  return undefined;
}

/** Starts `ollama serve` on a port the OS picks, waits until it answers, and creates any missing model. */
export async function startRealOllama(options: { log?: (line: string) => void } = {}): Promise<RealOllama> {
  const missing = realOllamaMissing();
  if (missing !== undefined) throw new Error(missing);
  const log = options.log ?? (() => {});
  const logDir = join(CACHE, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `ollama-${process.pid}-${Date.now()}.log`);
  const logFile = createWriteStream(logPath);
  const child = spawn(OLLAMA_BINARY, ['serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      // Port 0: the OS picks a free port and Ollama logs which, so no two runs can collide.
      OLLAMA_HOST: '127.0.0.1:0',
      OLLAMA_MODELS: join(CACHE, 'ollama-models'),
      OLLAMA_NUM_PARALLEL: '1',
      OLLAMA_MAX_LOADED_MODELS: '3',
      OLLAMA_KEEP_ALIVE: '-1',
      OLLAMA_CONTEXT_LENGTH: '2048',
      OLLAMA_NO_CLOUD: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = Date.now();
  const host = await new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      logFile.write(chunk);
      text += chunk.toString('utf8');
      const match = /Listening on (127\.0\.0\.1:\d+)/.exec(text);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`ollama serve exited (code ${code}) before listening; its log: ${logPath}\n${text.slice(-2000)}`)));
    setTimeout(() => reject(new Error(`ollama serve did not listen within 60 s; its log: ${logPath}`)), 60_000).unref();
  }).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  const url = `http://${host}`;
  const stop = async (): Promise<void> => {
    await stopChild(child);
    logFile.end();
  };
  try {
    const { version } = (await (await fetch(`${url}/api/version`)).json()) as { version: string };
    log(`real Ollama ${version} listening on ${host} after ${Date.now() - started} ms (pid ${child.pid})`);
    await createMissingModels(url, host, log);
    return { host, url, pid: child.pid!, version, logPath, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function createMissingModels(url: string, host: string, log: (line: string) => void): Promise<void> {
  const tags = (await (await fetch(`${url}/api/tags`)).json()) as { models: { name: string }[] };
  const installed = new Set(tags.models.map((model) => model.name));
  for (const [name, modelfile] of Object.entries(MODELFILES)) {
    if (installed.has(name)) continue;
    const started = Date.now();
    const result = spawnSync(OLLAMA_BINARY, ['create', name, '-f', join(SCRIPTS, modelfile)], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OLLAMA_HOST: host },
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (result.status !== 0) throw new Error(`ollama create ${name} failed: ${result.stderr || result.stdout || result.error?.message}`);
    log(`created ${name} from ${modelfile} in ${Date.now() - started} ms`);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

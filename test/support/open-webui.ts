/**
 * A real Open WebUI for the browser suite: the PyPI release that scripts/open-webui/setup.sh put in
 * a virtual environment in the per-user cache, served on a free loopback port with a fresh data
 * directory, set up for one offline user, with its Ollama connection pointed where the test says,
 * and stopped by PID at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'open-webui');
export const SETUP_COMMAND = 'bash scripts/open-webui/setup.sh';
export const OPEN_WEBUI_VERSION = process.env.RLM_OPEN_WEBUI_VERSION ?? readFileSync(join(SCRIPTS, 'version'), 'utf8').trim();
/** Where setup.sh installs it (the same path it computes). */
export const OPEN_WEBUI_VENV = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rlm', `open-webui-${OPEN_WEBUI_VERSION}`);
const BINARY = join(OPEN_WEBUI_VENV, 'bin', 'open-webui');

/** Why Open WebUI cannot be started here, or undefined when setup.sh has run. */
export function openWebUiMissing(): string | undefined {
  if (!existsSync(BINARY) || !existsSync(join(OPEN_WEBUI_VENV, '.rlm-installed'))) {
    return `Open WebUI ${OPEN_WEBUI_VERSION} is not installed in ${OPEN_WEBUI_VENV}: run ${SETUP_COMMAND} (about 3 minutes and 7.3 GB the first time)`;
  }
  return undefined;
}

export interface OpenWebUi {
  /** e.g. "http://127.0.0.1:41234" */
  readonly url: string;
  readonly pid: number;
  /** Its whole output, kept for reading after a failure. */
  readonly logPath: string;
  stop(): Promise<void>;
}

export interface OpenWebUiOptions {
  /** The Ollama connection: rlm, or something in front of it. */
  ollamaUrl: string;
  /** Where its output goes. */
  logPath: string;
  /** Progress while it starts. */
  log?: (line: string) => void;
  /** More settings, on top of the offline single-user ones. */
  environment?: Record<string, string>;
  /** Longest wait for /health; the first start after an install compiles bytecode and takes longest. */
  startTimeoutMs?: number;
}

/**
 * The settings, all documented in Open WebUI's env-configuration reference. Each is a first-start
 * value, and every start here is a first one (a fresh DATA_DIR), so none is shadowed by a value
 * stored in its database.
 */
function openWebUiEnvironment(ollamaUrl: string, dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATA_DIR: dataDir,
    // Without it `open-webui serve` writes a generated key to .webui_secret_key in its working directory.
    WEBUI_SECRET_KEY: randomBytes(24).toString('hex'),
    // One user, signed in as admin on first load: no sign-up page.
    WEBUI_AUTH: 'False',
    // No version check, no model-hub look-ups (it sets HF_HUB_OFFLINE itself), no pip installs for plugins.
    OFFLINE_MODE: 'True',
    HF_HUB_OFFLINE: '1',
    // Its default RAG embedder is a sentence-transformers model it would load from the hub at start;
    // through Ollama instead, nothing is loaded until a document is added.
    RAG_EMBEDDING_ENGINE: 'ollama',
    RAG_EMBEDDING_MODEL: 'nomic-embed-text:latest',
    OLLAMA_BASE_URL: ollamaUrl,
    ENABLE_OLLAMA_API: 'True',
    ENABLE_OPENAI_API: 'False',
    ENABLE_VERSION_UPDATE_CHECK: 'False',
    // Telemetry of its libraries (chromadb's posthog, scarf).
    ANONYMIZED_TELEMETRY: 'False',
    DO_NOT_TRACK: 'True',
    SCARF_NO_ANALYTICS: 'True',
    GLOBAL_LOG_LEVEL: 'INFO',
  };
}

/** A port on 127.0.0.1 that was free a moment ago (bound to 0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `open-webui serve` and resolves once /health answers. */
export async function startOpenWebUi(options: OpenWebUiOptions): Promise<OpenWebUi> {
  const missing = openWebUiMissing();
  if (missing !== undefined) throw new Error(missing);
  const log = options.log ?? (() => {});
  const directory = await mkdtemp(join(tmpdir(), 'rlm-open-webui-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = createWriteStream(options.logPath);
  // Its own process group, so stopping it also stops anything it started, and nothing else.
  const child = spawn(BINARY, ['serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: directory,
    env: { ...openWebUiEnvironment(options.ollamaUrl, join(directory, 'data')), ...options.environment },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const onData = (chunk: Buffer): void => {
    logFile.write(chunk);
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  // If the caller gives up before stop() (a hook timeout does not cancel this promise), the group
  // still goes when the test process exits, instead of serving on with nothing in front of it.
  const killOnExit = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await stopGroup(child);
    await new Promise<void>((resolve) => logFile.end(resolve));
    await rm(directory, { recursive: true, force: true });
  };
  log(`open-webui ${OPEN_WEBUI_VERSION}: starting on ${url} (pid ${child.pid}), log ${options.logPath}`);
  try {
    await waitHealthy(url, child, options.startTimeoutMs ?? 300_000, log, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid!, logPath: options.logPath, stop };
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number, log: (line: string) => void, output: () => string): Promise<void> {
  const started = Date.now();
  let lastReport = started;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`open-webui exited (${child.exitCode ?? child.signalCode}) before it answered /health; its last output:\n${output().slice(-3000)}`);
    }
    const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
    const elapsed = Date.now() - started;
    if (healthy) {
      log(`open-webui: healthy after ${(elapsed / 1000).toFixed(1)} s`);
      return;
    }
    if (elapsed > timeoutMs) throw new Error(`open-webui did not answer ${url}/health within ${timeoutMs / 1000} s; its last output:\n${output().slice(-3000)}`);
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      const lastLine = output().trimEnd().split('\n').at(-1) ?? '';
      log(`open-webui: waiting for /health (${Math.round(elapsed / 1000)} s): ${lastLine.slice(0, 160)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** SIGTERM to the process group this module started, SIGKILL after 15 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-pid, name);
    } catch {
      // The group is already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  // Anything of its group still running after it exited (a worker that ignored SIGTERM).
  signal('SIGKILL');
}

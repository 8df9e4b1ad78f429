/**
 * Configuration from command-line flags and environment, validated at start. Every problem is
 * collected and reported at once, each naming the flag or variable to fix.
 */
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseOllamaHost } from '../llm/ollama-host.js';
import type { LogLevel, ServerConfig } from '../types/config.js';

export const DEFAULT_PORT = 11435;
const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
/**
 * The default budget of body bytes held at once, in bodies of the largest size: four, which is
 * 128 MiB by default. Parsing holds about two more copies, so that is about 400 MB at worst; typical
 * bodies are kilobytes, so it never stands in an editor's way; and it grows with --max-body-bytes,
 * so raising that never makes a body impossible.
 */
const BODY_TOTAL_FACTOR = 4;
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** One setting: its flag, its environment variable, what it means and its default, as --help prints them. */
export interface SettingSpec {
  flag: string;
  env: string;
  value: string;
  description: string;
  default: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  { flag: '--host', env: 'RLM_HOST', value: 'ADDRESS', default: '127.0.0.1', description: 'address to listen on' },
  { flag: '--port', env: 'RLM_PORT', value: 'PORT', default: String(DEFAULT_PORT), description: 'port to listen on (0 picks a free one)' },
  { flag: '--ollama-host', env: 'OLLAMA_HOST', value: 'URL', default: 'http://127.0.0.1:11434', description: "Ollama's address, read by Ollama's own rules" },
  { flag: '--api-key', env: 'RLM_API_KEY', value: 'KEY', default: 'none', description: 'require Authorization: Bearer KEY on every route but /health; at least 16 characters unless --host is loopback' },
  { flag: '--log-level', env: 'RLM_LOG_LEVEL', value: 'LEVEL', default: 'info', description: 'debug, info, warn, error or silent' },
  { flag: '--num-ctx', env: 'RLM_NUM_CTX', value: 'TOKENS', default: '8192', description: "context window sent with each chat request (0 = Ollama's default)" },
  { flag: '--upstream-timeout', env: 'RLM_UPSTREAM_TIMEOUT', value: 'SECONDS', default: '300', description: 'longest Ollama may stay silent before a 504' },
  { flag: '--max-body-bytes', env: 'RLM_MAX_BODY_BYTES', value: 'BYTES', default: String(DEFAULT_MAX_BODY_BYTES), description: 'largest request body (413 beyond)' },
  {
    flag: '--max-body-total-bytes',
    env: 'RLM_MAX_BODY_TOTAL_BYTES',
    value: 'BYTES',
    default: `${BODY_TOTAL_FACTOR} times --max-body-bytes`,
    description: 'request-body bytes held at once by all requests together (503 with Retry-After beyond)',
  },
  { flag: '--allowed-origins', env: 'RLM_ALLOWED_ORIGINS', value: 'LIST', default: 'local origins only', description: 'comma-separated browser origins allowed besides local ones, or *' },
  { flag: '--allowed-hosts', env: 'RLM_ALLOWED_HOSTS', value: 'LIST', default: 'loopback names only', description: 'comma-separated Host names accepted besides loopback ones (a tunnel, host.docker.internal)' },
  { flag: '--keep-alive-ms', env: 'RLM_KEEP_ALIVE_MS', value: 'MS', default: '5000', description: 'longest silence on a stream before a keep-alive comment' },
  { flag: '--embedding-cache', env: 'RLM_EMBEDDING_CACHE', value: 'ENTRIES', default: '4096', description: 'vectors the /v1/embeddings cache keeps, ~6 KB each at 768 dimensions (0 = off)' },
  { flag: '--config', env: 'RLM_CONFIG', value: 'FILE', default: './rlm.config.json', description: 'pipeline profiles; without the file they are derived from the installed models' },
  { flag: '--data-dir', env: 'RLM_DATA_DIR', value: 'DIR', default: '~/.rlm', description: 'where run traces and retrieval indexes are kept' },
  {
    flag: '--allow-model-management',
    env: 'RLM_ALLOW_MODEL_MANAGEMENT',
    value: '',
    default: 'off',
    description: "forward Ollama's /api/pull, /api/create, /api/delete, /api/copy and /api/push (a 403 otherwise); the variable takes 1, true, yes or on",
  },
];

export interface ParsedArguments {
  /** Flag values by flag name ("--port" -> "8080"); boolean flags map to "true". */
  flags: Map<string, string>;
  positionals: string[];
}

const BOOLEAN_FLAGS = new Set(['--insecure', '--allow-model-management', '--help', '-h', '--version', '--json', '--calibrate', '--installed']);

/** Splits argv into flags (`--name value` or `--name=value`) and positionals. */
export function parseArguments(argv: readonly string[]): ParsedArguments {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    if (!argument.startsWith('-') || argument === '-') {
      positionals.push(argument);
      continue;
    }
    const equals = argument.indexOf('=');
    if (equals > 0) {
      flags.set(argument.slice(0, equals), argument.slice(equals + 1));
    } else if (BOOLEAN_FLAGS.has(argument)) {
      flags.set(argument, 'true');
    } else {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError([`${argument} needs a value`]);
      flags.set(argument, next);
      index++;
    }
  }
  return { flags, positionals };
}

const KNOWN_FLAGS = new Set([...SETTINGS.map((setting) => setting.flag), ...BOOLEAN_FLAGS]);

/**
 * Resolves flags over environment over defaults; throws ConfigError listing every problem.
 * `commandFlags` are the running command's own options (`rlm ask --profile`): accepted here
 * without being server settings, so any other command still rejects them as unknown.
 */
export function resolveConfig(flags: Map<string, string>, env: NodeJS.ProcessEnv, commandFlags: ReadonlySet<string> = new Set()): ServerConfig {
  const problems: string[] = [];
  for (const flag of flags.keys()) {
    if (!KNOWN_FLAGS.has(flag) && !commandFlags.has(flag)) problems.push(`unknown option ${flag} (see rlm --help)`);
  }
  const read = (flag: string, envName: string): { value: string; source: string } | undefined => {
    const fromFlag = flags.get(flag);
    if (fromFlag !== undefined) return { value: fromFlag, source: flag };
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv.trim() !== '') return { value: fromEnv.trim(), source: envName };
    return undefined;
  };
  const integer = (flag: string, envName: string, fallback: number, min: number, max: number): number => {
    const setting = read(flag, envName);
    if (setting === undefined) return fallback;
    const parsed = Number(setting.value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${setting.source} must be a whole number from ${min} to ${max}, got "${setting.value}"`);
      return fallback;
    }
    return parsed;
  };
  const list = (flag: string, envName: string): string[] =>
    (read(flag, envName)?.value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');

  const host = read('--host', 'RLM_HOST')?.value ?? '127.0.0.1';
  const port = integer('--port', 'RLM_PORT', DEFAULT_PORT, 0, 65535);

  let ollamaUrl = 'http://127.0.0.1:11434';
  const ollamaSetting = read('--ollama-host', 'OLLAMA_HOST');
  try {
    ollamaUrl = parseOllamaHost(ollamaSetting?.value);
  } catch (error) {
    problems.push(`${ollamaSetting?.source ?? 'OLLAMA_HOST'}: ${(error as Error).message}`);
  }

  const levelSetting = read('--log-level', 'RLM_LOG_LEVEL');
  let logLevel: LogLevel = 'info';
  if (levelSetting !== undefined) {
    const candidate = levelSetting.value.toLowerCase();
    if ((LOG_LEVELS as readonly string[]).includes(candidate)) logLevel = candidate as LogLevel;
    else problems.push(`${levelSetting.source} must be one of ${LOG_LEVELS.join(', ')}, got "${levelSetting.value}"`);
  }

  const maxBodyBytes = integer('--max-body-bytes', 'RLM_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1024, 1024 * 1024 * 1024);
  const maxBodyTotalBytes = integer('--max-body-total-bytes', 'RLM_MAX_BODY_TOTAL_BYTES', BODY_TOTAL_FACTOR * maxBodyBytes, 1024, 64 * 1024 * 1024 * 1024);
  const totalSetting = read('--max-body-total-bytes', 'RLM_MAX_BODY_TOTAL_BYTES');
  if (totalSetting !== undefined && maxBodyTotalBytes < maxBodyBytes) {
    problems.push(
      `${totalSetting.source} (${maxBodyTotalBytes}) is below the largest body allowed (${maxBodyBytes}, ${read('--max-body-bytes', 'RLM_MAX_BODY_BYTES')?.source ?? 'the default of --max-body-bytes'}): ` +
        'such a body would be refused every time; raise it, or leave it unset for four times the largest body',
    );
  }

  const apiKey = readApiKey(flags, env, host, problems);
  const insecure = flags.get('--insecure') === 'true';
  const config: ServerConfig = {
    host,
    port,
    apiKey,
    insecure,
    ollamaUrl,
    logLevel,
    numCtx: integer('--num-ctx', 'RLM_NUM_CTX', 8192, 0, 10_000_000),
    upstreamTimeoutMs: integer('--upstream-timeout', 'RLM_UPSTREAM_TIMEOUT', 300, 1, 86_400) * 1000,
    maxBodyBytes,
    maxBodyTotalBytes,
    allowedOrigins: list('--allowed-origins', 'RLM_ALLOWED_ORIGINS'),
    allowedHosts: list('--allowed-hosts', 'RLM_ALLOWED_HOSTS').map(hostWithoutPort),
    embeddingCacheEntries: integer('--embedding-cache', 'RLM_EMBEDDING_CACHE', 4096, 0, 10_000_000),
    keepAliveMs: integer('--keep-alive-ms', 'RLM_KEEP_ALIVE_MS', 5000, 50, 60_000),
    dataDir: read('--data-dir', 'RLM_DATA_DIR')?.value ?? join(homedir(), '.rlm'),
    configPath: read('--config', 'RLM_CONFIG')?.value ?? '',
    allowModelManagement: switchSetting(read('--allow-model-management', 'RLM_ALLOW_MODEL_MANAGEMENT'), problems),
  };

  // A key given but unusable was reported above; saying "without an API key" too would only repeat it.
  const keyGiven = flags.has('--api-key') || (env.RLM_API_KEY ?? '') !== '';
  if (!isLoopbackAddress(host) && !keyGiven && !insecure) {
    problems.push(
      `refusing to listen on ${host} without an API key: anyone who can reach this machine could use your models. ` +
        'Set RLM_API_KEY (recommended), or pass --insecure if the network is trusted.',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const SWITCH_ON = new Set(['1', 'true', 'yes', 'on']);
const SWITCH_OFF = new Set(['0', 'false', 'no', 'off']);

/** An on/off setting: a bare flag is on; a value (the variable, or `--flag=value`) must say which. */
function switchSetting(setting: { value: string; source: string } | undefined, problems: string[]): boolean {
  if (setting === undefined) return false;
  const value = setting.value.toLowerCase();
  if (SWITCH_ON.has(value)) return true;
  if (!SWITCH_OFF.has(value)) problems.push(`${setting.source} must be 1, true, yes or on (or 0, false, no, off), got "${setting.value}"`);
  return false;
}

/** Shortest key accepted on a non-loopback bind: 16 characters, 64 bits written in hex. */
export const MIN_PUBLIC_API_KEY_LENGTH = 16;

/**
 * The key, without surrounding whitespace (no Authorization header can carry it). A flag given
 * empty is a mistake, not a way to turn the key off; an empty variable counts as unset, as every
 * variable does, but one holding only whitespace was meant to hold something. On a non-loopback
 * bind the key is all that stands between the network and the models, so a short one is refused.
 */
function readApiKey(flags: Map<string, string>, env: NodeJS.ProcessEnv, host: string, problems: string[]): string | undefined {
  const fromFlag = flags.get('--api-key');
  const fromEnv = env.RLM_API_KEY;
  let key: string | undefined;
  let source = '--api-key';
  if (fromFlag !== undefined) {
    key = fromFlag.trim();
    if (key === '') {
      problems.push('--api-key is empty: give a key, or leave the option out to run without one');
      return undefined;
    }
  } else if (fromEnv !== undefined && fromEnv !== '') {
    key = fromEnv.trim();
    source = 'RLM_API_KEY';
    if (key === '') {
      problems.push('RLM_API_KEY is only whitespace: set a key, or unset the variable to run without one');
      return undefined;
    }
  }
  const length = key === undefined ? 0 : [...key].length;
  if (key !== undefined && length < MIN_PUBLIC_API_KEY_LENGTH && !isLoopbackAddress(host)) {
    problems.push(
      `${source} is ${length} characters long: on a non-loopback address (${host}) a key needs at least ${MIN_PUBLIC_API_KEY_LENGTH}, ` +
        'for example from `openssl rand -hex 16`',
    );
  }
  return key;
}

/** "Name:443" -> "name"; "[::1]:80" -> "[::1]"; a bare IPv6 address stays whole. The Host check compares names only. */
function hostWithoutPort(entry: string): string {
  const lower = entry.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1) || lower;
  return lower.split(':').length === 2 ? (lower.split(':')[0] as string) : lower;
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare.startsWith('::ffff:127.');
  return false;
}

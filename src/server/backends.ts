/**
 * The model servers behind the app: without `backends` in rlm.config.json, the one Ollama at
 * --ollama-host, called straight; with it, one adapter per backend (Ollama's native API, or an
 * OpenAI-compatible /v1) behind the pool (src/llm/pool/), which routes, balances and fails over.
 * Each backend also gets its own reachability probe for /health, so that one down server shows as
 * down while the others answer.
 */
import { createBackendStatus, type BackendStatusProbe } from '../llm/backend-status.js';
import { createOllamaClient, type OllamaClient } from '../llm/ollama-client.js';
import { createOpenAiCompatClient } from '../llm/openai/openai-compat-client.js';
import { createBackendPool, type BackendPool, type FailoverEvent, type PoolMember } from '../llm/pool/backend-pool.js';
import type { BackendConfig } from '../types/backend.js';
import type { ServerConfig } from '../types/config.js';

/** The name --ollama-host's backend goes by when `backends` is not configured. */
export const DEFAULT_BACKEND_NAME = 'ollama';

export interface BackendProbe {
  name: string;
  type: BackendConfig['type'];
  url: string;
  probe: BackendStatusProbe;
}

export interface Backends {
  /** What every model call goes through: the one client, or the pool. */
  client: OllamaClient;
  /** undefined: the one --ollama-host, without a pool. */
  pool: BackendPool | undefined;
  /** Each backend's own probe, in configuration order. */
  probes: BackendProbe[];
}

export interface BackendsOptions {
  /** Reach every backend through this fetch (tests). */
  fetch?: typeof fetch;
  now: () => number;
  /** /health's probe timing (app.ts). */
  status: { freshMs: number; staleMs: number; timeoutMs: number };
  onFailover?: (event: FailoverEvent) => void;
}

export function createBackends(config: ServerConfig, backends: readonly BackendConfig[] | null, options: BackendsOptions): Backends {
  const fetchOption = options.fetch ? { fetch: options.fetch } : {};
  const probe = (client: OllamaClient): BackendStatusProbe => createBackendStatus(client, { ...options.status, now: options.now });
  if (backends === null) {
    const client = createOllamaClient({ baseUrl: config.ollamaUrl, timeoutMs: config.upstreamTimeoutMs, ...fetchOption });
    return { client, pool: undefined, probes: [{ name: DEFAULT_BACKEND_NAME, type: 'ollama', url: client.baseUrl, probe: probe(client) }] };
  }
  const members: PoolMember[] = backends.map((backend) => ({
    name: backend.name,
    type: backend.type,
    client: adapterFor(backend, config.upstreamTimeoutMs, fetchOption),
    maxConcurrent: backend.maxConcurrent,
    models: backend.models,
  }));
  const pool = createBackendPool(members, { now: options.now, ...(options.onFailover ? { onFailover: options.onFailover } : {}) });
  return {
    client: pool,
    pool,
    probes: members.map((member) => ({ name: member.name, type: member.type, url: member.client.baseUrl, probe: probe(member.client) })),
  };
}

function adapterFor(backend: BackendConfig, defaultTimeoutMs: number, fetchOption: { fetch?: typeof fetch }): OllamaClient {
  const timeoutMs = backend.timeoutMs ?? defaultTimeoutMs;
  if (backend.type === 'ollama') return createOllamaClient({ baseUrl: backend.url, timeoutMs, ...fetchOption });
  return createOpenAiCompatClient({
    baseUrl: backend.url,
    apiKey: backend.apiKey,
    timeoutMs,
    models: backend.models,
    unsupported: backend.unsupported,
    name: backend.name,
    ...fetchOption,
  });
}

/** `backend/model` split at the first "/" when `backend` is one of the pool's; undefined otherwise. */
export function splitPinned(pool: BackendPool, name: string): { backend: string; model: string } | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0) return undefined;
  const backend = name.slice(0, slash);
  return pool.members.some((member) => member.name === backend) ? { backend, model: name.slice(slash + 1) } : undefined;
}

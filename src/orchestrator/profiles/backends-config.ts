/**
 * `backends` in rlm.config.json: the model servers behind rlm, by name. Without it nothing
 * changes (the one `--ollama-host` is the backend named `ollama`).
 *
 * ```json
 * "backends": {
 *   "laptop": { "url": "http://127.0.0.1:11434" },
 *   "gpu":    { "type": "ollama", "url": "http://gpu-box:11434", "maxConcurrent": 4 },
 *   "vllm":   { "type": "openai", "url": "http://vllm:8000/v1", "apiKeyEnv": "VLLM_API_KEY",
 *               "models": ["Qwen/Qwen2.5-32B-Instruct"], "timeoutSeconds": 600, "unsupported": ["logprobs"] }
 * }
 * ```
 *
 * - `type` "ollama" (the default: Ollama's native /api) or "openai" (an OpenAI-compatible /v1:
 *   vLLM, SGLang, llama.cpp's server, LM Studio, Ollama's own /v1); `url` is the server's root, and
 *   a trailing `/v1` on an openai backend is accepted and dropped.
 * - `apiKey`, or `apiKeyEnv` naming the environment variable that holds it (read at start; a
 *   variable that is not set is an error rather than an unauthenticated backend).
 * - `models`: the ids it serves, when its own list (`/api/tags`, `/v1/models`) should not be trusted.
 * - `maxConcurrent` 1..4096: its requests in flight; more wait in the pool's queue.
 * - `timeoutSeconds` 1..86400: its longest silence before a 504 (default: --upstream-timeout).
 * - `unsupported` (openai only): the features its server lacks ("structured", "tools",
 *   "logprobs", "completions", "embeddings"); requests needing one are refused before they start.
 * - Names: lowercase letters, digits, ".", "_", "-"; `name/model` pins a model to a backend, so a
 *   name may not be "rlm" (`rlm/<model>` is the pipeline's) or a profile's name.
 */
import { parseOllamaHost } from '../../llm/ollama-host.js';
import type { BackendConfig, BackendFeature, BackendType } from '../../types/backend.js';
import type { Profile } from '../../types/profile.js';
import { Checker, closest, describe } from './config-checker.js';

const BACKEND_KEYS = ['type', 'url', 'apiKey', 'apiKeyEnv', 'models', 'maxConcurrent', 'timeoutSeconds', 'unsupported'];
const BACKEND_TYPES: readonly BackendType[] = ['ollama', 'openai'];
const FEATURES: readonly BackendFeature[] = ['structured', 'tools', 'logprobs', 'completions', 'embeddings'];
const BACKEND_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The pipeline's own prefix: `rlm/<model>` is the default profile with that generator. */
const RESERVED_NAMES = ['rlm'];

/** Reads `backends`; null when the file has none. Every problem is reported with its key path. */
export function readBackends(check: Checker, value: unknown, env: NodeJS.ProcessEnv): BackendConfig[] | null {
  if (value === undefined) return null;
  const body = check.object(value, 'backends', undefined, 'must be an object of named backends, e.g. {"gpu": {"url": "http://gpu-box:11434"}}');
  if (body === undefined) return null;
  const names = Object.keys(body);
  if (names.length === 0) check.report('backends', 'must name at least one backend, or be left out (then --ollama-host is the backend)');
  const backends: BackendConfig[] = [];
  for (const name of names) {
    const backend = readBackend(check, name, body[name], env);
    if (backend !== undefined) backends.push(backend);
  }
  return backends;
}

function readBackend(check: Checker, name: string, value: unknown, env: NodeJS.ProcessEnv): BackendConfig | undefined {
  const path = /^[a-z0-9_-]+$/i.test(name) ? `backends.${name}` : `backends[${JSON.stringify(name)}]`;
  if (!BACKEND_NAME.test(name)) {
    check.report(path, `a backend name must be 1 to 64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, got ${JSON.stringify(name)}`);
  } else if (RESERVED_NAMES.includes(name)) {
    check.report(path, `"${name}" is reserved: "${name}/<model>" ids run the pipeline; choose another name`);
  }
  const body = check.object(value, path, BACKEND_KEYS, 'must be an object such as {"url": "http://127.0.0.1:11434"}');
  if (body === undefined) return undefined;
  const type = check.choice(body.type, `${path}.type`, BACKEND_TYPES, 'ollama');
  const url = readUrl(check, body.url, `${path}.url`, type);
  const apiKey = readApiKey(check, body, path, env);
  const models = readModels(check, body.models, `${path}.models`);
  const maxConcurrent = body.maxConcurrent === undefined ? null : check.wholeNumber(body.maxConcurrent, `${path}.maxConcurrent`, 1, 1, 4096);
  const timeoutMs = body.timeoutSeconds === undefined ? null : check.wholeNumber(body.timeoutSeconds, `${path}.timeoutSeconds`, 300, 1, 86_400) * 1000;
  const unsupported = readUnsupported(check, body.unsupported, `${path}.unsupported`, type);
  if (url === undefined) return undefined;
  return { name, type, url, apiKey, models, maxConcurrent, timeoutMs, unsupported };
}

function readUrl(check: Checker, value: unknown, path: string, type: BackendType): string | undefined {
  if (value === undefined) {
    check.report(path, `is required: the server's address, e.g. ${type === 'ollama' ? '"http://127.0.0.1:11434"' : '"http://127.0.0.1:8000/v1"'}`);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    check.report(path, `must be a URL such as "http://127.0.0.1:11434", got ${describe(value)}`);
    return undefined;
  }
  if (type === 'ollama') {
    try {
      // Ollama's own OLLAMA_HOST rules, as for --ollama-host: "gpu-box" is http://gpu-box:11434.
      return parseOllamaHost(value);
    } catch (error) {
      check.report(path, (error as Error).message);
      return undefined;
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    check.report(path, `must be an http:// or https:// URL such as "http://127.0.0.1:8000/v1", got ${describe(value)}`);
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    check.report(path, `must be an http:// or https:// URL, got ${describe(value)}`);
    return undefined;
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    check.report(path, `must not carry a query or fragment, got ${describe(value)}`);
    return undefined;
  }
  // People paste the base URL their SDK uses; the adapter adds /v1 itself.
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

function readApiKey(check: Checker, body: Record<string, unknown>, path: string, env: NodeJS.ProcessEnv): string | undefined {
  if (body.apiKey !== undefined && body.apiKeyEnv !== undefined) {
    check.report(path, 'give "apiKey" or "apiKeyEnv", not both');
    return undefined;
  }
  if (body.apiKey !== undefined) {
    if (typeof body.apiKey === 'string' && body.apiKey.trim() !== '') return body.apiKey.trim();
    check.report(`${path}.apiKey`, `must be a non-empty string (or use "apiKeyEnv" to read it from the environment), got ${typeof body.apiKey}`);
    return undefined;
  }
  if (body.apiKeyEnv === undefined) return undefined;
  if (typeof body.apiKeyEnv !== 'string' || !ENV_NAME.test(body.apiKeyEnv)) {
    check.report(`${path}.apiKeyEnv`, `must be the name of an environment variable, e.g. "VLLM_API_KEY", got ${describe(body.apiKeyEnv)}`);
    return undefined;
  }
  const key = env[body.apiKeyEnv]?.trim() ?? '';
  if (key === '') check.report(`${path}.apiKeyEnv`, `the environment variable ${body.apiKeyEnv} is not set (or empty); set it before starting rlm`);
  return key === '' ? undefined : key;
}

function readModels(check: Checker, value: unknown, path: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0) {
    check.report(path, `must be a non-empty list of model ids, e.g. ["qwen2.5:7b"], or left out to ask the server, got ${describe(value)}`);
    return null;
  }
  const models: string[] = [];
  value.forEach((model, index) => {
    const checked = check.model(model, `${path}[${index}]`);
    if (checked === undefined) return;
    if (models.includes(checked)) check.report(`${path}[${index}]`, `${JSON.stringify(checked)} is listed twice`);
    else models.push(checked);
  });
  return models;
}

function readUnsupported(check: Checker, value: unknown, path: string, type: BackendType): BackendFeature[] {
  if (value === undefined) return [];
  if (type === 'ollama') {
    check.report(path, 'applies to "openai" backends only (rlm knows what Ollama supports)');
    return [];
  }
  if (!Array.isArray(value)) {
    check.report(path, `must be a list drawn from ${FEATURES.map((feature) => JSON.stringify(feature)).join(', ')}, got ${describe(value)}`);
    return [];
  }
  const features: BackendFeature[] = [];
  value.forEach((feature, index) => {
    if ((FEATURES as readonly unknown[]).includes(feature)) features.push(feature as BackendFeature);
    else check.report(`${path}[${index}]`, `must be one of ${FEATURES.map((known) => JSON.stringify(known)).join(', ')}, got ${describe(feature)}`);
  });
  return features;
}

/**
 * What the backends and profiles say about each other: a backend may not share a profile's name
 * (both would claim `name/…`), and a profile model written `name/model` whose `name` is nearly a
 * backend's is a typo rather than an id (ids such as "Qwen/Qwen2.5-7B" or "library/llama3" are left
 * alone). Model names are only checked against servers when a run starts.
 */
export function checkBackendReferences(check: Checker, backends: readonly BackendConfig[], profiles: Record<string, Profile>): void {
  const names = backends.map((backend) => backend.name);
  for (const name of names) {
    if (profiles[name] !== undefined && !RESERVED_NAMES.includes(name)) check.report(`backends.${name}`, `has the same name as the profile "${name}"; rename one of them`);
  }
  for (const profile of Object.values(profiles)) {
    const path = /^[a-z0-9_-]+$/i.test(profile.name) ? `profiles.${profile.name}` : `profiles[${JSON.stringify(profile.name)}]`;
    const models: [string, string][] = [
      ['planner', profile.planner],
      ['generator', profile.generator],
      ['verifier', profile.verifier],
      ...profile.ladder.map((model, index): [string, string] => [`ladder[${index}]`, model]),
    ];
    for (const [key, model] of models) {
      const slash = model.indexOf('/');
      if (slash <= 0) continue;
      const prefix = model.slice(0, slash);
      if (names.includes(prefix)) continue;
      const guess = closest(prefix, names);
      if (guess !== undefined) {
        check.report(`${path}.${key}`, `names the backend "${prefix}", which is not in backends (did you mean "${guess}/${model.slice(slash + 1)}"?); backends: ${names.join(', ')}`);
      }
    }
  }
}

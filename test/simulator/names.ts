/**
 * Model references, `[host/][namespace/]model[:tag]` (protocol §2): the default host is
 * registry.ollama.ai, the default namespace library, the default tag latest.
 */

export interface ModelName {
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

const DEFAULT_HOST = 'registry.ollama.ai';
const DEFAULT_NAMESPACE = 'library';
const DEFAULT_TAG = 'latest';

const PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const HOST = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

/** undefined when the text is not a valid name (Ollama answers "invalid model name"). */
export function parseModelName(text: string): ModelName | undefined {
  const trimmed = text.trim();
  // A colon after the last slash is the tag; one before it belongs to a host's port.
  const slash = trimmed.lastIndexOf('/');
  const colon = trimmed.lastIndexOf(':');
  const hasTag = colon > slash;
  const path = hasTag ? trimmed.slice(0, colon) : trimmed;
  const tag = hasTag ? trimmed.slice(colon + 1) : DEFAULT_TAG;
  const parts = path.split('/');
  if (parts.length > 3) return undefined;
  const model = parts[parts.length - 1] ?? '';
  const namespace = parts.length >= 2 ? (parts[parts.length - 2] ?? '') : DEFAULT_NAMESPACE;
  const host = parts.length === 3 ? (parts[0] ?? '') : DEFAULT_HOST;
  if (!PART.test(model) || !PART.test(tag) || !PART.test(namespace) || !HOST.test(host)) return undefined;
  return { host, namespace, model, tag };
}

/** "registry.ollama.ai/library/llama3.2:latest", as capability errors quote it. */
export function qualifiedName(name: ModelName): string {
  return `${name.host}/${name.namespace}/${name.model}:${name.tag}`;
}

/** "llama3.2:latest", as /api/tags reports it (always with the tag). */
export function shortestName(name: ModelName): string {
  if (name.host !== DEFAULT_HOST) return qualifiedName(name);
  if (name.namespace !== DEFAULT_NAMESPACE) return `${name.namespace}/${name.model}:${name.tag}`;
  return `${name.model}:${name.tag}`;
}

/** Lookup key: lookups are case-insensitive against installed models. */
export function modelKey(text: string): string {
  const name = parseModelName(text);
  return (name === undefined ? text.trim() : qualifiedName(name)).toLowerCase();
}

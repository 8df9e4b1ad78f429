/**
 * What models the backend has, cached briefly so that checking a model before opening a stream
 * costs no round trip on the hot path, and refreshed at once when a name is not found (the user
 * may just have run `ollama pull`).
 */
import { NotFoundError } from '../utils/errors.js';
import type { OllamaClient } from './ollama-client.js';
import type { OllamaShowResponse, OllamaTagModel } from '../types/ollama.js';

export interface ModelCatalog {
  /** The installed models, from a cache at most `ttlMs` old. */
  list(signal?: AbortSignal): Promise<OllamaTagModel[]>;
  /** The installed model a request's name refers to ("llama3.2" is "llama3.2:latest"), refreshing once on a miss. */
  find(name: string, signal?: AbortSignal): Promise<OllamaTagModel | undefined>;
  /** Like find, but throws the 404 that names what is installed. */
  require(name: string, signal?: AbortSignal): Promise<OllamaTagModel>;
  /** The model's capabilities from /api/show (cached), or undefined when the backend does not report them. */
  capabilities(name: string, signal?: AbortSignal): Promise<string[] | undefined>;
  /** The 404 for a name that is not installed; `virtualIds` (the pipeline's models) are listed too. */
  notFound(name: string, signal?: AbortSignal, virtualIds?: readonly string[]): Promise<NotFoundError>;
}

export function createModelCatalog(ollama: OllamaClient, options: { ttlMs: number; now: () => number }): ModelCatalog {
  let cached: { at: number; models: OllamaTagModel[] } | undefined;
  const shows = new Map<string, Promise<OllamaShowResponse>>();

  const refresh = async (signal?: AbortSignal): Promise<OllamaTagModel[]> => {
    const response = await ollama.tags(signal);
    cached = { at: options.now(), models: response.models ?? [] };
    return cached.models;
  };

  const list = async (signal?: AbortSignal): Promise<OllamaTagModel[]> =>
    cached !== undefined && options.now() - cached.at < options.ttlMs ? cached.models : refresh(signal);

  const lookup = (models: OllamaTagModel[], name: string): OllamaTagModel | undefined => {
    const wanted = normaliseModelName(name);
    return models.find((model) => normaliseModelName(model.name) === wanted || normaliseModelName(model.model) === wanted);
  };

  const catalog: ModelCatalog = {
    list,
    async find(name, signal) {
      const hit = lookup(await list(signal), name);
      if (hit !== undefined || cached === undefined) return hit;
      return lookup(await refresh(signal), name);
    },
    async require(name, signal) {
      const model = await catalog.find(name, signal);
      if (model === undefined) throw await catalog.notFound(name, signal);
      return model;
    },
    async capabilities(name, signal) {
      const model = await catalog.find(name, signal);
      if (model === undefined) return undefined;
      // Keyed by digest: a re-pulled model is a new entry, so its capabilities are asked afresh.
      const key = `${model.name}@${model.digest}`;
      let pending = shows.get(key);
      if (pending === undefined) {
        // Shared by concurrent callers, so no one caller's cancel may abort it.
        pending = ollama.show({ model: model.name });
        shows.set(key, pending);
        pending.catch(() => shows.delete(key));
      }
      return (await pending).capabilities;
    },
    async notFound(name, signal, virtualIds = []) {
      let names: string[] = [];
      try {
        names = (await list(signal)).map((model) => model.name);
      } catch {
        // The 404 is still true without the list; do not turn it into a second failure.
      }
      const pipeline = virtualIds.length > 0 ? ` Pipeline models: ${virtualIds.slice(0, 12).join(', ')}${virtualIds.length > 12 ? ', …' : ''}.` : '';
      const available = names.length > 0 ? ` Ollama models: ${names.join(', ')}.` : ' No Ollama models are installed yet.';
      // "rlm…" names the pipeline, not something to pull from Ollama's registry.
      const advice = /^rlm(\/|$)/.test(name) ? '' : ` Install it with \`ollama pull ${name}\`.`;
      return new NotFoundError(`The model '${name}' does not exist.${pipeline}${available}${advice}`, 'model', 'model_not_found');
    },
  };
  return catalog;
}

/**
 * Ollama's name rule (docs/reference/ollama-protocol.md §2): case-insensitive, default tag
 * "latest", and the default host and namespace may be written out ("registry.ollama.ai/library/x").
 */
export function normaliseModelName(name: string): string {
  const lower = name
    .trim()
    .toLowerCase()
    .replace(/^registry\.ollama\.ai\//, '')
    .replace(/^library\//, '');
  const lastSlash = lower.lastIndexOf('/');
  return lower.slice(lastSlash + 1).includes(':') ? lower : `${lower}:latest`;
}

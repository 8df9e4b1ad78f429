/**
 * An in-memory LRU of identical deterministic model calls, keyed by the SHA-256 of the canonical
 * request and the digest of the model that answers it. Only calls at temperature 0 with a fixed
 * seed are stored: anything else may rightly differ on a second try. The request names its model
 * by name, and a name outlives its weights (`ollama pull` of a newer llama3.2 keeps the name), so
 * the digest from /api/tags is what tells two models apart; with no digest known, nothing is
 * cached (callCacheKey).
 */
import type { ModelCatalog } from '../../llm/model-catalog.js';

export interface CachedCall {
  content: string;
  toolCalls: { name: string; arguments: string }[];
  verdictProbability: number | null;
  tokens: { prompt: number; completion: number };
}

export interface CallCache {
  get(key: string): CachedCall | undefined;
  set(key: string, value: CachedCall): void;
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
}

export function createCallCache(maxEntries: number): CallCache {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recent.
  const entries = new Map<string, CachedCall>();
  let hits = 0;
  let misses = 0;
  return {
    get(key) {
      const value = entries.get(key);
      if (value === undefined) {
        misses++;
        return undefined;
      }
      hits++;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    get size() {
      return entries.size;
    },
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
  };
}

/** Whether a call's options make its answer reproducible, and so cacheable. */
export function isDeterministic(options: { temperature?: number; seed?: number }): boolean {
  return options.temperature === 0 && typeof options.seed === 'number' && options.seed >= 0;
}

/**
 * The cache key of one call: the model's digest and the request's hash, or undefined (do not cache)
 * when the digest is unknown: the model is missing, /api/tags failed, or the backend gave no digest.
 * A key by name alone would answer for a re-pulled model from its predecessor's answers; skipping
 * costs only the speed-up, and the call itself then fails or succeeds on its own terms. The digest
 * is as fresh as the catalogue's list (5 s), so a model re-pulled is seen within that time.
 */
export async function callCacheKey(models: Pick<ModelCatalog, 'find'>, model: string, inputHash: string, signal: AbortSignal): Promise<string | undefined> {
  const installed = await models.find(model, signal).catch(() => undefined);
  // Typed as a string, but read off the wire: an Ollama-compatible backend may leave it out.
  const digest: unknown = installed?.digest;
  return typeof digest === 'string' && digest.trim() !== '' ? `${digest}:${inputHash}` : undefined;
}

/**
 * An in-memory LRU of identical deterministic model calls, keyed by the SHA-256 of the canonical
 * request. Only calls at temperature 0 with a fixed seed are stored: anything else may rightly
 * differ on a second try.
 */
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

/**
 * An LRU of embedding vectors keyed by SHA-256 of (model, dimensions, text), so an editor that
 * re-indexes an unchanged codebase does not make Ollama compute the same vectors again. Vectors are
 * kept as the exact numbers Ollama sent, so a cached answer is byte-identical to a fresh one.
 */
import { hashJson } from '../utils/hash.js';

export interface EmbeddingCacheStats {
  entries: number;
  maxEntries: number;
  hits: number;
  misses: number;
}

export interface EmbeddingCache {
  get(model: string, dimensions: number | undefined, text: string): readonly number[] | undefined;
  set(model: string, dimensions: number | undefined, text: string, vector: readonly number[]): void;
  stats(): EmbeddingCacheStats;
}

export function createEmbeddingCache(maxEntries: number): EmbeddingCache {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recent.
  const entries = new Map<string, Float64Array>();
  let hits = 0;
  let misses = 0;
  const keyOf = (model: string, dimensions: number | undefined, text: string): string => hashJson([model, dimensions ?? 0, text]);
  return {
    get(model, dimensions, text) {
      const key = keyOf(model, dimensions, text);
      const vector = entries.get(key);
      if (vector === undefined) {
        misses++;
        return undefined;
      }
      hits++;
      entries.delete(key);
      entries.set(key, vector);
      return Array.from(vector);
    },
    set(model, dimensions, text, vector) {
      if (maxEntries <= 0) return;
      const key = keyOf(model, dimensions, text);
      entries.delete(key);
      entries.set(key, Float64Array.from(vector));
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    stats: () => ({ entries: entries.size, maxEntries, hits, misses }),
  };
}

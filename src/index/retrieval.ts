/**
 * Searching the local indexes by text: load an index once (again only when it changed on disk),
 * embed the query with the index's own model (through the embedding cache), and run the exact
 * cosine search.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { OllamaClient } from '../llm/ollama-client.js';
import type { IndexManifest, LoadedIndex, SearchHit } from '../types/retrieval.js';
import type { EmbeddingCache } from './embedding-cache.js';
import { explainEmbedFailure } from './build.js';
import { checkIndexName, IndexNotChosenError, IndexNotFoundError } from './index-names.js';
import { indexDirectory, listIndexes, readIndex } from './index-store.js';
import { searchKernel } from './vector-memory.js';
import type { SearchKernel } from './vector-memory.js';
import { searchIndex } from './vector-search.js';

export interface RetrievalQuery {
  query: string;
  /** The index to search; may be omitted when exactly one index exists. */
  index?: string;
  k: number;
  pathPrefix?: string;
}

export interface RetrievalResult {
  manifest: IndexManifest;
  hits: SearchHit[];
  /** Which kernel scored the vectors and why, for a log or debug field: the fallback says what it lacks. */
  kernel: SearchKernel;
}

export interface Retrieval {
  search(query: RetrievalQuery, signal?: AbortSignal): Promise<RetrievalResult>;
}

export function createRetrieval(options: { dataDir: string; ollama: OllamaClient; embeddingCache?: EmbeddingCache }): Retrieval {
  const loaded = new Map<string, { key: string; index: LoadedIndex }>();

  const load = async (name: string): Promise<LoadedIndex> => {
    // Every write swaps in a new directory, so the manifest's inode (with its time and size)
    // changes with each generation: a cheap stat tells whether the loaded copy is current.
    const info = await stat(join(indexDirectory(options.dataDir, name), 'manifest.json')).catch(() => undefined);
    const key = info === undefined ? undefined : `${info.ino}:${info.mtimeMs}:${info.size}`;
    const cached = loaded.get(name);
    if (cached !== undefined && cached.key === key) return cached.index;
    // Without a manifest in place (an unknown name, or a write caught between its two renames)
    // readIndex knows where to look; such a copy is not cached.
    const index = await readIndex(options.dataDir, name);
    if (index === undefined) throw await unknownIndex(name);
    if (key !== undefined) loaded.set(name, { key, index });
    return index;
  };

  const indexNames = async (): Promise<string[]> => (await listIndexes(options.dataDir)).map((manifest) => manifest.name);

  const unknownIndex = async (name: string): Promise<IndexNotFoundError> => new IndexNotFoundError(name, await indexNames());

  const pickIndex = async (requested: string | undefined): Promise<string> => {
    // A malformed name is refused before it comes near a path.
    if (requested !== undefined) return checkIndexName(requested);
    const names = await indexNames();
    if (names.length === 1) return names[0] as string;
    if (names.length === 0) throw new IndexNotFoundError(undefined, []);
    throw new IndexNotChosenError(names);
  };

  return {
    async search(query, signal) {
      const index = await load(await pickIndex(query.index));
      const { model } = index.manifest;
      let vector = options.embeddingCache?.get(model, undefined, query.query);
      if (vector === undefined) {
        const result = await options.ollama.embed({ model, input: query.query }, signal).catch((error: unknown) => {
          throw explainEmbedFailure(error, model);
        });
        vector = result.embeddings[0] ?? [];
        options.embeddingCache?.set(model, undefined, query.query, vector);
      }
      const hits = searchIndex(index, vector, { k: query.k, ...(query.pathPrefix ? { pathPrefix: query.pathPrefix } : {}) });
      return { manifest: index.manifest, hits, kernel: searchKernel(index.vectors, index.manifest.dimensions) };
    },
  };
}

/** The local retrieval index's contracts: what is stored on disk and what a search returns. */

/** One chunk of one file: a window of lines. Lines are 1-based and inclusive. */
export interface ChunkRecord {
  /** Path relative to the indexed folder, with "/" separators. */
  path: string;
  startLine: number;
  endLine: number;
  /** SHA-256 of the chunk's text: the key that decides whether it must be embedded again. */
  sha256: string;
  text: string;
}

/** manifest.json: what the index holds and how it was built. */
export interface IndexManifest {
  /** Format version of the files; a reader refuses a version it does not know. */
  version: 1;
  name: string;
  /** The indexed folder, absolute. */
  root: string;
  /** The embedding model the vectors came from; a search must embed its query with the same one. */
  model: string;
  dimensions: number;
  chunkCount: number;
  fileCount: number;
  chunkLines: number;
  overlapLines: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * An index in memory: the manifest, the chunk metadata in row order, and every chunk's
 * L2-normalised vector in one Float32Array (row i = vectors[i*dimensions … (i+1)*dimensions)).
 */
export interface LoadedIndex {
  manifest: IndexManifest;
  chunks: ChunkRecord[];
  vectors: Float32Array;
}

export interface SearchHit {
  path: string;
  startLine: number;
  endLine: number;
  /** Cosine similarity (a dot product of normalised vectors), in [-1, 1]. */
  score: number;
  text: string;
}

/**
 * Builds or refreshes a retrieval index: walk the folder, chunk every text file, embed only the
 * chunks whose content hash the index does not already hold (in batches, through Ollama's
 * /api/embed), and write the new index atomically, so an interrupted build leaves the old index
 * readable and a re-run over an unchanged folder embeds nothing.
 */
import { resolve } from 'node:path';
import type { OllamaClient } from '../llm/ollama-client.js';
import type { ChunkRecord, IndexManifest, LoadedIndex } from '../types/retrieval.js';
import { RlmError } from '../utils/errors.js';
import { startTimer } from '../utils/timer.js';
import { chunkText, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from './chunker.js';
import { readIndex, writeIndex } from './index-store.js';
import { normalizeVector } from './vector-search.js';
import { readTextFile, walkFolder, type SkippedFile } from './walker.js';

export interface BuildProgress {
  phase: 'scanning' | 'embedding' | 'writing';
  files: number;
  chunks: number;
  /** Chunks whose vector came from the previous index. */
  reused: number;
  embedded: number;
  toEmbed: number;
  elapsedMs: number;
  embeddingsPerSecond: number;
  /** Estimated seconds left in the embedding phase (null until there is a rate). */
  secondsLeft: number | null;
}

export interface BuildOptions {
  root: string;
  name: string;
  model: string;
  dataDir: string;
  chunk?: ChunkOptions;
  /** Inputs per /api/embed call. */
  batchSize?: number;
  maxFileBytes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: BuildProgress) => void;
  now?: () => number;
}

export interface BuildResult {
  manifest: IndexManifest;
  skipped: SkippedFile[];
  embedded: number;
  reused: number;
  durationMs: number;
}

export const DEFAULT_BATCH_SIZE = 64;

export async function buildIndex(ollama: OllamaClient, options: BuildOptions): Promise<BuildResult> {
  const elapsed = startTimer();
  const now = options.now ?? Date.now;
  const chunkOptions = options.chunk ?? DEFAULT_CHUNK_OPTIONS;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const root = resolve(options.root);
  const progress: BuildProgress = { phase: 'scanning', files: 0, chunks: 0, reused: 0, embedded: 0, toEmbed: 0, elapsedMs: 0, embeddingsPerSecond: 0, secondsLeft: null };
  const report = (): void => {
    progress.elapsedMs = elapsed();
    options.onProgress?.({ ...progress });
  };

  const previous = await readIndex(options.dataDir, options.name);
  // Vectors from another model live in another space: none of them can be reused.
  const reusable = previous?.manifest.model === options.model ? vectorsByHash(previous) : new Map<string, Float32Array>();

  const walked = await walkFolder(root, { ...(options.maxFileBytes ? { maxFileBytes: options.maxFileBytes } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  const skipped = [...walked.skipped];
  const chunks: ChunkRecord[] = [];
  let fileCount = 0;
  for (const file of walked.files) {
    options.signal?.throwIfAborted();
    const read = await readTextFile(file.absolutePath);
    if ('skipped' in read) {
      skipped.push({ path: file.path, reason: read.skipped });
      continue;
    }
    fileCount++;
    chunks.push(...chunkText(file.path, read.text, chunkOptions));
    progress.files = fileCount;
    progress.chunks = chunks.length;
  }
  report();

  const missing = [...new Map(chunks.filter((chunk) => !reusable.has(chunk.sha256)).map((chunk) => [chunk.sha256, chunk.text]))];
  progress.phase = 'embedding';
  progress.toEmbed = missing.length;
  progress.reused = chunks.length - chunks.filter((chunk) => !reusable.has(chunk.sha256)).length;
  report();
  const fresh = new Map<string, Float32Array>();
  let dimensions = previous?.manifest.model === options.model ? previous.manifest.dimensions : 0;
  const embedStarted = elapsed();
  for (let start = 0; start < missing.length; start += batchSize) {
    const batch = missing.slice(start, start + batchSize);
    const result = await ollama.embed({ model: options.model, input: batch.map(([, text]) => text) }, options.signal).catch((error: unknown) => {
      throw explainEmbedFailure(error, options.model);
    });
    batch.forEach(([hash], index) => {
      const vector = normalizeVector(result.embeddings[index] ?? []);
      if (dimensions === 0) dimensions = vector.length;
      if (vector.length !== dimensions) {
        throw new RlmError(`The embedding model '${options.model}' returned ${vector.length} dimensions after ${dimensions}; rebuild the index.`, {
          status: 502,
          type: 'api_error',
          code: 'embedding_dimensions_changed',
        });
      }
      fresh.set(hash, vector);
    });
    progress.embedded = fresh.size;
    const seconds = (elapsed() - embedStarted) / 1000;
    progress.embeddingsPerSecond = seconds > 0 ? fresh.size / seconds : 0;
    progress.secondsLeft = progress.embeddingsPerSecond > 0 ? (missing.length - fresh.size) / progress.embeddingsPerSecond : null;
    report();
  }

  progress.phase = 'writing';
  report();
  const vectors = new Float32Array(chunks.length * dimensions);
  chunks.forEach((chunk, row) => vectors.set((fresh.get(chunk.sha256) ?? reusable.get(chunk.sha256)) as Float32Array, row * dimensions));
  const stamp = new Date(now()).toISOString();
  const manifest: IndexManifest = {
    version: 1,
    name: options.name,
    root,
    model: options.model,
    dimensions,
    chunkCount: chunks.length,
    fileCount,
    chunkLines: chunkOptions.chunkLines,
    overlapLines: chunkOptions.overlapLines,
    createdAt: previous?.manifest.createdAt ?? stamp,
    updatedAt: stamp,
  };
  options.signal?.throwIfAborted();
  await writeIndex(options.dataDir, { manifest, chunks, vectors });
  return { manifest, skipped, embedded: fresh.size, reused: progress.reused, durationMs: elapsed() };
}

function vectorsByHash(index: LoadedIndex): Map<string, Float32Array> {
  const { dimensions } = index.manifest;
  const byHash = new Map<string, Float32Array>();
  index.chunks.forEach((chunk, row) => byHash.set(chunk.sha256, index.vectors.subarray(row * dimensions, (row + 1) * dimensions)));
  return byHash;
}

/** A missing embedding model is the common first-run failure: say exactly what to run. */
export function explainEmbedFailure(error: unknown, model: string): unknown {
  if (error instanceof RlmError && error.status === 404) {
    return new RlmError(`The embedding model '${model}' is not installed in Ollama. Run \`ollama pull ${model}\`, or pick another with --model.`, {
      status: 404,
      type: 'not_found_error',
      code: 'model_not_found',
      cause: error,
    });
  }
  return error;
}

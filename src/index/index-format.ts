/**
 * The index's file format: names of the three files, the format version, and strict parsing of
 * manifest.json and chunks.jsonl (a reader refuses what it does not understand rather than guess).
 */
import type { ChunkRecord, IndexManifest } from '../types/retrieval.js';

export const FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const VECTORS_FILE = 'vectors.f32';
export const CHUNKS_FILE = 'chunks.jsonl';

/** Splits on newline bytes and decodes line by line, so a large file never becomes one string. */
export function parseChunks(bytes: Buffer, name: string): ChunkRecord[] {
  const chunks: ChunkRecord[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const lineNumber = chunks.length + 1;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8', start, end));
    } catch (error) {
      throw new Error(`Index "${name}": ${CHUNKS_FILE} line ${lineNumber} is not JSON.`, { cause: error });
    }
    if (!isChunkRecord(value)) throw new Error(`Index "${name}": ${CHUNKS_FILE} line ${lineNumber} is not a chunk record.`);
    chunks.push(value);
    start = end + 1;
  }
  return chunks;
}

export function parseManifest(text: string, name: string, directory: string): IndexManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`Index "${name}": ${MANIFEST_FILE} is not JSON.`, { cause: error });
  }
  if (typeof value !== 'object' || value === null) throw new Error(`Index "${name}": ${MANIFEST_FILE} is not an object.`);
  const record = value as Record<string, unknown>;
  // The version decides how everything else is read, so it is checked before any other field.
  if (record.version !== FORMAT_VERSION) {
    throw new Error(
      `Index "${name}" (${directory}) has format version ${JSON.stringify(record.version)}; this version of rlm reads ` +
        `version ${FORMAT_VERSION}. Rebuild the index.`,
    );
  }
  const strings = ['name', 'root', 'model', 'createdAt', 'updatedAt'] as const;
  const counts = ['dimensions', 'chunkCount', 'fileCount', 'chunkLines', 'overlapLines'] as const;
  const badField =
    strings.find((field) => typeof record[field] !== 'string') ??
    counts.find((field) => !Number.isSafeInteger(record[field]) || (record[field] as number) < 0);
  if (badField !== undefined) throw new Error(`Index "${name}": ${MANIFEST_FILE} has an invalid "${badField}".`);
  if (record.name !== name) throw new Error(`Index "${name}": ${MANIFEST_FILE} names a different index, "${String(record.name)}".`);
  if (record.dimensions === 0) throw new Error(`Index "${name}": ${MANIFEST_FILE} has 0 dimensions.`);
  return value as IndexManifest;
}

export function isChunkRecord(value: unknown): value is ChunkRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.path === 'string' &&
    Number.isSafeInteger(record.startLine) &&
    Number.isSafeInteger(record.endLine) &&
    typeof record.sha256 === 'string' &&
    typeof record.text === 'string'
  );
}

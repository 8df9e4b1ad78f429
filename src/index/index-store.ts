/**
 * The on-disk index: `<dataDir>/indexes/<name>/` holds `manifest.json`, `vectors.f32` (every row's
 * normalised vector, little-endian float32, row-major) and `chunks.jsonl` (one ChunkRecord per
 * line, in row order).
 *
 * A write never changes a live directory. It builds the three files in a fresh `.<name>.tmp-<hex>`
 * beside the target, fsyncs them, then swaps: the live directory is renamed to `.<name>.old`, the
 * new one is renamed into place, and `.old` is removed. POSIX cannot rename a directory over a
 * non-empty one, so there is a moment with no `<name>`; a reader that finds `<name>` missing reads
 * `.<name>.old`, which then holds the last complete index. The crash states are therefore:
 *   - during the build: `<name>` is the old index, the temp dir is ignored (the next write removes it);
 *   - between the renames: `<name>` is missing, `.old` is the old index (read instead);
 *   - after the second rename: `<name>` is the new index, a leftover `.old` is ignored and removed
 *     by the next write before it renames anything aside.
 * No valid name starts with ".", so these helper directories can never clash with an index.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ChunkRecord, IndexManifest, LoadedIndex } from '../types/retrieval.js';
import { errorCode, syncDirectory, writeAll } from '../utils/durable-file.js';
import { makePrivateDirectory, PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE } from '../utils/private-files.js';
import { checkIndexName, isIndexName } from './index-names.js';
import { CHUNKS_FILE, FORMAT_VERSION, MANIFEST_FILE, parseChunks, parseManifest, VECTORS_FILE } from './index-format.js';
import { allocateVectors, sealVectors } from './vector-memory.js';

const ASIDE_SUFFIX = '.old';
const TEMP_MARKER = '.tmp-';
const CHUNK_BATCH_CHARACTERS = 1 << 20;
/** A reader retries this often when a concurrent swap moves the directory under it. */
const READ_ATTEMPTS = 5;
const IS_LITTLE_ENDIAN = endianness() === 'LE';

/** Writes in flight in this process, per target directory: a second write of the same index waits for the first. */
const pendingWrites = new Map<string, Promise<void>>();

/** Where the index lives; a name that cannot be an index (say `../x`) is an InvalidIndexNameError, never a path. */
export function indexDirectory(dataDir: string, name: string): string {
  return join(dataDir, 'indexes', checkIndexName(name));
}

/** Replaces the index named by `index.manifest.name` atomically (see the file comment). */
export async function writeIndex(dataDir: string, index: LoadedIndex): Promise<void> {
  const { manifest, chunks, vectors } = index;
  const target = indexDirectory(dataDir, manifest.name);
  if (manifest.version !== FORMAT_VERSION) throw new Error(`Cannot write index format version ${String(manifest.version)}.`);
  if (!Number.isInteger(manifest.dimensions) || manifest.dimensions < 1) {
    throw new Error(`Index "${manifest.name}": dimensions must be a positive integer, got ${manifest.dimensions}.`);
  }
  if (chunks.length !== manifest.chunkCount) {
    throw new Error(`Index "${manifest.name}": the manifest says ${manifest.chunkCount} chunks but ${chunks.length} were given.`);
  }
  if (vectors.length !== manifest.chunkCount * manifest.dimensions) {
    throw new Error(
      `Index "${manifest.name}": ${vectors.length} vector values do not match ${manifest.chunkCount} chunks × ` +
        `${manifest.dimensions} dimensions.`,
    );
  }
  const task = (pendingWrites.get(target) ?? Promise.resolve()).then(() => buildAndSwap(target, index));
  const settled = task.catch(() => undefined);
  pendingWrites.set(target, settled);
  try {
    await task;
  } finally {
    if (pendingWrites.get(target) === settled) pendingWrites.delete(target);
  }
}

/** The index, or undefined if there is none by that name. */
export async function readIndex(dataDir: string, name: string): Promise<LoadedIndex | undefined> {
  const target = indexDirectory(dataDir, name);
  const aside = asideDirectory(target);
  let lastProblem = '';
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const directory = (await isDirectory(target)) ? target : (await isDirectory(aside)) ? aside : undefined;
    if (directory === undefined) return undefined;
    const opened = await openAll(directory);
    if (typeof opened === 'string') {
      lastProblem = opened;
      continue;
    }
    try {
      return await readOpened(opened, name, directory);
    } finally {
      await Promise.all([opened.manifest.close(), opened.vectors.close(), opened.chunks.close()]);
    }
  }
  throw new Error(`Index "${name}" could not be read: ${lastProblem} (${READ_ATTEMPTS} attempts).`);
}

/** Every index's manifest, sorted by name. Temp directories are skipped; an index caught mid-swap is listed from `.old`. */
export async function listIndexes(dataDir: string): Promise<IndexManifest[]> {
  const parent = join(dataDir, 'indexes');
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
  const names = new Set<string>();
  for (const entry of entries) {
    const name = entry.startsWith('.') && entry.endsWith(ASIDE_SUFFIX) ? entry.slice(1, -ASIDE_SUFFIX.length) : entry;
    if (isIndexName(name)) names.add(name);
  }
  const manifests: IndexManifest[] = [];
  for (const name of [...names].sort()) {
    const target = join(parent, name);
    // Target, then aside, then target again: a concurrent swap moves the index between the two.
    for (const directory of [target, asideDirectory(target), target]) {
      const manifest = await readManifestIfPresent(directory, name);
      if (manifest !== undefined) {
        manifests.push(manifest);
        break;
      }
    }
  }
  return manifests;
}

async function buildAndSwap(target: string, index: LoadedIndex): Promise<void> {
  const parent = dirname(target);
  const name = index.manifest.name;
  const created = await makePrivateDirectory(parent);
  if (created !== undefined) await syncDirectory(dirname(parent));
  const temp = join(parent, `.${name}${TEMP_MARKER}${randomBytes(8).toString('hex')}`);
  await mkdir(temp, { mode: PRIVATE_DIRECTORY_MODE });
  try {
    await writeDurably(join(temp, VECTORS_FILE), [vectorBytes(index.vectors)]);
    await writeDurably(join(temp, CHUNKS_FILE), chunkLines(index.chunks));
    await writeDurably(join(temp, MANIFEST_FILE), [Buffer.from(`${JSON.stringify(index.manifest, null, 2)}\n`, 'utf8')]);
    await syncDirectory(temp);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }

  const aside = asideDirectory(target);
  const hadTarget = await isDirectory(target);
  if (hadTarget) {
    // With the target present, an `.old` is a leftover from a crash after an earlier swap.
    await rm(aside, { recursive: true, force: true });
    await rename(target, aside);
  }
  // Without a target, an existing `.old` is the last complete index: it stays until the new one is in place.
  try {
    await rename(temp, target);
  } catch (error) {
    if (hadTarget) await rename(aside, target).catch(() => undefined); // best effort; readers fall back to `.old` anyway
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  await syncDirectory(parent);
  await rm(aside, { recursive: true, force: true });
  await removeLeftoverTemps(parent, name);
}

/** Temp directories of this name left by crashed writes; writes of one name are serialised in-process. */
async function removeLeftoverTemps(parent: string, name: string): Promise<void> {
  const prefix = `.${name}${TEMP_MARKER}`;
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(prefix) && /^[0-9a-f]+$/.test(entry.slice(prefix.length))) {
      await rm(join(parent, entry), { recursive: true, force: true });
    }
  }
}

function vectorBytes(vectors: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  // The file is little-endian everywhere; a big-endian machine writes a byte-swapped copy.
  return IS_LITTLE_ENDIAN ? bytes : Buffer.from(bytes).swap32();
}

/** Writes the parts in order and fsyncs, so the file is complete on disk before any rename exposes it. */
async function writeDurably(path: string, parts: Iterable<Uint8Array>): Promise<void> {
  const handle = await open(path, 'wx', PRIVATE_FILE_MODE);
  try {
    for (const part of parts) await writeAll(handle, part);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** chunks.jsonl in batches of about a megabyte, so no giant string is built for a large index. */
function* chunkLines(chunks: ChunkRecord[]): Generator<Uint8Array> {
  let batch = '';
  for (const { path, startLine, endLine, sha256, text } of chunks) {
    batch += `${JSON.stringify({ path, startLine, endLine, sha256, text })}\n`;
    if (batch.length >= CHUNK_BATCH_CHARACTERS) {
      yield Buffer.from(batch, 'utf8');
      batch = '';
    }
  }
  if (batch.length > 0) yield Buffer.from(batch, 'utf8');
}

interface IndexHandles {
  manifest: FileHandle;
  vectors: FileHandle;
  chunks: FileHandle;
}

/**
 * Opens the three files, or says why not. A concurrent swap can move the directory meanwhile (its
 * inode changes) or be removing `.old` (files vanish); the caller then looks again. Once open, the
 * handles keep reading the same files whatever is renamed afterwards, so all three come from one
 * generation of the index.
 */
async function openAll(directory: string): Promise<IndexHandles | string> {
  const before = (await statIfPresent(directory))?.ino;
  const opened = await Promise.allSettled([MANIFEST_FILE, VECTORS_FILE, CHUNKS_FILE].map((file) => open(join(directory, file), 'r')));
  const after = (await statIfPresent(directory))?.ino;
  const handles = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const [manifest, vectors, chunks] = handles;
  if (before !== undefined && before === after && manifest !== undefined && vectors !== undefined && chunks !== undefined) {
    return { manifest, vectors, chunks };
  }
  await Promise.all(handles.map((handle) => handle.close()));
  const failure = opened.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure !== undefined && errorCode(failure.reason) !== 'ENOENT') throw failure.reason;
  return before === after ? `${directory} is missing files` : `${directory} kept being replaced by a concurrent write`;
}

async function readOpened(handles: IndexHandles, name: string, directory: string): Promise<LoadedIndex> {
  const manifest = parseManifest(await handles.manifest.readFile('utf8'), name, directory);
  const valueCount = manifest.chunkCount * manifest.dimensions;
  const { size } = await handles.vectors.stat();
  if (size !== valueCount * 4) {
    throw new Error(
      `Index "${name}": ${VECTORS_FILE} has ${size} bytes but ${manifest.chunkCount} chunks × ${manifest.dimensions} ` +
        `dimensions need ${valueCount * 4}.`,
    );
  }
  // Reading straight into the search's own storage (WebAssembly memory where SIMD runs) gives an
  // aligned array that no query has to copy.
  const vectors = allocateVectors(manifest.chunkCount, manifest.dimensions);
  const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesRead } = await handles.vectors.read(bytes, offset, bytes.length - offset, offset);
    if (bytesRead === 0) throw new Error(`Index "${name}": ${VECTORS_FILE} ended early while being read.`);
    offset += bytesRead;
  }
  if (!IS_LITTLE_ENDIAN) Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).swap32();
  const chunks = parseChunks(await handles.chunks.readFile(), name);
  if (chunks.length !== manifest.chunkCount) {
    throw new Error(`Index "${name}": ${CHUNKS_FILE} has ${chunks.length} chunks but the manifest says ${manifest.chunkCount}.`);
  }
  // A loaded index never changes (a new one is loaded instead): its norms bound the kernel's error.
  sealVectors(vectors, manifest.dimensions);
  return { manifest, chunks, vectors };
}

async function readManifestIfPresent(directory: string, name: string): Promise<IndexManifest | undefined> {
  const text = await readFile(join(directory, MANIFEST_FILE), 'utf8').catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined;
    throw error;
  });
  return text === undefined ? undefined : parseManifest(text, name, directory);
}

function asideDirectory(target: string): string {
  return join(dirname(target), `.${basename(target)}${ASIDE_SUFFIX}`);
}

async function statIfPresent(path: string): Promise<Stats | undefined> {
  return stat(path).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  });
}

async function isDirectory(path: string): Promise<boolean> {
  return (await statIfPresent(path))?.isDirectory() ?? false;
}


/**
 * Where run files live and how they are read: `<dataDir>/runs/<YYYY-MM-DD>/<runId>.jsonl`, the day
 * taken from the run id. Missing files and directories read as nothing: retention may remove them
 * at any moment.
 */
import { open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { runIdDate } from '../service/run-id.js';
import type { RunHeader } from '../../types/attempt.js';
import { errorCode } from '../../utils/durable-file.js';

export const TRACE_SUFFIX = '.jsonl';
export const DAY_DIRECTORY = /^\d{4}-\d{2}-\d{2}$/;

/** The file of a run id, or undefined for anything that is not one (an id becomes a path only in this exact shape). */
export function runFilePath(runsDir: string, runId: string): string | undefined {
  const day = runIdDate(runId);
  return day === undefined ? undefined : join(runsDir, day, `${runId}${TRACE_SUFFIX}`);
}

/** Day directories, oldest first. */
export async function dayDirectories(runsDir: string): Promise<string[]> {
  return (await directoryNames(runsDir, 'directories')).filter((name) => DAY_DIRECTORY.test(name)).sort();
}

/** The run ids whose files are in one day directory (and belong there), in name order. */
export async function runIdsOfDay(runsDir: string, day: string): Promise<string[]> {
  return (await directoryNames(join(runsDir, day), 'files'))
    .filter((name) => name.endsWith(TRACE_SUFFIX))
    .map((name) => name.slice(0, -TRACE_SUFFIX.length))
    .filter((runId) => runIdDate(runId) === day)
    .sort();
}

/** Names in a directory, of one kind; a missing directory has none. */
export async function directoryNames(directory: string, kind: 'files' | 'directories'): Promise<string[]> {
  try {
    const entries = await readdir(directory, { withFileTypes: true });
    return entries.filter((entry) => (kind === 'files' ? entry.isFile() : entry.isDirectory())).map((entry) => entry.name);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

const CHUNK_BYTES = 16 * 1024;

/** A run file's header alone (its first line), to order runs without reading their attempts; undefined if unreadable. */
export async function readRunHeader(path: string): Promise<RunHeader | undefined> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const chunks: Buffer[] = [];
    for (;;) {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      const chunk = buffer.subarray(0, bytesRead);
      const newline = chunk.indexOf(0x0a);
      chunks.push(newline === -1 ? chunk : chunk.subarray(0, newline));
      if (newline !== -1 || bytesRead === 0) break;
    }
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    const header = value as Partial<RunHeader> | null;
    return typeof header === 'object' && header !== null && header.type === 'run' ? (header as RunHeader) : undefined;
  } catch (error) {
    if (error instanceof SyntaxError || isMissing(error)) return undefined; // a torn header, or removed meanwhile
    throw error;
  } finally {
    await handle?.close();
  }
}

export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Data files private to the user who runs rlm: traces hold every prompt and answer, indexes the text
 * of the files they cover, and `trace-key` is what makes a trace record's seal unforgeable (the
 * ledger and its lock beside it), so directories are created 0700 and files 0600, and what an
 * older version left readable to others (or a restored backup) is tightened at start.
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from './durable-file.js';

export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** `mkdir -p` whose every created level is private; returns the first directory created, as mkdir does. */
export async function makePrivateDirectory(path: string): Promise<string | undefined> {
  return mkdir(path, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
}

export interface TightenReport {
  /** Paths whose mode was narrowed, directories and files alike. */
  tightened: number;
  /** Paths that could not be narrowed (owned by someone else, read-only file system), with why. */
  failed: { path: string; error: string }[];
}

/**
 * Removes group and other permission bits below `root` (the root included), without following
 * symlinks. Iterative, so a deep tree cannot overflow the stack. A missing root is nothing to do.
 * POSIX modes mean nothing on Windows, where this does nothing.
 */
export async function tightenTree(root: string, platform: NodeJS.Platform = process.platform): Promise<TightenReport> {
  const report: TightenReport = { tightened: 0, failed: [] };
  if (platform === 'win32') return report;
  const pending = [root];
  while (pending.length > 0) {
    const path = pending.pop() as string;
    let info;
    try {
      info = await lstat(path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue;
      report.failed.push({ path, error: String((error as Error).message) });
      continue;
    }
    if (info.isSymbolicLink()) continue;
    const mode = info.mode & 0o777;
    const wanted = mode & (info.isDirectory() ? PRIVATE_DIRECTORY_MODE : PRIVATE_FILE_MODE | 0o100);
    if (wanted !== mode) {
      try {
        await chmod(path, wanted);
        report.tightened += 1;
      } catch (error) {
        // Removed meanwhile (retention pruning runs at start too): nothing left to protect.
        if (errorCode(error) !== 'ENOENT') report.failed.push({ path, error: String((error as Error).message) });
      }
    }
    if (info.isDirectory()) {
      try {
        for (const entry of await readdir(path)) pending.push(join(path, entry));
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') report.failed.push({ path, error: String((error as Error).message) });
      }
    }
  }
  return report;
}

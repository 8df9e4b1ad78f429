/**
 * Finds the files of a folder worth indexing: honours .gitignore files (the root one and nested
 * ones), never enters .git or node_modules, does not follow symlinks, and leaves out files that are
 * too large or binary. Reading a file's text (and rejecting invalid UTF-8) is readTextFile's job, so
 * each file is read in full once, by the caller that needs its text.
 */
import type { Dirent } from 'node:fs';
import { constants } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from '../utils/durable-file.js';
import { combineRules, parseGitignore, type IgnoreRules } from './gitignore.js';

export interface WalkOptions {
  /** Default 1 MiB. */
  maxFileBytes?: number;
  signal?: AbortSignal;
}

export interface WalkedFile {
  /** Relative to the walked folder, "/"-separated. */
  path: string;
  absolutePath: string;
  size: number;
}

export interface SkippedFile {
  path: string;
  reason: 'ignored' | 'binary' | 'too_large' | 'not_utf8' | 'unreadable';
}

export type TextFileResult = { text: string } | { skipped: 'binary' | 'not_utf8' | 'unreadable' };

/** Why a path cannot be walked: nothing there, something other than a folder, or a folder that cannot be listed (`code`: the errno name). */
export type FolderProblem = { problem: 'missing' } | { problem: 'not_a_folder'; isFile: boolean } | { problem: 'unreadable'; code: string };

export interface FolderCheckDeps {
  stat: (path: string) => Promise<{ isDirectory(): boolean; isFile(): boolean }>;
  readdir: (path: string) => Promise<unknown>;
}

const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** git's own heuristic (buffer_is_binary): a NUL byte within the first 8,000-odd bytes. */
const BINARY_SNIFF_BYTES = 8 * 1024;
/** Never indexed, whatever the .gitignore says: repository metadata and installed packages. */
const ALWAYS_SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(['.git', 'node_modules']);
/**
 * Files that are in nearly every repository and answer no question about it: git's own metadata
 * (a `.git` file is a submodule's or worktree's pointer) and generated dependency lock files, which
 * are large and would crowd real matches out of every search.
 */
const ALWAYS_SKIPPED_FILES: ReadonlySet<string> = new Set([
  '.git',
  '.gitignore',
  '.gitattributes',
  '.gitmodules',
  '.DS_Store',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'composer.lock',
  'Gemfile.lock',
  'go.sum',
]);
/** Files inspected at once within one directory: enough to overlap I/O, few enough to stay clear of EMFILE. */
const PARALLEL_INSPECTIONS = 16;
/** O_NOFOLLOW where the platform has it, so a file swapped for a symlink after readdir is not followed. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

interface WalkState {
  root: string;
  maxFileBytes: number;
  signal: AbortSignal | undefined;
  files: WalkedFile[];
  skipped: SkippedFile[];
}

export async function walkFolder(root: string, options: WalkOptions = {}): Promise<{ files: WalkedFile[]; skipped: SkippedFile[] }> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!(maxFileBytes >= 0)) throw new RangeError(`walkFolder: maxFileBytes must be a non-negative number, got ${maxFileBytes}.`);
  const state: WalkState = { root, maxFileBytes, signal: options.signal, files: [], skipped: [] };
  await walkDirectory(state, '', [], combineRules([]));
  // Plain code-unit order, not localeCompare: the same tree must give the same order on every machine.
  state.files.sort(byPath);
  state.skipped.sort(byPath);
  return { files: state.files, skipped: state.skipped };
}

/**
 * What is wrong with walking `root`, or undefined when it is a folder that can be listed: asked
 * before any other work, so a mistyped folder is reported as such rather than as a failed walk.
 */
export async function checkFolder(root: string, deps: FolderCheckDeps = { stat, readdir }): Promise<FolderProblem | undefined> {
  let stats;
  try {
    stats = await deps.stat(root);
  } catch (error) {
    const code = errorCode(error) ?? 'EIO';
    // ENOTDIR: a file stands where a parent folder should be ("notes.txt/sub").
    return code === 'ENOENT' || code === 'ENOTDIR' ? { problem: 'missing' } : { problem: 'unreadable', code };
  }
  if (!stats.isDirectory()) return { problem: 'not_a_folder', isFile: stats.isFile() };
  try {
    await deps.readdir(root);
  } catch (error) {
    return { problem: 'unreadable', code: errorCode(error) ?? 'EIO' };
  }
  return undefined;
}

export async function readTextFile(absolutePath: string): Promise<TextFileResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(absolutePath);
  } catch {
    return { skipped: 'unreadable' };
  }
  if (isBinary(bytes)) return { skipped: 'binary' };
  try {
    // ignoreBOM is false by default, which means the decoder removes a leading byte order mark.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { skipped: 'not_utf8' };
  }
}

async function walkDirectory(
  state: WalkState,
  directory: string,
  inheritedLayers: readonly IgnoreRules[],
  inheritedRules: IgnoreRules,
): Promise<void> {
  state.signal?.throwIfAborted();
  const absoluteDirectory = directory === '' ? state.root : join(state.root, directory);
  let entries: Dirent[];
  try {
    entries = await readdir(absoluteDirectory, { withFileTypes: true });
  } catch (error) {
    // The root itself must exist; a subfolder that cannot be listed is reported and passed over.
    if (directory === '') throw error;
    state.skipped.push({ path: directory, reason: 'unreadable' });
    return;
  }
  entries.sort((left, right) => compare(left.name, right.name));

  let layers = inheritedLayers;
  let rules = inheritedRules;
  const gitignore = entries.find((entry) => entry.name === '.gitignore' && entry.isFile());
  if (gitignore !== undefined) {
    const text = await readFile(join(absoluteDirectory, gitignore.name), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      // A nested .gitignore comes later, so its patterns override its parents' for the paths below it.
      layers = [...inheritedLayers, parseGitignore(text, directory)];
      rules = combineRules(layers);
    }
  }

  const candidates: { path: string; absolutePath: string }[] = [];
  const subdirectories: string[] = [];
  for (const entry of entries) {
    const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
    // Symlinks are not followed and not reported: they may point outside the folder or in a loop.
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      if (ALWAYS_SKIPPED_DIRECTORIES.has(entry.name) || rules.ignores(path, true)) {
        state.skipped.push({ path, reason: 'ignored' });
      } else {
        subdirectories.push(path);
      }
    } else if (entry.isFile()) {
      if (ALWAYS_SKIPPED_FILES.has(entry.name) || rules.ignores(path, false)) {
        state.skipped.push({ path, reason: 'ignored' });
      } else {
        candidates.push({ path, absolutePath: join(absoluteDirectory, entry.name) });
      }
    }
    // Sockets, FIFOs and devices are passed over: nothing to index, and reading a FIFO can block forever.
  }

  const inspected = await mapWithLimit(candidates, PARALLEL_INSPECTIONS, (candidate) =>
    inspectFile(candidate.path, candidate.absolutePath, state.maxFileBytes),
  );
  for (const result of inspected) {
    if ('reason' in result) state.skipped.push(result);
    else state.files.push(result);
  }
  for (const subdirectory of subdirectories) {
    await walkDirectory(state, subdirectory, layers, rules);
  }
}

/** Size limit and binary sniff, reading at most the first 8 KiB. */
async function inspectFile(path: string, absolutePath: string, maxFileBytes: number): Promise<WalkedFile | SkippedFile> {
  let handle;
  try {
    handle = await open(absolutePath, OPEN_FLAGS);
  } catch {
    return { path, reason: 'unreadable' };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { path, reason: 'unreadable' };
    if (stats.size > maxFileBytes) return { path, reason: 'too_large' };
    const head = Buffer.alloc(Math.min(BINARY_SNIFF_BYTES, stats.size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (isBinary(head.subarray(0, bytesRead))) return { path, reason: 'binary' };
    return { path, absolutePath, size: stats.size };
  } catch {
    return { path, reason: 'unreadable' };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** Like Promise.all over items.map(work), with at most `limit` pieces of work in flight; results keep item order. */
async function mapWithLimit<Item, Result>(items: readonly Item[], limit: number, work: (item: Item) => Promise<Result>): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as Item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function byPath(left: { path: string }, right: { path: string }): number {
  return compare(left.path, right.path);
}

function compare(left: string, right: string): number {
  if (left < right) return -1;
  return left > right ? 1 : 0;
}

/**
 * Finds the files of a folder worth indexing: honours .gitignore files (the root one and nested
 * ones), never enters .git or node_modules, does not follow symlinks (not even one swapped in
 * after the walk), and leaves out files that are too large or binary, and names that are not
 * UTF-8. Reading a file's text (and rejecting invalid UTF-8) is readTextFile's job, so each file
 * is read in full once, by the caller that needs its text.
 */
import type { Dirent } from 'node:fs';
import { constants } from 'node:fs';
import { lstat, open, readdir, stat, type FileHandle } from 'node:fs/promises';
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
  /** `name_not_utf8`: the name's bytes are not UTF-8, so it cannot be stored as text nor opened by its decoded name. */
  reason: 'ignored' | 'binary' | 'too_large' | 'not_utf8' | 'name_not_utf8' | 'unreadable';
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
/**
 * O_NOFOLLOW where the platform has it, so a file swapped for a symlink after readdir is not
 * followed; O_NONBLOCK, so a file swapped for a FIFO cannot block the open. Every read of a
 * walked file goes through it (see openRegularFile), the full read after the walk included.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
/** What readdir gives in place of bytes that are not UTF-8. */
const REPLACEMENT_CHARACTER = '\uFFFD';

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
  const bytes = await readRegularFile(absolutePath);
  if (bytes === undefined) return { skipped: 'unreadable' };
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
    const bytes = await readRegularFile(join(absoluteDirectory, gitignore.name));
    if (bytes !== undefined) {
      const text = bytes.toString('utf8');
      // A nested .gitignore comes later, so its patterns override its parents' for the paths below it.
      layers = [...inheritedLayers, parseGitignore(text, directory)];
      rules = combineRules(layers);
    }
  }

  const undecodable = await namesNotOnDisk(absoluteDirectory, entries);
  const candidates: { path: string; absolutePath: string }[] = [];
  const subdirectories: string[] = [];
  for (const entry of entries) {
    const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
    // Symlinks are not followed and not reported: they may point outside the folder or in a loop.
    if (entry.isSymbolicLink()) continue;
    if (undecodable.has(entry.name)) {
      state.skipped.push({ path, reason: 'name_not_utf8' });
      continue;
    }
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

/**
 * The entries whose name readdir could not decode: their bytes are not UTF-8, so the decoded name
 * (with U+FFFD in it) names nothing on disk. Only names holding U+FFFD are looked up.
 */
async function namesNotOnDisk(absoluteDirectory: string, entries: readonly Dirent[]): Promise<Set<string>> {
  const missing = new Set<string>();
  for (const entry of entries) {
    if (!entry.name.includes(REPLACEMENT_CHARACTER)) continue;
    const found = await lstat(join(absoluteDirectory, entry.name)).then(
      () => true,
      (error: unknown) => errorCode(error) !== 'ENOENT',
    );
    if (!found) missing.add(entry.name);
  }
  return missing;
}

/** The file's bytes, or undefined when it cannot be read or is no longer a regular file (a symlink, a FIFO, a folder). */
async function readRegularFile(absolutePath: string): Promise<Buffer | undefined> {
  const opened = await openRegularFile(absolutePath);
  if (opened === undefined) return undefined;
  const { handle } = opened;
  try {
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Opened without following a symlink or blocking on a FIFO, and only if it is a regular file. */
async function openRegularFile(absolutePath: string): Promise<{ handle: FileHandle; size: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(absolutePath, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  const stats = await handle.stat().catch(() => undefined);
  if (stats?.isFile() === true) return { handle, size: stats.size };
  await handle.close().catch(() => undefined);
  return undefined;
}

/** Size limit and binary sniff, reading at most the first 8 KiB. */
async function inspectFile(path: string, absolutePath: string, maxFileBytes: number): Promise<WalkedFile | SkippedFile> {
  const opened = await openRegularFile(absolutePath);
  if (opened === undefined) return { path, reason: 'unreadable' };
  const { handle, size } = opened;
  try {
    if (size > maxFileBytes) return { path, reason: 'too_large' };
    const head = Buffer.alloc(Math.min(BINARY_SNIFF_BYTES, size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (isBinary(head.subarray(0, bytesRead))) return { path, reason: 'binary' };
    return { path, absolutePath, size };
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

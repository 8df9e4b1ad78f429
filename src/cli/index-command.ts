/**
 * `rlm index <folder> [--name NAME] [--model MODEL] [--chunk-lines N] [--overlap N]`: builds or
 * refreshes a retrieval index. On a terminal, one progress line redrawn in place; in a pipe, plain
 * lines. Ctrl-C stops it and leaves the previous index as it was.
 */
import { basename, resolve } from 'node:path';
import { buildIndex, type BuildProgress } from '../index/build.js';
import { DEFAULT_CHUNK_OPTIONS } from '../index/chunker.js';
import { chooseEmbeddingModel } from '../index/embedding-model.js';
import { INDEX_NAME_RULE, isIndexName } from '../index/index-names.js';
import { checkFolder, type FolderProblem, type SkippedFile } from '../index/walker.js';
import type { CliIo } from './io.js';
import { openApp } from './open-app.js';
import { UsageError } from './usage-error.js';

export const INDEX_FLAGS: ReadonlySet<string> = new Set(['--name', '--model', '--chunk-lines', '--overlap']);

/** In a pipe, a progress line at most this often. */
const PLAIN_PROGRESS_MS = 2000;

export async function indexCommand(flags: Map<string, string>, folder: string | undefined, io: CliIo): Promise<number> {
  if (folder === undefined) throw new UsageError('rlm index needs a folder, e.g. rlm index ./docs [--name docs] [--model nomic-embed-text]');
  const root = resolve(folder);
  const name = flags.get('--name') ?? defaultIndexName(root);
  if (!isIndexName(name)) throw new UsageError(`--name ${JSON.stringify(name)} is not an index name: ${INDEX_NAME_RULE}`);
  const chunkLines = wholeNumber(flags, '--chunk-lines', DEFAULT_CHUNK_OPTIONS.chunkLines, 2);
  const overlapLines = wholeNumber(flags, '--overlap', DEFAULT_CHUNK_OPTIONS.overlapLines, 0);
  if (overlapLines >= chunkLines) throw new UsageError(`--overlap (${overlapLines}) must be smaller than --chunk-lines (${chunkLines})`);
  // Before Ollama is asked anything: a mistyped folder is the mistake to report.
  const problem = await checkFolder(root);
  if (problem !== undefined) throw new UsageError(folderProblemText(displayPath(root), problem));
  const app = await openApp(flags, io, INDEX_FLAGS);
  const controller = new AbortController();
  io.onSignal('SIGINT', () => controller.abort());
  const model = flags.get('--model') ?? chooseEmbeddingModel((await app.ollama.tags(controller.signal)).models);

  const interactive = io.interactive === true;
  let lastPlain = -Infinity;
  const onProgress = (progress: BuildProgress): void => {
    const line = progressLine(name, progress);
    if (interactive) io.stderr(`\r\u001b[2K${line}`);
    else if (progress.phase !== 'embedding' || progress.elapsedMs - lastPlain >= PLAIN_PROGRESS_MS || progress.embedded === progress.toEmbed) {
      lastPlain = progress.elapsedMs;
      io.stderr(`${line}\n`);
    }
  };
  try {
    const result = await buildIndex(app.ollama, {
      root,
      name,
      model,
      dataDir: app.config.dataDir,
      chunk: { ...DEFAULT_CHUNK_OPTIONS, chunkLines, overlapLines },
      signal: controller.signal,
      onProgress,
      now: app.now,
    });
    if (interactive) io.stderr('\n');
    const { manifest } = result;
    io.stdout(
      `index ${manifest.name}: ${manifest.fileCount} files, ${manifest.chunkCount} chunks (${result.embedded} embedded, ${result.reused} reused) ` +
        `with ${manifest.model} (${manifest.dimensions} dimensions) in ${(result.durationMs / 1000).toFixed(1)} s\n`,
    );
    if (result.skipped.length > 0) io.stdout(`${skippedLine(result.skipped)}\n`);
    io.stdout(`search it: rlm search "your question" --index ${manifest.name}\n`);
    return 0;
  } catch (error) {
    if (interactive) io.stderr('\n');
    if (controller.signal.aborted) {
      io.stderr(`rlm: indexing stopped; the previous index "${name}" (if any) is unchanged.\n`);
      return 130;
    }
    throw error;
  }
}

export function progressLine(name: string, progress: BuildProgress): string {
  const head = `indexing ${name}: ${progress.files} files, ${progress.chunks} chunks`;
  if (progress.phase === 'scanning') return `${head}, scanning…`;
  if (progress.phase === 'writing') return `${head}, writing…`;
  const rate = progress.embeddingsPerSecond > 0 ? `, ${progress.embeddingsPerSecond.toFixed(1)}/s` : '';
  const left = progress.secondsLeft === null ? '' : `, ${Math.ceil(progress.secondsLeft)} s left`;
  return `${head}, embedding ${progress.embedded}/${progress.toEmbed} (${progress.reused} reused${rate}${left})`;
}

function folderProblemText(path: string, problem: FolderProblem): string {
  switch (problem.problem) {
    case 'missing':
      return `there is no folder at ${path} to index`;
    case 'not_a_folder':
      return `${path} is ${problem.isFile ? 'a file, not a folder' : 'not a folder'}; rlm index needs the folder to index`;
    case 'unreadable':
      return `cannot read the folder ${path} (${problem.code === 'EACCES' || problem.code === 'EPERM' ? 'permission denied' : problem.code})`;
  }
}

/** Characters that would break a line, move the cursor, or not show at all. */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const UNSEEN_ALL = new RegExp(UNSEEN.source, 'gu');

/**
 * A path as one line of terminal text: as it is when plain; quoted as a JSON string, with every
 * unseen character as a \u escape, when it holds one or has a space at either end. A file name
 * can then neither break the summary's lines nor hide in them.
 */
export function displayPath(path: string): string {
  if (!UNSEEN.test(path) && !/^\s|\s$/u.test(path)) return path;
  return JSON.stringify(path).replace(UNSEEN_ALL, (character) =>
    Array.from({ length: character.length }, (_, unit) => `\\u${character.charCodeAt(unit).toString(16).padStart(4, '0')}`).join(''),
  );
}

/** The folder's own name, made a valid index name ("My Docs" -> "my-docs"). */
export function defaultIndexName(root: string): string {
  const name = basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return name === '' ? 'default' : name;
}

function wholeNumber(flags: Map<string, string>, flag: string, fallback: number, min: number): number {
  const text = flags.get(flag);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} must be a whole number of at least ${min}, got "${text}"`);
  return value;
}

/** Names shown per reason in the summary; the rest are counted. */
const SKIPPED_NAMES_SHOWN = 3;
/** Surprises first: a file left out for its size or contents is more likely to matter than one the .gitignore asked for. */
const SKIP_REASONS: Readonly<Record<SkippedFile['reason'], string>> = {
  too_large: 'too large',
  binary: 'binary',
  not_utf8: 'not UTF-8',
  name_not_utf8: 'named in bytes that are not UTF-8',
  unreadable: 'unreadable',
  ignored: 'ignored',
};

/** "skipped: 1 too large (big.log), 5 ignored (.git, .gitignore, dist and 2 more)": each reason with the first few paths. */
export function skippedLine(skipped: readonly SkippedFile[]): string {
  const parts = Object.entries(SKIP_REASONS).flatMap(([reason, label]) => {
    // Sorted here too: the build appends what it skipped on reading after what the walk skipped.
    const paths = skipped
      .filter((file) => file.reason === reason)
      .map((file) => file.path)
      .sort()
      .map(displayPath);
    if (paths.length === 0) return [];
    const shown = paths.length <= SKIPPED_NAMES_SHOWN ? paths.join(', ') : `${paths.slice(0, SKIPPED_NAMES_SHOWN).join(', ')} and ${paths.length - SKIPPED_NAMES_SHOWN} more`;
    return [`${paths.length} ${label} (${shown})`];
  });
  return `skipped: ${parts.join(', ')}`;
}

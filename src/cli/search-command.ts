/** `rlm search "query" [--index NAME] [-k 8] [--path-prefix PREFIX] [--json]`: the index's best chunks in the terminal. */
import { INDEX_NAME_RULE, IndexNotChosenError, IndexNotFoundError, isIndexName } from '../index/index-names.js';
import type { CliIo } from './io.js';
import { openApp } from './open-app.js';
import { UsageError } from './usage-error.js';

export const SEARCH_FLAGS: ReadonlySet<string> = new Set(['--index', '-k', '--path-prefix']);

/** Lines of each chunk shown in the terminal (--json has them whole). */
const PREVIEW_LINES = 6;

export async function searchCommand(flags: Map<string, string>, words: readonly string[], io: CliIo): Promise<number> {
  const query = words.join(' ').trim();
  if (query === '') throw new UsageError('rlm search needs a query, e.g. rlm search "where is the config read" [--index NAME] [-k 8]');
  const kText = flags.get('-k') ?? '8';
  const k = Number(kText);
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new UsageError(`-k must be a whole number from 1 to 100, got "${kText}"`);
  const index = flags.get('--index');
  if (index !== undefined && !isIndexName(index)) throw new UsageError(`--index ${JSON.stringify(index)} is not an index name: ${INDEX_NAME_RULE}`);
  const app = await openApp(flags, io, SEARCH_FLAGS);
  const pathPrefix = flags.get('--path-prefix');
  const result = await app.retrieval
    .search({ query, k, ...(index !== undefined ? { index } : {}), ...(pathPrefix ? { pathPrefix } : {}) })
    .catch((error: unknown) => {
      throw asUsageError(error);
    });
  if (flags.has('--json')) {
    io.stdout(`${JSON.stringify({ index: result.manifest.name, model: result.manifest.model, hits: result.hits })}\n`);
    return 0;
  }
  if (result.hits.length === 0) {
    io.stdout(`no chunks in index ${result.manifest.name}${pathPrefix ? ` under ${pathPrefix}` : ''}\n`);
    return 0;
  }
  for (const [position, hit] of result.hits.entries()) {
    io.stdout(`${position + 1}. ${hit.path}:${hit.startLine}-${hit.endLine}  score ${hit.score.toFixed(3)}\n`);
    const lines = hit.text.split('\n');
    for (const line of lines.slice(0, PREVIEW_LINES)) io.stdout(`   │ ${line}\n`);
    if (lines.length > PREVIEW_LINES) io.stdout(`   │ … ${lines.length - PREVIEW_LINES} more lines\n`);
  }
  return 0;
}

/** Naming the wrong index, or none among several, is a mistake in the command: said in its own terms, exit 2. */
function asUsageError(error: unknown): unknown {
  if (error instanceof IndexNotFoundError) return new UsageError(error.message);
  if (error instanceof IndexNotChosenError) {
    return new UsageError(`several indexes exist (${error.known.join(', ')}): name the one to search with --index NAME, e.g. --index ${error.known[0] ?? ''}`);
  }
  return error;
}

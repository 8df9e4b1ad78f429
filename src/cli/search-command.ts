/** `rlm search "query" [--index NAME] [-k 8] [--path-prefix PREFIX] [--json]`: the index's best chunks in the terminal. */
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
  const app = await openApp(flags, io, SEARCH_FLAGS);
  const index = flags.get('--index');
  const pathPrefix = flags.get('--path-prefix');
  const result = await app.retrieval.search({ query, k, ...(index ? { index } : {}), ...(pathPrefix ? { pathPrefix } : {}) });
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

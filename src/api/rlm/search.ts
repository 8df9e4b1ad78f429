/** POST /v1/rlm/search {"query", "index"?, "k"?, "path_prefix"?}: the local index's best chunks for a query. */
import type { RequestContext } from '../../server/context.js';
import { sendJson } from '../../server/error-response.js';
import { InvalidRequestError } from '../../utils/errors.js';
import { isRecord } from '../validate.js';

const MAX_K = 100;

export async function handleSearch(context: RequestContext): Promise<void> {
  const body = await context.readJson();
  if (!isRecord(body)) throw new InvalidRequestError('The body must be a JSON object: {"query": "...", "index": "...", "k": 8}.');
  const { query, index, k = 8, path_prefix: pathPrefix } = body;
  if (typeof query !== 'string' || query.trim() === '') throw new InvalidRequestError("'query' must be a non-empty string.", 'query');
  if (index !== undefined && index !== null && typeof index !== 'string') throw new InvalidRequestError("'index' must be the name of an index.", 'index');
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_K) throw new InvalidRequestError(`'k' must be a whole number from 1 to ${MAX_K}.`, 'k');
  if (pathPrefix !== undefined && pathPrefix !== null && typeof pathPrefix !== 'string') throw new InvalidRequestError("'path_prefix' must be a string.", 'path_prefix');
  Object.assign(context.logFields, { index, k });
  const result = await context.app.retrieval.search(
    { query, k, ...(typeof index === 'string' ? { index } : {}), ...(typeof pathPrefix === 'string' ? { pathPrefix } : {}) },
    context.signal,
  );
  sendJson(context.response, 200, {
    object: 'list',
    index: result.manifest.name,
    model: result.manifest.model,
    data: result.hits.map((hit) => ({ path: hit.path, start_line: hit.startLine, end_line: hit.endLine, score: hit.score, text: hit.text })),
  });
}

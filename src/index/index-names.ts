/**
 * Index names, and the client mistakes about them: a name that cannot be an index (400), a name no
 * index has (404), no name when several indexes exist (400). Each error carries the names that do
 * exist, so the HTTP answer can say "the `index` field" and the command line "--index NAME" from
 * the same data.
 */
import { InvalidRequestError, NotFoundError } from '../utils/errors.js';

/** Safe as one directory name on every platform, and never clashing with the store's `.`-prefixed helper directories. */
const INDEX_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const INDEX_NAME_RULE = 'use 1 to 64 characters from a-z, 0-9, ".", "_" and "-", starting with a letter or digit';

export function isIndexName(name: string): boolean {
  return INDEX_NAME.test(name);
}

/** 400 `invalid_index_name`: the name could never be an index. */
export class InvalidIndexNameError extends InvalidRequestError {
  readonly indexName: string;

  constructor(indexName: string) {
    super(`Invalid index name ${JSON.stringify(indexName)}: ${INDEX_NAME_RULE}.`, 'index', 'invalid_index_name');
    this.indexName = indexName;
  }
}

/** 404 `index_not_found`: no index has this name, or (`indexName` undefined) there is no index at all. */
export class IndexNotFoundError extends NotFoundError {
  readonly indexName: string | undefined;
  readonly known: readonly string[];

  constructor(indexName: string | undefined, known: readonly string[]) {
    const message =
      indexName === undefined
        ? 'There are no indexes yet. Build one with `rlm index <folder>`.'
        : `No index named '${indexName}'. ${known.length > 0 ? `Indexes: ${known.join(', ')}.` : 'There are no indexes yet.'} ` +
          `Build one with \`rlm index <folder> --name ${indexName}\`.`;
    super(message, 'index', 'index_not_found');
    this.indexName = indexName;
    this.known = Object.freeze([...known]);
  }
}

/** 400 `index_required`: several indexes exist and the request did not say which one to search. */
export class IndexNotChosenError extends InvalidRequestError {
  readonly known: readonly string[];

  constructor(known: readonly string[]) {
    super(`Several indexes exist (${known.join(', ')}): name the one to search in the 'index' field, e.g. "index": "${known[0] ?? ''}".`, 'index', 'index_required');
    this.known = Object.freeze([...known]);
  }
}

/** The name, if it can be one; otherwise InvalidIndexNameError. */
export function checkIndexName(name: string): string {
  if (!isIndexName(name)) throw new InvalidIndexNameError(name);
  return name;
}

/** POST /v1/rlm/search: which index a request means, and the client mistakes about it, in OpenAI's error shape. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/index/build.js';
import { createOllamaClient } from '../../src/llm/ollama-client.js';
import { postJson, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let folder: string;

const search = (body: unknown) => postJson(`${stack.url}/v1/rlm/search`, body);
const NAME_RULE = 'use 1 to 64 characters from a-z, 0-9, ".", "_" and "-", starting with a letter or digit.';

beforeAll(async () => {
  stack = await startStack();
  folder = await mkdtemp(join(tmpdir(), 'rlm-search-api-'));
  await writeFile(join(folder, 'notes.txt'), 'Ollama listens on port 11434 by default.\n');
});
afterAll(async () => {
  await stack.close();
  await rm(folder, { recursive: true, force: true });
});

async function buildNamed(name: string): Promise<void> {
  await buildIndex(createOllamaClient({ baseUrl: stack.simulator.url, timeoutMs: 5000 }), { root: folder, name, model: 'nomic-embed-text', dataDir: stack.dataDir });
}

describe('POST /v1/rlm/search, before any index exists', () => {
  it('is a 404 index_not_found saying how to build one', async () => {
    const response = await search({ query: 'port' });
    expect(response.status).toBe(404);
    expect(response.json()).toEqual({
      error: { message: 'There are no indexes yet. Build one with `rlm index <folder>`.', type: 'not_found_error', param: 'index', code: 'index_not_found' },
    });
  });
});

describe('POST /v1/rlm/search, with indexes', () => {
  beforeAll(async () => {
    await buildNamed('docs');
    await buildNamed('notes');
  });

  it('refuses a name that cannot be an index with a 400 saying what names may contain', async () => {
    for (const index of ['KB', '', '../../x', '.docs.old', 'a'.repeat(65), 'doc s', 'notes\n']) {
      const response = await search({ query: 'port', index });
      expect(response.status, JSON.stringify(index)).toBe(400);
      expect(response.json()).toEqual({
        error: { message: `Invalid index name ${JSON.stringify(index)}: ${NAME_RULE}`, type: 'invalid_request_error', param: 'index', code: 'invalid_index_name' },
      });
    }
  });

  it('answers a well-formed unknown name with a 404 listing the indexes that exist', async () => {
    const response = await search({ query: 'port', index: 'kb' });
    expect(response.status).toBe(404);
    expect(response.json()).toEqual({
      error: {
        message: "No index named 'kb'. Indexes: docs, notes. Build one with `rlm index <folder> --name kb`.",
        type: 'not_found_error',
        param: 'index',
        code: 'index_not_found',
      },
    });
  });

  it('asks for the index field, listing the indexes, when several exist and none is named', async () => {
    const response = await search({ query: 'port' });
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({
      error: {
        message: `Several indexes exist (docs, notes): name the one to search in the 'index' field, e.g. "index": "docs".`,
        type: 'invalid_request_error',
        param: 'index',
        code: 'index_required',
      },
    });
  });

  it('still searches the index it is given', async () => {
    const response = await search({ query: 'port', index: 'notes', k: 1 });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ index: 'notes', data: [{ path: 'notes.txt' }] });
  });
});

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/index/build.js';
import { readIndex } from '../../src/index/index-store.js';
import { createRetrieval } from '../../src/index/retrieval.js';
import { createOllamaClient, type OllamaClient } from '../../src/llm/ollama-client.js';
import { startSimulator, type Simulator } from '../simulator/index.js';

let simulator: Simulator;
let ollama: OllamaClient;
let directory: string;
let folder: string;
let dataDir: string;

beforeAll(async () => {
  simulator = await startSimulator();
  ollama = createOllamaClient({ baseUrl: simulator.url, timeoutMs: 5000 });
});
afterAll(async () => simulator.close());
beforeEach(async () => {
  simulator.reset();
  directory = await mkdtemp(join(tmpdir(), 'rlm-build-'));
  folder = join(directory, 'project');
  dataDir = join(directory, 'data');
  await mkdir(join(folder, 'docs'), { recursive: true });
  await writeFile(join(folder, 'docs', 'setup.md'), 'Install with npm install.\n\nStart the server with npm start.\n');
  await writeFile(join(folder, 'docs', 'retrieval.md'), 'The index stores normalised float32 vectors.\n');
  await writeFile(join(folder, 'notes.txt'), 'Ollama listens on port 11434 by default.\n');
  await writeFile(join(folder, '.gitignore'), 'secret.txt\n');
  await writeFile(join(folder, 'secret.txt'), 'do not index me\n');
});
afterEach(async () => rm(directory, { recursive: true, force: true }));

const build = (signal?: AbortSignal) =>
  buildIndex(ollama, { root: folder, name: 'project', model: 'nomic-embed-text', dataDir, chunk: { chunkLines: 4, overlapLines: 1 }, ...(signal ? { signal } : {}) });
const embeddedInputs = (): string[] =>
  simulator.requests.filter((request) => request.path === '/api/embed').flatMap((request) => (request.body as { input: string[] }).input);

describe('building an index', () => {
  it('indexes the text files the .gitignore does not exclude, with normalised vectors', async () => {
    const result = await build();
    expect(result.manifest).toMatchObject({ name: 'project', model: 'nomic-embed-text', dimensions: 768, fileCount: 3, chunkLines: 4, overlapLines: 1 });
    const index = (await readIndex(dataDir, 'project'))!;
    // The .gitignore is read for its rules, never indexed itself.
    expect(index.chunks.map((chunk) => chunk.path).sort()).toEqual(['docs/retrieval.md', 'docs/setup.md', 'notes.txt']);
    expect(index.chunks.some((chunk) => chunk.text.includes('do not index me'))).toBe(false);
    const row = index.vectors.subarray(0, 768);
    expect(Math.hypot(...row)).toBeCloseTo(1, 5);
  });

  it('a re-run embeds only chunks whose content is new, and drops chunks of deleted files', async () => {
    await build();
    const first = embeddedInputs().length;
    simulator.reset();
    const unchanged = await build();
    expect(embeddedInputs()).toEqual([]);
    expect(unchanged.embedded).toBe(0);
    expect(unchanged.reused).toBe(first);

    simulator.reset();
    await writeFile(join(folder, 'notes.txt'), 'Ollama listens on port 11434 unless OLLAMA_HOST says otherwise.\n');
    await rm(join(folder, 'docs', 'retrieval.md'));
    const changed = await build();
    expect(embeddedInputs()).toEqual(['Ollama listens on port 11434 unless OLLAMA_HOST says otherwise.']);
    expect(changed.embedded).toBe(1);
    const index = (await readIndex(dataDir, 'project'))!;
    expect(index.chunks.map((chunk) => chunk.path)).not.toContain('docs/retrieval.md');
    expect(index.manifest.fileCount).toBe(2);
  });

  it('an interrupted build leaves the old index readable and unchanged', async () => {
    await build();
    const before = await readFile(join(dataDir, 'indexes', 'project', 'chunks.jsonl'), 'utf8');
    await writeFile(join(folder, 'new.md'), Array.from({ length: 200 }, (_, line) => `line ${line}`).join('\n'));
    const slow = await startSimulator({ tokenLatencyMs: 0, firstTokenLatencyMs: 200 });
    try {
      const controller = new AbortController();
      const pending = buildIndex(createOllamaClient({ baseUrl: slow.url, timeoutMs: 5000 }), {
        root: folder,
        name: 'project',
        model: 'nomic-embed-text',
        dataDir,
        chunk: { chunkLines: 4, overlapLines: 1 },
        batchSize: 2,
        signal: controller.signal,
      });
      await slow.waitFor(() => slow.requests.some((request) => request.path === '/api/embed'));
      controller.abort();
      await expect(pending).rejects.toThrow();
    } finally {
      await slow.close();
    }
    expect(await readFile(join(dataDir, 'indexes', 'project', 'chunks.jsonl'), 'utf8')).toBe(before);
    expect((await readIndex(dataDir, 'project'))?.chunks.length).toBeGreaterThan(0);
  });

  it('a missing embedding model gets an error that names `ollama pull`', async () => {
    await expect(buildIndex(ollama, { root: folder, name: 'project', model: 'not-an-embedder', dataDir })).rejects.toThrow(/ollama pull not-an-embedder/);
  });
});

describe('searching an index', () => {
  it('finds the chunk that shares the query words, with path, lines and score; filters by path prefix', async () => {
    await build();
    const retrieval = createRetrieval({ dataDir, ollama });
    const { hits, kernel } = await retrieval.search({ query: 'which port does Ollama listen on', index: 'project', k: 2 });
    // The loaded index's vectors are in WebAssembly memory; the result says which kernel ran.
    expect(kernel).toEqual({ kernel: 'wasm-simd', reason: 'WebAssembly SIMD' });
    expect(hits[0]).toMatchObject({ path: 'notes.txt', startLine: 1, endLine: 1, text: 'Ollama listens on port 11434 by default.' });
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    const docsOnly = await retrieval.search({ query: 'which port does Ollama listen on', index: 'project', k: 5, pathPrefix: 'docs/' });
    expect(docsOnly.hits.every((hit) => hit.path.startsWith('docs/'))).toBe(true);
    await expect(retrieval.search({ query: 'x', index: 'nope', k: 1 })).rejects.toThrow(/No index named 'nope'.*project/);
  });
});

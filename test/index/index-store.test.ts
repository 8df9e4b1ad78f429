import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexDirectory, listIndexes, readIndex, writeIndex } from '../../src/index/index-store.js';
import { searchKernel } from '../../src/index/vector-memory.js';
import type { ChunkRecord, LoadedIndex } from '../../src/types/retrieval.js';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STORE_MODULE = join(PROJECT_ROOT, 'src', 'index', 'index-store.ts');

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rlm-index-store-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * An index whose every part carries its generation: vectors hold `generation + row/1000 + …`, chunk
 * texts and the model name say it, so a mix of two generations is detectable.
 */
function makeIndex(name: string, generation: number, rows = 5, dimensions = 3): LoadedIndex {
  const chunks: ChunkRecord[] = Array.from({ length: rows }, (_, row) => ({
    path: `src/file-${row % 2}.ts`,
    startLine: row * 10 + 1,
    endLine: row * 10 + 12,
    sha256: `${generation}-${row}`.padEnd(64, '0'),
    text: `generation ${generation} row ${row}\n  "quoted" é 漢字 \u2028 tab\t`,
  }));
  const vectors = new Float32Array(rows * dimensions);
  for (let value = 0; value < vectors.length; value++) vectors[value] = generation + value / 1000 + 1e-7 * (value % 7);
  return {
    manifest: {
      version: 1,
      name,
      root: '/home/user/project',
      model: `embed-gen-${generation}`,
      dimensions,
      chunkCount: rows,
      fileCount: 2,
      chunkLines: 40,
      overlapLines: 8,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: `2025-01-0${(generation % 9) + 1}T00:00:00.000Z`,
    },
    chunks,
    vectors,
  };
}

function bytesOf(vectors: Float32Array): Buffer {
  return Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength);
}

/** The index read back is exactly `expected`, every float bit for bit. */
function expectSameIndex(actual: LoadedIndex | undefined, expected: LoadedIndex): void {
  expect(actual).toBeDefined();
  expect(actual!.manifest).toEqual(expected.manifest);
  expect(actual!.chunks).toEqual(expected.chunks);
  expect(actual!.vectors).toBeInstanceOf(Float32Array);
  expect(bytesOf(actual!.vectors).equals(bytesOf(expected.vectors))).toBe(true);
}

const indexesDir = () => join(dataDir, 'indexes');

describe('index names', () => {
  it('accepts lowercase names with digits, dots, dashes and underscores', () => {
    expect(indexDirectory('/data', 'my-repo_2.x')).toBe(join('/data', 'indexes', 'my-repo_2.x'));
    expect(indexDirectory('/data', 'a'.repeat(64))).toBe(join('/data', 'indexes', 'a'.repeat(64)));
  });

  it.each(['', 'Upper', '.hidden', '-dash', 'a/b', '../escape', 'a b', 'a'.repeat(65), 'é'])('rejects %j everywhere', async (name) => {
    expect(() => indexDirectory(dataDir, name)).toThrow(/Invalid index name/);
    await expect(readIndex(dataDir, name)).rejects.toThrow(/Invalid index name/);
    const index = makeIndex('valid', 1);
    await expect(writeIndex(dataDir, { ...index, manifest: { ...index.manifest, name } })).rejects.toThrow(/Invalid index name/);
  });
});

describe('writeIndex and readIndex', () => {
  it('round-trips manifest, chunks and vectors bit for bit', async () => {
    const index = makeIndex('repo', 1, 50, 17);
    index.vectors[3] = -0;
    index.vectors[4] = Number.MIN_VALUE;
    index.vectors[5] = 3.4028234663852886e38;
    await writeIndex(dataDir, index);
    expectSameIndex(await readIndex(dataDir, 'repo'), index);
  });

  it('reads the vectors into the search\'s WebAssembly memory, so no query copies them', async () => {
    const index = makeIndex('repo', 5, 30, 16);
    await writeIndex(dataDir, index);
    const loaded = await readIndex(dataDir, 'repo');
    expectSameIndex(loaded, index);
    expect(searchKernel(loaded!.vectors, 16).kernel).toBe('wasm-simd');
  });

  it('writes the documented layout: little-endian float32 rows and one JSON chunk per line', async () => {
    const index = makeIndex('repo', 2, 4, 3);
    await writeIndex(dataDir, index);
    const directory = indexDirectory(dataDir, 'repo');
    expect((await readdir(directory)).sort()).toEqual(['chunks.jsonl', 'manifest.json', 'vectors.f32']);
    const vectorFile = await readFile(join(directory, 'vectors.f32'));
    expect(vectorFile.length).toBe(4 * 3 * 4);
    expect(vectorFile.readFloatLE(4 * 5)).toBe(index.vectors[5]);
    const lines = (await readFile(join(directory, 'chunks.jsonl'), 'utf8')).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(JSON.parse(lines[1]!)).toEqual(index.chunks[1]);
    expect(JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8'))).toEqual(index.manifest);
  });

  it('reads a view of a larger buffer and an empty index', async () => {
    const index = makeIndex('repo', 3, 2, 2);
    const backing = new Float32Array(10);
    backing.set(index.vectors, 3);
    await writeIndex(dataDir, { ...index, vectors: backing.subarray(3, 7) });
    expectSameIndex(await readIndex(dataDir, 'repo'), index);
    const empty = makeIndex('empty', 1, 0, 8);
    await writeIndex(dataDir, empty);
    expectSameIndex(await readIndex(dataDir, 'empty'), empty);
  });

  it('replaces an existing index and leaves nothing else behind', async () => {
    await writeIndex(dataDir, makeIndex('repo', 1));
    const second = makeIndex('repo', 2, 9, 4);
    await writeIndex(dataDir, second);
    expectSameIndex(await readIndex(dataDir, 'repo'), second);
    expect(await readdir(indexesDir())).toEqual(['repo']);
  });

  it('serialises concurrent writes of one index: the last one wins', async () => {
    const writes = [1, 2, 3, 4].map((generation) => writeIndex(dataDir, makeIndex('repo', generation, 20, 8)));
    await Promise.all(writes);
    expectSameIndex(await readIndex(dataDir, 'repo'), makeIndex('repo', 4, 20, 8));
    expect(await readdir(indexesDir())).toEqual(['repo']);
  });

  it('returns undefined for an absent index, with or without an indexes directory', async () => {
    expect(await readIndex(dataDir, 'nothing')).toBeUndefined();
    await writeIndex(dataDir, makeIndex('other', 1));
    expect(await readIndex(dataDir, 'nothing')).toBeUndefined();
  });

  it('refuses an index whose parts disagree before writing anything', async () => {
    const index = makeIndex('repo', 1, 4, 3);
    await expect(writeIndex(dataDir, { ...index, chunks: index.chunks.slice(1) })).rejects.toThrow(/says 4 chunks but 3/);
    await expect(writeIndex(dataDir, { ...index, vectors: index.vectors.subarray(1) })).rejects.toThrow(/11 vector values/);
    await expect(writeIndex(dataDir, { ...index, manifest: { ...index.manifest, dimensions: 0 } })).rejects.toThrow(/dimensions/);
    const future = { ...index.manifest, version: 2 } as unknown as LoadedIndex['manifest'];
    await expect(writeIndex(dataDir, { ...index, manifest: future })).rejects.toThrow(/version 2/);
    expect(await listIndexes(dataDir)).toEqual([]);
  });
});

describe('readIndex refuses what it cannot trust', () => {
  /** Writes a good index, damages it, and says how reading it failed. */
  async function readAfterEdit(edit: (directory: string) => Promise<void>): Promise<string> {
    await writeIndex(dataDir, makeIndex('repo', 1, 4, 3));
    await edit(indexDirectory(dataDir, 'repo'));
    return readIndex(dataDir, 'repo').then(
      () => 'read without error',
      (error: unknown) => String(error),
    );
  }
  const editManifest = (change: Record<string, unknown>) => async (directory: string) => {
    const manifest = JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(directory, 'manifest.json'), JSON.stringify({ ...manifest, ...change }));
  };

  it('an unknown format version', async () => {
    expect(await readAfterEdit(editManifest({ version: 2 }))).toMatch(/format version 2; this version of rlm reads version 1/);
  });

  it('a vectors file whose size does not match the counts', async () => {
    expect(await readAfterEdit((directory) => truncate(join(directory, 'vectors.f32'), 40))).toMatch(/40 bytes .* need 48/);
  });

  it('a chunks file with more or fewer lines than chunkCount', async () => {
    expect(await readAfterEdit(editManifest({ chunkCount: 3, dimensions: 4 }))).toMatch(/4 chunks but the manifest says 3/);
  });

  it('a broken manifest or chunk line, a manifest naming another index, a missing file', async () => {
    expect(await readAfterEdit((directory) => writeFile(join(directory, 'manifest.json'), '{"version":1,'))).toMatch(/not JSON/);
    expect(await readAfterEdit(editManifest({ dimensions: 'three' }))).toMatch(/invalid "dimensions"/);
    expect(await readAfterEdit(editManifest({ name: 'other' }))).toMatch(/different index/);
    expect(await readAfterEdit((directory) => writeFile(join(directory, 'chunks.jsonl'), '{"path":1}\n'))).toMatch(/line 1 is not a chunk/);
    expect(await readAfterEdit((directory) => rm(join(directory, 'chunks.jsonl')))).toMatch(/missing files/);
  });
});

describe('interrupted writes', () => {
  /** A complete temp directory as the write builds it, optionally cut short. */
  async function makeTempDirectory(index: LoadedIndex, state: 'complete' | 'partial'): Promise<string> {
    const temp = join(indexesDir(), `.${index.manifest.name}.tmp-0123456789abcdef`);
    await mkdir(temp, { recursive: true });
    await writeFile(join(temp, 'vectors.f32'), bytesOf(index.vectors).subarray(0, state === 'partial' ? 5 : undefined));
    if (state === 'complete') {
      await writeFile(join(temp, 'chunks.jsonl'), index.chunks.map((chunk) => `${JSON.stringify(chunk)}\n`).join(''));
      await writeFile(join(temp, 'manifest.json'), JSON.stringify(index.manifest));
    }
    return temp;
  }

  it('a crash while building: the old index is read, the partial temp directory ignored, then removed by the next write', async () => {
    const old = makeIndex('repo', 1);
    await writeIndex(dataDir, old);
    await makeTempDirectory(makeIndex('repo', 2), 'partial');
    expectSameIndex(await readIndex(dataDir, 'repo'), old);
    expect(await listIndexes(dataDir)).toEqual([old.manifest]);
    const next = makeIndex('repo', 3);
    await writeIndex(dataDir, next);
    expectSameIndex(await readIndex(dataDir, 'repo'), next);
    expect(await readdir(indexesDir())).toEqual(['repo']);
  });

  it('a crash while building the first version: there is no index yet', async () => {
    await makeTempDirectory(makeIndex('repo', 1), 'partial');
    expect(await readIndex(dataDir, 'repo')).toBeUndefined();
    expect(await listIndexes(dataDir)).toEqual([]);
  });

  it('a crash between the two renames: the old index is read from `.old` until the next write completes', async () => {
    const old = makeIndex('repo', 1);
    await writeIndex(dataDir, old);
    await makeTempDirectory(makeIndex('repo', 2), 'complete');
    await rename(indexDirectory(dataDir, 'repo'), join(indexesDir(), '.repo.old'));
    expectSameIndex(await readIndex(dataDir, 'repo'), old);
    expect(await listIndexes(dataDir)).toEqual([old.manifest]);
    const next = makeIndex('repo', 3);
    await writeIndex(dataDir, next);
    expectSameIndex(await readIndex(dataDir, 'repo'), next);
    expect(await readdir(indexesDir())).toEqual(['repo']);
  });

  it('a crash after the swap, before `.old` was removed: the new index is read and the leftover cleared next time', async () => {
    const current = makeIndex('repo', 2);
    await writeIndex(dataDir, current);
    // The stale `.old` as its removal left it: some files gone, the rest still there.
    await mkdir(join(indexesDir(), '.repo.old'));
    await writeFile(join(indexesDir(), '.repo.old', 'vectors.f32'), bytesOf(makeIndex('repo', 1).vectors));
    expectSameIndex(await readIndex(dataDir, 'repo'), current);
    const next = makeIndex('repo', 3);
    await writeIndex(dataDir, next);
    expectSameIndex(await readIndex(dataDir, 'repo'), next);
    expect(await readdir(indexesDir())).toEqual(['repo']);
  });

  it('a reader running beside a writer only ever sees a complete generation', async () => {
    await writeIndex(dataDir, makeIndex('repo', 0, 400, 64));
    let writing = true;
    const writer = (async () => {
      for (let generation = 1; generation <= 8; generation++) await writeIndex(dataDir, makeIndex('repo', generation, 400, 64));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const index = await readIndex(dataDir, 'repo');
      const generation = Number(index!.manifest.model.slice('embed-gen-'.length));
      expectSameIndex(index, makeIndex('repo', generation, 400, 64));
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  it('a writer process killed at random moments always leaves one complete generation', async () => {
    // The child writes generation after generation of one index; each part says its generation,
    // so an index mixing two generations (or cut short) cannot pass the checks below.
    const rows = 3000;
    const dimensions = 64;
    const script = join(dataDir, 'writer.mts');
    await writeFile(
      script,
      `import { writeIndex } from ${JSON.stringify(STORE_MODULE)};
const dataDir = process.argv[2];
for (let generation = 1; ; generation++) {
  const vectors = new Float32Array(${rows * dimensions}).map((_, value) => generation + value / ${rows * dimensions});
  const chunks = Array.from({ length: ${rows} }, (_, row) => ({ path: 'f.ts', startLine: row + 1, endLine: row + 1, sha256: String(row), text: 'generation ' + generation }));
  const manifest = { version: 1, name: 'repo', root: '/', model: 'gen-' + generation, dimensions: ${dimensions}, chunkCount: ${rows},
    fileCount: 1, chunkLines: 1, overlapLines: 0, createdAt: '', updatedAt: '' };
  await writeIndex(dataDir, { manifest, chunks, vectors });
  if (generation === 1) process.stdout.write('ready\\n');
}
`,
    );
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the writer exited early with code ${code}`)));
      });
      // Spread the kills over several write cycles so they land in different steps of the swap.
      await new Promise((resolve) => setTimeout(resolve, 15 + round * 41));
      child.kill('SIGKILL');
      await exited;

      const index = await readIndex(dataDir, 'repo');
      expect(index).toBeDefined();
      const { manifest, chunks, vectors } = index!;
      const generation = Number(manifest.model.slice('gen-'.length));
      expect(generation).toBeGreaterThanOrEqual(1);
      expect(chunks).toHaveLength(rows);
      expect(chunks.every((chunk) => chunk.text === `generation ${generation}`)).toBe(true);
      expect(vectors).toHaveLength(rows * dimensions);
      expect(vectors.every((value, position) => value === Math.fround(generation + position / (rows * dimensions)))).toBe(true);
      expect((await listIndexes(dataDir)).map((listed) => listed.model)).toEqual([manifest.model]);
    }
  });
});

describe('listIndexes', () => {
  it('lists the manifests sorted by name, skipping temp directories and strays', async () => {
    expect(await listIndexes(dataDir)).toEqual([]);
    for (const name of ['zeta', 'alpha', 'm.2']) await writeIndex(dataDir, makeIndex(name, 1));
    await mkdir(join(indexesDir(), '.beta.tmp-00ff'));
    await writeFile(join(indexesDir(), '.beta.tmp-00ff', 'manifest.json'), JSON.stringify(makeIndex('beta', 1).manifest));
    await mkdir(join(indexesDir(), 'NotAnIndex'));
    await writeFile(join(indexesDir(), 'stray-file'), '');
    expect((await listIndexes(dataDir)).map((manifest) => manifest.name)).toEqual(['alpha', 'm.2', 'zeta']);
  });
});

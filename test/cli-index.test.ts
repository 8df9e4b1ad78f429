/** `rlm index` and `rlm search` as a user runs them, against an in-process simulator. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './simulator/index.js';
import { displayPath, skippedLine } from '../src/cli/index-command.js';
import { finished, spawnRlm, type Outcome } from './support/cli.js';

let simulator: Simulator;
let directory: string;
let folder: string;

beforeAll(async () => {
  simulator = await startSimulator();
  directory = await mkdtemp(join(tmpdir(), 'rlm-cli-index-'));
  folder = join(directory, 'My Project');
  await mkdir(join(folder, 'docs'), { recursive: true });
  await writeFile(join(folder, 'notes.txt'), 'Ollama listens on port 11434 by default.\n');
  await writeFile(join(folder, 'docs', 'setup.md'), 'Install with npm install.\n\nStart the server with npm start.\n');
  await writeFile(join(folder, 'image.bin'), Buffer.from([0, 1, 2, 3]));
  await writeFile(join(folder, 'docs', 'dump.log'), 'x'.repeat(1024 * 1024 + 1));
});
afterAll(async () => {
  await simulator.close();
  await rm(directory, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string> = {}): Promise<Outcome> =>
  finished(spawnRlm(args, directory, { HOME: directory, RLM_DATA_DIR: join(directory, 'data'), OLLAMA_HOST: simulator.url, ...env }));

describe('rlm index and rlm search', () => {
  it('indexes a folder with the installed embedding model, then re-runs embedding nothing', async () => {
    const first = await run(['index', folder]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('index my-project: 2 files, 2 chunks (2 embedded, 0 reused) with nomic-embed-text:latest (768 dimensions)');
    // Each skipped file is named, so a missing one can be found.
    expect(first.stdout).toContain('\nskipped: 1 too large (docs/dump.log), 1 binary (image.bin)\n');
    expect(first.stderr).toContain('indexing my-project: 2 files, 2 chunks');

    const again = await run(['index', folder]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('(0 embedded, 2 reused)');
  });

  it('searches the index and prints path, lines, score and the chunk', async () => {
    const found = await run(['search', 'which port does Ollama listen on', '-k', '1']);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/^1\. notes\.txt:1-1 {2}score 0\.\d{3}\n {3}│ Ollama listens on port 11434 by default\.\n$/);
    const json = await run(['search', 'npm start', '--index', 'my-project', '-k', '2', '--json']);
    expect((JSON.parse(json.stdout) as { hits: { path: string }[] }).hits.map((hit) => hit.path)).toContain('docs/setup.md');
  });

  it('names `ollama pull` when the embedding model is missing, and says which indexes exist', async () => {
    const missing = await run(['index', folder, '--name', 'other', '--model', 'no-such-embedder']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ollama pull no-such-embedder');
    // Naming an index that does not exist is a usage error: one line, exit 2.
    const unknown = await run(['search', 'port', '--index', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("rlm: No index named 'nope'. Indexes: my-project. Build one with `rlm index <folder> --name nope`.\n");
  });
});

describe('the summary of skipped files', () => {
  it('names each skipped file, the surprising reasons first', () => {
    expect(
      skippedLine([
        { path: 'b.bin', reason: 'binary' },
        { path: '.gitignore', reason: 'ignored' },
        { path: 'big.log', reason: 'too_large' },
        { path: 'a.bin', reason: 'binary' },
      ]),
    ).toBe('skipped: 1 too large (big.log), 2 binary (a.bin, b.bin), 1 ignored (.gitignore)');
    expect(skippedLine([{ path: 'bad-\uFFFD.txt', reason: 'name_not_utf8' }, { path: 'latin1.txt', reason: 'not_utf8' }])).toBe(
      'skipped: 1 not UTF-8 (latin1.txt), 1 named in bytes that are not UTF-8 (bad-\uFFFD.txt)',
    );
  });

  it('names the first few of many and counts the rest', () => {
    const many = Array.from({ length: 40 }, (_, index) => ({ path: `dist/${String(index).padStart(2, '0')}.js`, reason: 'ignored' as const }));
    expect(skippedLine(many)).toBe('skipped: 40 ignored (dist/00.js, dist/01.js, dist/02.js and 37 more)');
  });

  it('quotes and escapes a name that would break the line or hide in it', () => {
    expect(skippedLine([{ path: 'two\nlines.bin', reason: 'binary' }])).toBe('skipped: 1 binary ("two\\nlines.bin")');
    expect(displayPath('plain/é/名前.md')).toBe('plain/é/名前.md');
    expect(displayPath('esc\u001b[2Jape')).toBe('"esc\\u001b[2Jape"');
    expect(displayPath('csi\u009bzero\u200bwidth\u2028line')).toBe('"csi\\u009bzero\\u200bwidth\\u2028line"');
    expect(displayPath(' leading space')).toBe('" leading space"');
    expect(displayPath('tag\u{E0041}')).toBe('"tag\\udb40\\udc41"');
  });
});

/**
 * `rlm index` and `rlm search` used wrongly: a folder that is not one, an index name that cannot be
 * one or that no index has. Each is one line on stderr and exit 2, never a stack trace. Run in
 * process (runCli with a captured io), against the simulator.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../src/index/build.js';
import { runCli } from '../src/cli/run.js';
import { createOllamaClient } from '../src/llm/ollama-client.js';
import { startSimulator, type Simulator } from './simulator/index.js';

let simulator: Simulator;
let directory: string;
let folder: string;
let dataDir: string;

beforeAll(async () => {
  simulator = await startSimulator();
  directory = await mkdtemp(join(tmpdir(), 'rlm-cli-index-errors-'));
  folder = join(directory, 'project');
  dataDir = join(directory, 'data');
  await mkdir(folder);
  await writeFile(join(folder, 'notes.txt'), 'Ollama listens on port 11434 by default.\n');
});
afterAll(async () => {
  await simulator.close();
  await rm(directory, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[]): Promise<Outcome> {
  const outcome = { code: 0, stdout: '', stderr: '' };
  outcome.code = await runCli(args, {
    stdout: (text) => (outcome.stdout += text),
    stderr: (text) => (outcome.stderr += text),
    env: { HOME: directory, RLM_DATA_DIR: dataDir, OLLAMA_HOST: simulator.url },
    onSignal: () => undefined,
  });
  return outcome;
}

/** Exit 2 and exactly `rlm: <message>` on one line. */
function expectUsageLine(outcome: Outcome, message: string): void {
  expect(outcome).toEqual({ code: 2, stdout: '', stderr: `rlm: ${message}\n` });
}

async function buildNamed(name: string): Promise<void> {
  await buildIndex(createOllamaClient({ baseUrl: simulator.url, timeoutMs: 5000 }), { root: folder, name, model: 'nomic-embed-text', dataDir });
}

const NAME_RULE = 'use 1 to 64 characters from a-z, 0-9, ".", "_" and "-", starting with a letter or digit';

describe('index names on the command line', () => {
  it('rlm search --index refuses a name that cannot be an index, saying what names may contain', async () => {
    for (const name of ['KB', '', '../../x']) {
      expectUsageLine(await run(['search', 'port', '--index', name]), `--index ${JSON.stringify(name)} is not an index name: ${NAME_RULE}`);
    }
  });

  it('rlm index --name refuses the same names before reading anything', async () => {
    for (const name of ['KB', '', '../../x']) {
      expectUsageLine(await run(['index', folder, '--name', name]), `--name ${JSON.stringify(name)} is not an index name: ${NAME_RULE}`);
    }
  });

  it('rlm search with no index at all says how to build one', async () => {
    expectUsageLine(await run(['search', 'port']), 'There are no indexes yet. Build one with `rlm index <folder>`.');
  });

  it('rlm search --index with a well-formed unknown name lists the indexes that exist', async () => {
    await buildNamed('docs');
    expectUsageLine(await run(['search', 'port', '--index', 'kb']), "No index named 'kb'. Indexes: docs. Build one with `rlm index <folder> --name kb`.");
  });

  it('rlm search among several indexes names the --index flag and the indexes', async () => {
    await buildNamed('notes');
    expectUsageLine(await run(['search', 'port']), 'several indexes exist (docs, notes): name the one to search with --index NAME, e.g. --index docs');
    const found = await run(['search', 'port', '--index', 'notes', '-k', '1']);
    expect(found.code).toBe(0);
    expect(found.stdout).toContain('1. notes.txt:1-1');
  });
});

describe('rlm index FOLDER that is not a readable folder', () => {
  it('a folder that does not exist', async () => {
    const missing = join(directory, 'missing');
    expectUsageLine(await run(['index', missing]), `there is no folder at ${missing} to index`);
    expectUsageLine(await run(['index', join(folder, 'notes.txt', 'below-a-file')]), `there is no folder at ${join(folder, 'notes.txt', 'below-a-file')} to index`);
  });

  it('a file instead of a folder', async () => {
    const file = join(folder, 'notes.txt');
    expectUsageLine(await run(['index', file]), `${file} is a file, not a folder; rlm index needs the folder to index`);
  });

  it('a path that would break the line is shown quoted and escaped', async () => {
    // A newline, the C1 control that starts a terminal escape sequence, and a zero-width space.
    const odd = join(directory, 'no\nsuch\u009b\u200b');
    expectUsageLine(await run(['index', odd]), `there is no folder at "${directory}/no\\nsuch\\u009b\\u200b" to index`);
  });

  // Root reads through any permission; walker.test.ts shows the same check with an injected readdir.
  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')('a folder that cannot be read', async () => {
    const locked = join(directory, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o000);
    try {
      expectUsageLine(await run(['index', locked]), `cannot read the folder ${locked} (permission denied)`);
    } finally {
      await chmod(locked, 0o755);
    }
  });
});

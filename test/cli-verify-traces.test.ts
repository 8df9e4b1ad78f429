/**
 * `rlm verify-traces` and `rlm runs` as a user runs them, over runs this test process wrote (so
 * their writer, like a server, is still alive): what each finds, and the exit status it returns.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newRunId } from '../src/orchestrator/service/run-id.js';
import { recordHash } from '../src/orchestrator/traces/trace-chain.js';
import { createTraceStore, type TraceStore } from '../src/orchestrator/traces/trace-store.js';
import type { TraceRecord } from '../src/types/attempt.js';
import { finished, spawnRlm, type Outcome } from './support/cli.js';
import { closedPort } from './support/stack.js';
import { keepLines, readLines, writeRun } from './orchestrator/trace-fixtures.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

let directory: string;
let dataDir: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'rlm-cli-verify-'));
  dataDir = join(directory, 'data');
});
afterEach(() => rm(directory, { recursive: true, force: true }));

async function run(args: string[]): Promise<Outcome> {
  const env = { HOME: directory, RLM_DATA_DIR: dataDir, OLLAMA_HOST: `http://127.0.0.1:${await closedPort()}` };
  return finished(spawnRlm(args, directory, env));
}

/** This process writes the runs, as a server would: it stays alive while the commands run. */
const store = (): TraceStore => createTraceStore({ dataDir, retentionDays: 0, now: () => NOW });
/** A store for a writer that has since died. */
const goneStore = (): TraceStore => createTraceStore({ dataDir, retentionDays: 0, now: () => NOW, liveness: { pid: 4_000_001, bootTime: 0, isAlive: () => false } });
const runId = (index: number): string => newRunId(NOW + index * 1000, () => `cliverf${index}`);

describe('rlm verify-traces', () => {
  it('exit 0 when everything is intact', async () => {
    await writeRun(store(), runId(0));
    const clean = await run(['verify-traces']);
    expect(clean.stdout).toMatch(/^checked 1 trace file in .+: 1 run, 4 records, 0 torn last lines skipped\nno problems found\n$/);
    expect(clean.code).toBe(0);
  });

  it('exit 3 for a run that never finished and no process is writing, its torn last line only counted', async () => {
    const path = await writeRun(goneStore(), runId(0), { finish: false });
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length - 30));
    const outcome = await run(['verify-traces']);
    expect(outcome.stdout).toContain('1 run, 2 records, 1 torn last line skipped\n');
    expect(outcome.stdout).toContain(`runs/2026-11-24/${runId(0)}.jsonl  ${runId(0)}  incomplete: no finish record, and no process is writing it`);
    expect(outcome.stdout).toMatch(/no problems found, but 1 incomplete run \(what a crash leaves; the records there are intact\)\n$/);
    expect(outcome.code).toBe(3);
    const json = JSON.parse((await run(['verify-traces', '--json'])).stdout) as { problems: unknown[]; incomplete: { kind: string }[]; unsealed: number };
    expect(json).toMatchObject({ problems: [], incomplete: [{ kind: 'interrupted' }], unsealed: 0, inFlight: 0, pruned: 0 });
  });

  it('exit 1 for a finished run whose approving verify and finish were cut off, which rlm runs lists as truncated, not running', async () => {
    const path = await writeRun(store(), runId(0));
    await keepLines(path, 2);
    const outcome = await run(['verify-traces']);
    expect(outcome.stdout).toContain('the ledger records 4 records when the run finished (ledger line 1); the file holds 2: its last records were cut off');
    expect(outcome.stdout).toMatch(/1 problem found\n$/);
    expect(outcome.code).toBe(1);

    const runs = await run(['runs']);
    expect(runs.stdout).toMatch(new RegExp(`${runId(0)} .* truncated `));
    const shown = await run(['show', runId(0)]);
    expect(shown.stdout).toContain('truncated: the ledger records that this run finished with 4 records; its file now holds 2.');
  });

  it('exit 1 for a deleted run file', async () => {
    await writeRun(store(), runId(0));
    const path = await writeRun(store(), runId(1));
    await rm(path);
    const outcome = await run(['verify-traces']);
    expect(outcome.stdout).toContain(`${runId(1)}  the ledger records this run as finished with 4 records (ledger line 2), but its file is missing (deleted)`);
    expect(outcome.code).toBe(1);
  });

  it('exit 1 for a run forged and re-chained with the project hash function, without the key', async () => {
    const path = await writeRun(store(), runId(0));
    let previous: string | null = null;
    const forged = (await readLines(path)).map((record, index) => {
      const { hash: _hash, ...rest } = index === 1 ? { ...record, output: { content: 'forged' } } : record;
      const content = { ...rest, prevHash: previous };
      const hash = recordHash(content as unknown as TraceRecord);
      previous = hash;
      return { ...content, hash };
    });
    await writeFile(path, forged.map((record) => `${JSON.stringify(record)}\n`).join(''));
    const outcome = await run(['verify-traces']);
    expect(outcome.stdout).toContain('seal does not match (written or changed by someone without the trace key)');
    expect(outcome.code).toBe(1);
  });

  it('--help names the exit statuses', async () => {
    const help = await run(['verify-traces', '--help']);
    expect(help.stdout).toContain('(exit 0 clean, 1 tampering or damage, 3 only incomplete runs: what a crash leaves)');
  });
});

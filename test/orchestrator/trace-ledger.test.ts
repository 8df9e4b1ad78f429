/**
 * The ledger of finished runs: what a run file alone cannot prove (that it existed, and how long
 * it was when it finished) the ledger remembers, so deleted and cut-off runs are found.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeRun } from '../../src/orchestrator/loop/run-summary.js';
import { newRunId } from '../../src/orchestrator/service/run-id.js';
import type { Liveness } from '../../src/orchestrator/traces/run-liveness.js';
import { createTraceStore, type TraceStore } from '../../src/orchestrator/traces/trace-store.js';
import { attemptFields, headerFields, keepLines, ledgerFile, readLines, writeRun } from './trace-fixtures.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const DAY_MS = 86_400_000;
const WRITER_PID = 4_000_001;

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rlm-trace-ledger-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

/** A store for process `pid`, where only the `alive` pids exist (booted long ago). */
function storeFor(pid: number, alive: number[] = [], extra: { retentionDays?: number; onLedgerError?: (error: unknown) => void } = {}): TraceStore {
  const liveness: Liveness = { pid, bootTime: 0, isAlive: (other) => alive.includes(other) };
  return createTraceStore({ dataDir, retentionDays: extra.retentionDays ?? 0, now: () => NOW, liveness, ...(extra.onLedgerError ? { onLedgerError: extra.onLedgerError } : {}) });
}

/** The store of `rlm verify-traces` or `rlm runs` in another process, while the writer (a server) is still alive. */
const reader = (): TraceStore => storeFor(7, [WRITER_PID]);

const ids = (count: number, time = NOW): string[] => Array.from({ length: count }, (_, index) => newRunId(time + index * 1000, () => `aaaaaaa${index.toString(36)}`));

describe('trace ledger: one line per finished run', () => {
  it('records each finished run (id, record count, last hash), sealed and chained, and no run that did not finish', async () => {
    const writer = storeFor(WRITER_PID);
    const [first, second, unfinished] = ids(3) as [string, string, string];
    await writeRun(writer, first);
    await writeRun(writer, second);
    await writeRun(writer, unfinished, { finish: false });

    const lines = await readLines(ledgerFile(dataDir));
    const firstRecords = await readLines(join(dataDir, 'runs', '2026-11-24', `${first}.jsonl`));
    expect(lines.map((line) => [line.type, line.n, line.runId, line.records])).toEqual([
      ['run', 0, first, 4],
      ['run', 1, second, 4],
    ]);
    expect(lines[0]?.lastHash).toBe(firstRecords.at(-1)?.hash);
    expect(lines[0]?.prevHash).toBeNull();
    expect(lines[1]?.prevHash).toBe(lines[0]?.hash);
    expect(lines.every((line) => typeof line.seal === 'string' && (line.seal as string).length === 64)).toBe(true);

    const report = await storeFor(7).verifyAll();
    expect(report.problems).toEqual([]);
    expect(report.incomplete?.map((found) => [found.runId, found.kind])).toEqual([[unfinished, 'interrupted']]);
  });

  it('settle waits for writers still closing: their files durable and their ledger lines written', async () => {
    const store = storeFor(WRITER_PID);
    const [runId] = ids(1) as [string];
    const writer = await store.startRun(headerFields(runId));
    await writer.append(attemptFields('att-0', 'generate'));
    await writer.append({ ...attemptFields('att-1', 'finish'), name: 'aborted', output: { content: 'aborted', data: { answerAttemptId: null } } });
    void writer.close();
    await store.settle();
    expect((await readLines(ledgerFile(dataDir))).map((line) => line.runId)).toEqual([runId]);
  });

  it('chains the lines of many runs finishing at once in one process, in a valid order', async () => {
    const writer = storeFor(WRITER_PID);
    const runIds = ids(20);
    await Promise.all(runIds.map((runId) => writeRun(writer, runId)));
    const lines = await readLines(ledgerFile(dataDir));
    expect(lines.map((line) => line.n)).toEqual(runIds.map((_, index) => index));
    expect(lines.map((line) => line.runId).sort()).toEqual([...runIds].sort());
    expect(await storeFor(7).verifyAll()).toEqual({ files: 20, runs: 20, records: 80, tornLines: 0, problems: [] });
  });

  it('a lock left by a process that died is taken over', async () => {
    await mkdir(dataDir, { recursive: true });
    await writeFile(`${ledgerFile(dataDir)}.lock`, `${4_000_002}\n`);
    const [runId] = ids(1) as [string];
    await writeRun(storeFor(WRITER_PID), runId);
    expect((await readLines(ledgerFile(dataDir))).map((line) => line.runId)).toEqual([runId]);
  });
});

describe('trace ledger: what it finds', () => {
  it('a deleted run file: the ledger recorded it, so it is missing', async () => {
    const [kept, deleted] = ids(2) as [string, string];
    await writeRun(storeFor(WRITER_PID), kept);
    const path = await writeRun(storeFor(WRITER_PID), deleted);
    await rm(path);
    const { problems } = await reader().verifyAll();
    expect(problems).toEqual([
      { file: path, line: 0, runId: deleted, problem: 'the ledger records this run as finished with 4 records (ledger line 2), but its file is missing (deleted)' },
    ]);
  });

  it('a finished run whose approving verify and finish were cut off: a problem, and it lists as interrupted, not running, while its writer lives', async () => {
    const [runId] = ids(1) as [string];
    const path = await writeRun(storeFor(WRITER_PID), runId);
    await keepLines(path, 2); // the header and the draft

    const { problems } = await reader().verifyAll();
    expect(problems).toEqual([
      { file: path, line: 0, runId, problem: 'the ledger records 4 records when the run finished (ledger line 1); the file holds 2: its last records were cut off' },
    ]);
    const listed = (await reader().list({ limit: 5 })).runs;
    expect(listed.map((run) => summarizeRun(run).status)).toEqual(['interrupted']);
    expect(listed[0]?.truncated).toEqual({ records: 4, held: 2 });
    expect(summarizeRun((await reader().get(runId))!).status).toBe('interrupted');
  });

  it('a run cut off before it finished, its writer gone: incomplete, not a problem', async () => {
    const [runId] = ids(1) as [string];
    await writeRun(storeFor(WRITER_PID), runId, { finish: false });
    const report = await storeFor(7, []).verifyAll();
    expect(report.problems).toEqual([]);
    expect(report.incomplete).toEqual([expect.objectContaining({ runId, kind: 'interrupted' })]);
    // While the writer lives it may still be writing: in flight, no finding.
    const live = await reader().verifyAll();
    expect(live).toEqual({ files: 1, runs: 1, records: 3, tornLines: 0, problems: [], inFlight: 1 });
  });

  it('a crash between the finish and the ledger line: "finished, but not in the ledger", an incomplete finding', async () => {
    const failures: unknown[] = [];
    const [recorded, unrecorded] = ids(2) as [string, string];
    await writeRun(storeFor(WRITER_PID), recorded);
    // The ledger cannot be written (its lock path is taken by a directory): the run still closes.
    await mkdir(`${ledgerFile(dataDir)}.lock`);
    await writeRun(storeFor(WRITER_PID, [], { onLedgerError: (error) => failures.push(error) }), unrecorded);
    await rm(`${ledgerFile(dataDir)}.lock`, { recursive: true });
    expect(failures).toHaveLength(1);

    const report = await storeFor(7).verifyAll();
    expect(report.problems).toEqual([]);
    expect(report.incomplete).toEqual([
      expect.objectContaining({ runId: unrecorded, kind: 'unrecorded', problem: 'finished, but not in the ledger (a crash between its finish and its ledger line, or the line removed)' }),
    ]);
  });

  it('known gap: the newest run removed together with its ledger line leaves nothing to find', async () => {
    const runIds = ids(3);
    for (const runId of runIds) await writeRun(storeFor(WRITER_PID), runId);
    await rm(join(dataDir, 'runs', '2026-11-24', `${runIds[2]}.jsonl`));
    await keepLines(ledgerFile(dataDir), 2);
    // No surviving header saw the ledger longer than it now is (docs/pipeline.md, the threat model).
    expect((await reader().verifyAll()).problems).toEqual([]);
  });

  it('a ledger cut below what a later run saw is a problem, even with that run intact', async () => {
    const runIds = ids(3);
    for (const runId of runIds) await writeRun(storeFor(WRITER_PID), runId);
    await keepLines(ledgerFile(dataDir), 1);
    const { problems } = await reader().verifyAll();
    expect(problems).toContainEqual(
      expect.objectContaining({ runId: runIds[2], problem: 'the run started when the ledger had 2 entries; it now has 1: the ledger was cut short or replaced' }),
    );
  });

  it('a line torn by a crash mid-append is stepped over by the next append and counted', async () => {
    const [first, second] = ids(2) as [string, string];
    await writeRun(storeFor(WRITER_PID), first);
    await appendFile(ledgerFile(dataDir), '{"type":"run","n":1,"runId":"run-2026');
    await writeRun(storeFor(WRITER_PID), second);
    const lines = (await readFile(ledgerFile(dataDir), 'utf8')).split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[2]!)).toMatchObject({ n: 1, runId: second });
    expect(await reader().verifyAll()).toEqual({ files: 2, runs: 2, records: 8, tornLines: 1, problems: [] });
  });
});

describe('trace ledger: retention', () => {
  it('records each day it removes, so a pruned run is not missing; a day removed by hand is', async () => {
    const old = ids(2, NOW - 10 * DAY_MS);
    const recent = ids(1);
    for (const runId of [...old, ...recent]) await writeRun(storeFor(WRITER_PID), runId);
    expect(await storeFor(WRITER_PID, [], { retentionDays: 7 }).prune()).toBe(2);

    const lines = await readLines(ledgerFile(dataDir));
    expect(lines.at(-1)).toMatchObject({ type: 'prune', n: 3, day: '2026-11-14', files: 2 });
    expect(await reader().verifyAll()).toEqual({ files: 1, runs: 1, records: 4, tornLines: 0, problems: [], pruned: 2 });

    await rm(join(dataDir, 'runs', '2026-11-24'), { recursive: true });
    expect((await reader().verifyAll()).problems.map((found) => found.runId)).toEqual(recent);
  });
});

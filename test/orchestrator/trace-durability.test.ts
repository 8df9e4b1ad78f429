/**
 * What each trace record survives (docs/pipeline.md, "Attempt records"): an append resolves once
 * its line is in the file (the page cache: a killed process loses none of it), and closing makes
 * the whole file durable with one fdatasync and its directory entry with one fsync, before
 * `closeDurable` resolves; the ledger line is written after both, and runs closing together share
 * the ledger's flush.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { summarizeRun } from '../../src/orchestrator/loop/run-summary.js';
import { newRunId } from '../../src/orchestrator/service/run-id.js';
import { verifyChain } from '../../src/orchestrator/traces/trace-chain.js';
import { readTraceFile } from '../../src/orchestrator/traces/trace-file.js';
import { createTraceStore, type TraceStore } from '../../src/orchestrator/traces/trace-store.js';
import { recordSyncs, type SyncRecorder } from './fs-syncs.js';
import { attemptFields, headerFields, ledgerFile, readLines, runFile, writeRun } from './trace-fixtures.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const ids = (count: number, from = 0): string[] => Array.from({ length: count }, (_, index) => newRunId(NOW + (from + index) * 1000, () => `bbbbbb${(from + index).toString(36).padStart(2, "0")}`));

let syncs: SyncRecorder;
let dataDir: string;
beforeAll(async () => {
  syncs = await recordSyncs();
});
afterAll(() => syncs.restore());
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rlm-trace-durability-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const store = (): TraceStore => createTraceStore({ dataDir, retentionDays: 0, now: () => NOW });
const inode = (path: string): number => statSync(path).ino;
const finishFields = () => ({ ...attemptFields('att-fin', 'finish'), name: 'completed', output: { content: 'completed', data: { answerAttemptId: 'att-0' } } });

/** A first run, so that the key, the ledger and the day directory exist and later counts are of one run's work. */
async function warmUp(traces: TraceStore): Promise<void> {
  await writeRun(traces, ids(1, 99)[0] as string);
  await traces.settle();
}

describe('trace durability', () => {
  it('an append resolves once its line is in the file, before any flush of it', async () => {
    const traces = store();
    const [runId] = ids(1) as [string];
    const writer = await traces.startRun(headerFields(runId));
    await writer.append(attemptFields('att-0', 'generate'));
    await writer.append({ ...attemptFields('att-1', 'verify'), verdict: 'APPROVED' });
    const path = runFile(dataDir, runId);
    const { records, torn, badLines } = readTraceFile(readFileSync(path, 'utf8'));
    expect([records.length, torn, badLines]).toEqual([3, false, []]);
    expect(verifyChain(records)).toEqual([]);
    expect(syncs.events.filter((event) => event.ino === inode(path))).toEqual([]);
    await writer.close();
  });

  it('records appended together go in one write(2), chained in order; one that cannot be sealed is refused alone', async () => {
    const traces = store();
    const [runId] = ids(1) as [string];
    const writer = await traces.startRun(headerFields(runId));
    const path = runFile(dataDir, runId);
    const before = syncs.order.filter((entry) => entry === `write:${inode(path)}`).length;
    const written = writer.appendAll([
      attemptFields('att-0', 'generate'),
      { ...attemptFields('att-1', 'verify'), verdictProbability: Number.NaN },
      { ...attemptFields('att-2', 'verify'), verdict: 'APPROVED' },
    ]);
    const outcomes = await Promise.allSettled(written);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(syncs.order.filter((entry) => entry === `write:${inode(path)}`).length - before).toBe(1);
    const { records } = readTraceFile(readFileSync(path, 'utf8'));
    expect(records.map((record) => (record.type === 'attempt' ? record.attemptId : 'header'))).toEqual(['header', 'att-0', 'att-2']);
    expect(verifyChain(records)).toEqual([]);
    expect(writer.attempts.map((attempt) => attempt.seq)).toEqual([0, 1]);
    await writer.close();
  });

  it('closeDurable resolves after one fdatasync of the whole file and an fsync of its directory; the ledger line is written after both', async () => {
    const traces = store();
    await warmUp(traces);
    const [runId] = ids(1) as [string];
    const writer = await traces.startRun(headerFields(runId));
    await writer.append(attemptFields('att-0', 'generate'));
    await writer.append(finishFields());
    const path = runFile(dataDir, runId);
    syncs.mark('closing');
    await writer.closeDurable();
    syncs.mark('durable');
    await traces.settle();

    const closing = syncs.order.lastIndexOf('closing');
    const durable = syncs.order.lastIndexOf('durable');
    const flushes = syncs.events.filter((event) => event.at > closing && event.at < durable);
    expect(flushes.filter((event) => event.ino === inode(path))).toEqual([expect.objectContaining({ kind: 'fdatasync', size: statSync(path).size })]);
    expect(flushes.filter((event) => event.directory).map((event) => event.ino)).toEqual([inode(dirname(path))]);
    expect(flushes).toHaveLength(2);

    const ledger = inode(ledgerFile(dataDir));
    const ledgerWrite = syncs.order.indexOf(`write:${ledger}`, closing);
    expect(ledgerWrite).toBeGreaterThan(durable);
    expect(syncs.events.some((event) => event.ino === ledger && event.at > ledgerWrite)).toBe(true);
    expect((await readLines(ledgerFile(dataDir))).map((line) => line.runId)).toContain(runId);
  });

  it('runs closing together: one fdatasync each, their directory fsyncs and the ledger flush shared', async () => {
    const traces = store();
    await warmUp(traces);
    const runIds = ids(8);
    const writers = await Promise.all(runIds.map((runId) => traces.startRun(headerFields(runId))));
    for (const writer of writers) await writer.append(finishFields());
    syncs.mark('closing');
    await Promise.all(writers.map((writer) => writer.close()));
    const closing = syncs.order.lastIndexOf('closing');
    const flushes = syncs.events.filter((event) => event.at > closing);

    const files = runIds.map((runId) => inode(runFile(dataDir, runId)));
    expect(files.map((file) => flushes.filter((event) => event.ino === file).length)).toEqual(files.map(() => 1));
    expect(flushes.filter((event) => event.directory).length).toBeLessThanOrEqual(2);
    expect(flushes.filter((event) => event.ino === inode(ledgerFile(dataDir)))).toHaveLength(1);
    const lines = await readLines(ledgerFile(dataDir));
    expect(lines.slice(1).map((line) => line.runId).sort()).toEqual([...runIds].sort());
    expect((await store().verifyAll()).problems).toEqual([]);
  });
});

describe('a writer killed with SIGKILL', () => {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fileURLToPath(new URL('./kill-writer.ts', import.meta.url));

  it('leaves every record whose append had resolved readable and chained; the run reads as interrupted', async () => {
    const [runId] = ids(1) as [string];
    const writer = spawn(process.execPath, ['--import', tsx, child, dataDir, runId, '1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acknowledged = -1;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      writer.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const seqs = [...output.matchAll(/^ack (\d+)$/gm)].map((match) => Number(match[1]));
        if (seqs.length === 0) return;
        acknowledged = Math.max(...seqs);
        // Killed while it is still appending: the last records may or may not be there, the acknowledged ones must be.
        if (acknowledged >= 20 && writer.exitCode === null) {
          writer.kill('SIGKILL');
          resolve();
        }
      });
      writer.once('exit', (code) => reject(new Error(`the writer exited (${code}) before it was killed: ${output}`)));
    });
    await once(writer, 'exit');

    const { records, badLines } = readTraceFile(readFileSync(runFile(dataDir, runId), 'utf8'));
    expect(badLines).toEqual([]);
    expect(records.length).toBeGreaterThanOrEqual(acknowledged + 2); // the header and att-0 … att-<acknowledged>
    expect(verifyChain(records)).toEqual([]);
    const run = await store().get(runId);
    expect(run === undefined ? undefined : summarizeRun(run).status).toBe('interrupted');
    const report = await store().verifyAll();
    expect(report.problems).toEqual([]);
    expect(report.incomplete?.map((found) => [found.runId, found.kind])).toEqual([[runId, 'interrupted']]);
  });
});

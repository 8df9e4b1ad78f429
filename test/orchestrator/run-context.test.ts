/**
 * Recording an attempt (loop/run-context.ts): the loop has it at once, its line is written on the
 * next turn (by then the loop has sent its next model call) or by writeRecorded, in order, and its
 * progress event is sent only once its line is in the file. A record that cannot be written fails
 * the run at the next record, once.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunContext, record, writeRecorded, type RunContext } from '../../src/orchestrator/loop/run-context.js';
import type { PipelineDeps, PipelineRequest, ProgressEvent } from '../../src/orchestrator/loop/types.js';
import { newRunId } from '../../src/orchestrator/service/run-id.js';
import { verifyChain } from '../../src/orchestrator/traces/trace-chain.js';
import { readTraceFile } from '../../src/orchestrator/traces/trace-file.js';
import { createTraceStore } from '../../src/orchestrator/traces/trace-store.js';
import { attemptFields, headerFields, runFile } from './trace-fixtures.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const runId = newRunId(NOW, () => 'cccccccc');
let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rlm-run-context-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const lines = (): number => readTraceFile(readFileSync(runFile(dataDir, runId), 'utf8')).records.length;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function start(onProgress?: (event: ProgressEvent) => void): Promise<RunContext> {
  const traces = createTraceStore({ dataDir, retentionDays: 0, now: () => NOW });
  const writer = await traces.startRun(headerFields(runId));
  const deps = { traces, now: () => NOW, newId: (prefix: string) => `${prefix}-1` } as unknown as PipelineDeps;
  const input = { runId, signal: new AbortController().signal, ...(onProgress ? { onProgress } : {}) } as unknown as PipelineRequest;
  return createRunContext(deps, input, writer);
}

describe('recording an attempt', () => {
  it('is the loop’s at once, and in the file on the next turn, in order', async () => {
    const run = await start();
    const first = await record(run, attemptFields('att-0', 'generate'));
    await record(run, { ...attemptFields('att-1', 'verify'), parentAttemptId: 'att-0', verdict: 'APPROVED' });
    expect(first.attemptId).toBe('att-0');
    expect(run.attempts.map((attempt) => attempt.attemptId)).toEqual(['att-0', 'att-1']);
    expect(lines()).toBe(1); // the header alone: nothing written before the turn ends
    await nextTurn();
    expect(run.writer.attempts.map((attempt) => attempt.attemptId)).toEqual(['att-0', 'att-1']);
    const { records } = readTraceFile(readFileSync(runFile(dataDir, runId), 'utf8'));
    expect(records).toHaveLength(3);
    expect(verifyChain(records)).toEqual([]);
    await run.writer.close();
  });

  it('writeRecorded writes what is waiting at once, and a record after it follows it in the chain', async () => {
    const run = await start();
    await record(run, attemptFields('att-0', 'generate'));
    await writeRecorded(run);
    expect(lines()).toBe(2);
    await record(run, attemptFields('att-1', 'generate'));
    await writeRecorded(run);
    expect(run.writer.attempts.map((attempt) => attempt.seq)).toEqual([0, 1]);
    await nextTurn(); // the turn's own hand-over finds nothing left
    expect(lines()).toBe(3);
    await run.writer.close();
  });

  it('sends an attempt’s progress only once its line is in the file', async () => {
    const seen: [string, number][] = [];
    const run = await start((event) => seen.push([event.attempt.attemptId, lines()]));
    await record(run, attemptFields('att-0', 'generate'));
    expect(seen).toEqual([]);
    await writeRecorded(run);
    expect(seen).toEqual([['att-0', 2]]);
    await run.writer.close();
  });

  it('a record that cannot be written fails the next record, once; the records around it are kept', async () => {
    const run = await start();
    await record(run, attemptFields('att-0', 'generate'));
    await record(run, { ...attemptFields('att-1', 'verify'), verdictProbability: Number.NaN });
    await nextTurn();
    await expect(record(run, attemptFields('att-2', 'generate'))).rejects.toThrow(/NaN/);
    await record(run, attemptFields('att-3', 'finish'));
    await writeRecorded(run);
    expect(run.writer.attempts.map((attempt) => attempt.attemptId)).toEqual(['att-0', 'att-3']);
    await run.writer.close();
  });
});

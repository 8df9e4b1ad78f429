/** Runs written through a real trace store, and the paths of what it keeps, for the trace tests. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TraceStore } from '../../src/orchestrator/traces/trace-store.js';
import type { AttemptRecord, RunHeader } from '../../src/types/attempt.js';
import { hashJson } from '../../src/utils/hash.js';

export type AttemptFields = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

export function headerFields(runId: string, startedAt = '2026-11-24T12:00:00.000Z'): Omit<RunHeader, 'type' | 'prevHash' | 'hash' | 'pid'> {
  const request = { model: 'rlm', messages: [{ role: 'user', content: `question for ${runId}` }] };
  return { runId, startedAt, profile: 'rlm', requestedModel: 'rlm', request, requestHash: hashJson(request) };
}

export function attemptFields(attemptId: string, stage: AttemptFields['stage'] = 'generate', overrides: Partial<AttemptFields> = {}): AttemptFields {
  return {
    attemptId,
    parentAttemptId: null,
    stage,
    tier: 0,
    model: stage === 'finish' ? null : 'llama3.2',
    name: null,
    promptName: null,
    promptHash: null,
    inputHash: hashJson({ attemptId }),
    output: { content: `output of ${attemptId}` },
    verdict: null,
    issues: [],
    verdictProbability: null,
    tokens: { prompt: 10, completion: 5 },
    durations: null,
    startedAt: '2026-11-24T12:00:01.000Z',
    durationMs: 3,
    cacheHit: false,
    error: null,
    ...overrides,
  };
}

/** A run as the pipeline writes one: a draft, its approving verify, and (when `finish`) the finish record. Returns its file. */
export async function writeRun(store: TraceStore, runId: string, options: { finish?: boolean; startedAt?: string } = {}): Promise<string> {
  const writer = await store.startRun(headerFields(runId, options.startedAt));
  await writer.append(attemptFields('att-0', 'generate'));
  await writer.append({ ...attemptFields('att-1', 'verify'), parentAttemptId: 'att-0', verdict: 'APPROVED' });
  if (options.finish ?? true) {
    await writer.append({ ...attemptFields('att-2', 'finish'), name: 'completed', output: { content: 'completed', data: { answerAttemptId: 'att-0' } } });
  }
  await writer.close();
  return runFile(store.dataDir, runId);
}

export function runFile(dataDir: string, runId: string): string {
  const day = `${runId.slice(4, 8)}-${runId.slice(8, 10)}-${runId.slice(10, 12)}`;
  return join(dataDir, 'runs', day, `${runId}.jsonl`);
}

export const ledgerFile = (dataDir: string): string => join(dataDir, 'trace-ledger.jsonl');
export const keyFile = (dataDir: string): string => join(dataDir, 'trace-key');

export async function readLines(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Keeps the first `count` lines of a file (whole lines, as someone editing it would). */
export async function keepLines(path: string, count: number): Promise<void> {
  const lines = (await readFile(path, 'utf8')).split('\n').slice(0, count);
  await writeFile(path, lines.map((line) => `${line}\n`).join(''));
}

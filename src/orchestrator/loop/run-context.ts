/** A run in progress: its request, its deps, the writer its attempts go to, and its progress sink. */
import type { AttemptRecord } from '../../types/attempt.js';
import { hashJson } from '../../utils/hash.js';
import type { RunWriter } from '../traces/trace-store.js';
import { progressText } from './progress.js';
import type { PipelineDeps, PipelineRequest } from './types.js';

export interface RunContext {
  deps: PipelineDeps;
  input: PipelineRequest;
  writer: RunWriter;
}

export type NewAttempt = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

/** Appends a frozen attempt to the run's trace and reports it as progress. */
export async function record(run: RunContext, attempt: NewAttempt): Promise<AttemptRecord> {
  const sealed = await run.writer.append(attempt);
  const text = progressText(sealed);
  if (text !== undefined) run.input.onProgress?.({ stage: sealed.stage, text, attempt: sealed });
  return sealed;
}

/** The fields of an attempt that involve no model call (checks and decisions). */
export function noModelCall(run: RunContext): Pick<NewAttempt, 'model' | 'promptName' | 'promptHash' | 'tokens' | 'durations' | 'startedAt' | 'durationMs' | 'cacheHit' | 'verdictProbability'> {
  return {
    model: null,
    promptName: null,
    promptHash: null,
    tokens: { prompt: 0, completion: 0 },
    durations: null,
    startedAt: new Date(run.deps.now()).toISOString(),
    durationMs: 0,
    cacheHit: false,
    verdictProbability: null,
  };
}

/** Records a policy decision (no model call): `content` is its progress line, `data` what it decided and why. */
export async function recordDecision(run: RunContext, tier: number, name: string, content: string, data: Record<string, unknown>): Promise<AttemptRecord> {
  return record(run, {
    ...noModelCall(run),
    attemptId: run.deps.newId('att'),
    parentAttemptId: null,
    stage: 'decision',
    tier,
    name,
    inputHash: hashJson(data),
    output: { content, data },
    verdict: null,
    issues: [],
    error: null,
  });
}

/**
 * A run in progress: its request, its deps, the writer its attempts go to, its progress sink, and
 * recording an attempt.
 *
 * An attempt is recorded at once (the loop goes on with it) and written to the trace on the next
 * turn of the event loop: by then the loop has sent its next model call, so sealing and writing the
 * record happen while the model works instead of before the request goes out. Until its line is in
 * the file nobody outside the process has heard of it: its progress event is sent once it is
 * written, and the run's finish waits for every record before the trace is closed (`writeRecorded`).
 * A record that cannot be written fails the run at its next record, as it would have failed the
 * call that recorded it.
 */
import type { AttemptRecord } from '../../types/attempt.js';
import { hashJson } from '../../utils/hash.js';
import type { RunWriter } from '../traces/trace-store.js';
import { progressText } from './progress.js';
import type { PipelineDeps, PipelineRequest } from './types.js';

export type NewAttempt = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

/** An attempt as the loop reasons over it: what it recorded, without the chain fields its seal adds. */
export type RecordedAttempt = Readonly<NewAttempt>;

export interface RunContext {
  deps: PipelineDeps;
  input: PipelineRequest;
  writer: RunWriter;
  /** Every attempt recorded so far, in order, written or about to be. */
  readonly attempts: RecordedAttempt[];
  /** Recorded attempts not yet handed to the writer, and what went wrong writing one. */
  readonly unwritten: { queue: RecordedAttempt[]; scheduled: boolean; failure: { cause: unknown } | undefined };
}

export function createRunContext(deps: PipelineDeps, input: PipelineRequest, writer: RunWriter): RunContext {
  return { deps, input, writer, attempts: [], unwritten: { queue: [], scheduled: false, failure: undefined } };
}

/** Records an attempt; its line is written on the next turn (or by writeRecorded), then reported as progress. */
export async function record(run: RunContext, attempt: NewAttempt): Promise<RecordedAttempt> {
  throwFailure(run);
  const recorded = Object.freeze({ ...attempt });
  run.attempts.push(recorded);
  const { unwritten } = run;
  unwritten.queue.push(recorded);
  if (!unwritten.scheduled) {
    unwritten.scheduled = true;
    // A failure is kept, and thrown where the loop next records.
    setImmediate(() => void handOver(run));
  }
  return recorded;
}

/** Writes every attempt recorded and not yet written, in order; rejects when one could not be written. */
export async function writeRecorded(run: RunContext): Promise<void> {
  await handOver(run);
  throwFailure(run);
}

/**
 * Hands the queue to the writer in one call, made before anything is awaited: the writer seals the
 * records in order and writes their lines in one write(2), so a later hand-over can never overtake
 * this one.
 */
function handOver(run: RunContext): Promise<void> {
  const { unwritten } = run;
  unwritten.scheduled = false;
  const queue = unwritten.queue.splice(0);
  if (queue.length === 0) return Promise.resolve();
  const writes = run.writer.appendAll(queue).map((written) =>
    written.then(
      (sealed) => {
        const text = progressText(sealed);
        if (text !== undefined) run.input.onProgress?.({ stage: sealed.stage, text, attempt: sealed });
      },
      (error: unknown) => {
        unwritten.failure ??= { cause: error };
      },
    ),
  );
  return Promise.all(writes).then(() => undefined);
}

/** A write that failed fails the run once, where the loop next records; the run's finish can still be written after it. */
function throwFailure(run: RunContext): void {
  const { failure } = run.unwritten;
  if (failure === undefined) return;
  run.unwritten.failure = undefined;
  throw failure.cause;
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
export async function recordDecision(run: RunContext, tier: number, name: string, content: string, data: Record<string, unknown>): Promise<RecordedAttempt> {
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

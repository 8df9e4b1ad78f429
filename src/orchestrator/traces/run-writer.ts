/**
 * Writing one run: its file is created with the sealed header, each attempt is sealed and appended
 * as one line in one write on a file opened for appending (so a crash leaves at most one torn last
 * line, which readers skip), and closing makes the file durable and then, for a run that finished,
 * writes its ledger line.
 */
import { open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { runIdDate } from '../service/run-id.js';
import type { AttemptRecord, RunHeader, TraceRecord } from '../../types/attempt.js';
import { syncDirectory, writeAll } from '../../utils/durable-file.js';
import { makePrivateDirectory, PRIVATE_FILE_MODE } from '../../utils/private-files.js';
import type { RunLedger } from './run-ledger.js';
import { beginWriting, endWriting } from './run-liveness.js';
import type { StoreHeaderFields } from './stored-header.js';
import { sealAttempt, sealHeader } from './trace-chain.js';
import { TRACE_SUFFIX } from './trace-directory.js';

export type HeaderFields = Omit<RunHeader, 'type' | 'prevHash' | 'hash'> & StoreHeaderFields;
export type AttemptFields = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

export interface RunWriter {
  readonly header: RunHeader;
  /** What was appended so far, in order (frozen records). */
  readonly attempts: readonly AttemptRecord[];
  /** Seals and writes one line; appends of one run are written in call order even if called concurrently. */
  append(attempt: AttemptFields): Promise<AttemptRecord>;
  /**
   * Waits for pending appends, makes the file durable and closes it; a run that finished then gets
   * its ledger line. A ledger line that cannot be written does not fail the run (its records are
   * durable): it goes to `onLedgerError`, and verify-traces reports the run as not in the ledger.
   */
  close(): Promise<void>;
}

export interface RunWriterDeps {
  key: Uint8Array;
  ledger: RunLedger;
  onLedgerError: (error: unknown, runId: string) => void;
}

export async function startRunFile(runsDir: string, fields: HeaderFields, deps: RunWriterDeps): Promise<RunWriter> {
  const day = runIdDate(fields.runId);
  // The id becomes a path: only the exact run id shape may name a file.
  if (day === undefined) throw new TypeError(`Cannot store run ${JSON.stringify(fields.runId)}: not a run id (make one with newRunId).`);
  const header = sealHeader(fields, deps.key);
  const directory = join(runsDir, day);
  await makePrivateDirectory(directory);
  const path = join(directory, `${header.runId}${TRACE_SUFFIX}`);
  // 'ax': append-only, and fail if the file exists, so two runs can never write into one chain.
  const handle = await open(path, 'ax', PRIVATE_FILE_MODE);
  beginWriting(path);
  try {
    await writeLine(handle, header);
  } catch (error) {
    // A run without its header is unreadable; remove it. The write error is the one worth reporting.
    endWriting(path);
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  return createRunWriter(handle, path, directory, header, deps);
}

function createRunWriter(handle: FileHandle, path: string, directory: string, header: RunHeader, deps: RunWriterDeps): RunWriter {
  const attempts: AttemptRecord[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  let failure: { cause: unknown } | undefined;
  let closing: Promise<void> | undefined;

  async function appendNow(fields: AttemptFields): Promise<AttemptRecord> {
    // After a failed write the file may end in part of a line: chaining more onto it would bury it mid-file.
    if (failure !== undefined) {
      throw new Error(`Run ${header.runId}: an earlier append failed, so its trace cannot be continued.`, failure);
    }
    const record = sealAttempt(attempts.at(-1) ?? header, fields, attempts.length, deps.key);
    try {
      await writeLine(handle, record);
    } catch (error) {
      failure = { cause: error };
      throw error;
    }
    attempts.push(record);
    return record;
  }

  async function closeNow(): Promise<void> {
    try {
      await queue;
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await syncDirectory(directory);
      // Only now, with the run durable, may the ledger say how it ended.
      if (failure === undefined && attempts.some((attempt) => attempt.stage === 'finish')) {
        const last = attempts.at(-1) ?? header;
        await deps.ledger
          .append({ type: 'run', runId: header.runId, records: attempts.length + 1, lastHash: last.hash })
          .catch((error: unknown) => deps.onLedgerError(error, header.runId));
      }
    } finally {
      // Until here the run is in flight; closed without a finish record, it can no longer finish: interrupted.
      endWriting(path);
    }
  }

  return {
    header,
    attempts,
    append(fields) {
      if (closing !== undefined) return Promise.reject(new Error(`Run ${header.runId} is closed; nothing more can be appended.`));
      const task = queue.then(() => appendNow(fields));
      // Each caller gets its own rejection; the queue itself must keep going.
      queue = task.catch(() => undefined);
      return task;
    },
    close() {
      closing ??= closeNow();
      return closing;
    },
  };
}

async function writeLine(handle: FileHandle, record: TraceRecord): Promise<void> {
  await writeAll(handle, Buffer.from(`${JSON.stringify(record)}\n`, 'utf8'));
}

/**
 * Writing one run: its file is created with the sealed header, each attempt is sealed and appended
 * as one line in one write on a file opened for appending (so a crash leaves at most one torn last
 * line, which readers skip), and closing makes the file durable and then, for a run that finished,
 * writes its ledger line.
 *
 * What each step survives (docs/pipeline.md, "What a record survives"):
 * - An append returns once its line is in the file: written to the kernel's page cache by a
 *   synchronous write(2) of a few hundred bytes (microseconds, cheaper than a round trip through
 *   libuv's thread pool). A process killed at any point (SIGKILL, a crash) leaves every appended
 *   record readable.
 * - The file's directory entry is made durable as soon as it exists: the fsync of its directory
 *   (shared with the runs starting alongside, directory-sync.ts) starts right after the header is
 *   written and runs while the first model call is out, so that the end of the run has only its own
 *   data to wait for.
 * - Closing makes the records durable against a power cut: one fdatasync of the file for all of
 *   them, and the directory's fsync finished. Only then is the run durable, and only then may the
 *   ledger say how it ended.
 * - The ledger line of a finished run follows (`closeDurable` returns before it, `close` after it).
 *
 * Admission makes no file of its own when it can help it: the header goes into a spare file made
 * ahead and linked to the run's name (spare-files.ts), or, without one, into a file made then.
 */
import { fdatasync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runIdDate } from '../service/run-id.js';
import type { AttemptRecord, RunHeader } from '../../types/attempt.js';
import { closeQuietly, errorCode, unlinkQuietly } from '../../utils/durable-file.js';
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE } from '../../utils/private-files.js';
import { syncDirectorySoon } from './directory-sync.js';
import type { RunLedger } from './run-ledger.js';
import { beginWriting, endWriting } from './run-liveness.js';
import { linkSpare, makeSpare, takeSpare } from './spare-files.js';
import type { StoreHeaderFields } from './stored-header.js';
import { sealAttemptLine, sealHeaderLine } from './trace-chain.js';
import { TRACE_SUFFIX } from './trace-directory.js';

export type HeaderFields = Omit<RunHeader, 'type' | 'prevHash' | 'hash'> & StoreHeaderFields;
export type AttemptFields = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

export interface RunWriter {
  readonly header: RunHeader;
  /** What was appended so far, in order (frozen records). */
  readonly attempts: readonly AttemptRecord[];
  /**
   * Seals and writes one line; it resolves once the line is in the file (it survives the process
   * being killed; closing makes it survive a power cut). Appends are written in call order.
   */
  append(attempt: AttemptFields): Promise<AttemptRecord>;
  /**
   * Appends several records as `append` does each, their lines in one write(2): one promise per
   * record, in order, resolving once that write is done. A record that cannot be sealed is refused
   * alone, the others chained past it.
   */
  appendAll(attempts: readonly AttemptFields[]): Promise<AttemptRecord>[];
  /**
   * Makes the file durable and closes it; a run that finished then gets its ledger line. A ledger line that cannot be written does not fail the run (its records are
   * durable): it goes to `onLedgerError`, and verify-traces reports the run as not in the ledger.
   */
  close(): Promise<void>;
  /**
   * The same close, resolving as soon as the run's records are durable: the ledger line is then on
   * its way (already queued, so the ledger's `idle` and the store's `settle` wait for it).
   */
  closeDurable(): Promise<void>;
}

export interface RunWriterDeps {
  key: Uint8Array;
  /** Whether a process runs (spares named after a process that is gone are removed); without it none are. */
  isAlive?: (pid: number) => boolean;
  ledger: RunLedger;
  onLedgerError: (error: unknown, runId: string) => void;
}

export async function startRunFile(runsDir: string, fields: HeaderFields, deps: RunWriterDeps): Promise<RunWriter> {
  const day = runIdDate(fields.runId);
  // The id becomes a path: only the exact run id shape may name a file.
  if (day === undefined) throw new TypeError(`Cannot store run ${JSON.stringify(fields.runId)}: not a run id (make one with newRunId).`);
  const { record: header, line } = sealHeaderLine(fields, deps.key);
  const directory = join(runsDir, day);
  const path = join(directory, `${header.runId}${TRACE_SUFFIX}`);
  const spare = takeSpare(directory);
  const linked = spare === undefined ? undefined : linkSpare(spare, path, (fd) => writeLine(fd, line));
  const { fd, created, spareName }: MadeFile = linked ?? createAndWrite(path, directory, line);
  beginWriting(path);
  // The entries that make the file findable after a power cut: its own, and those of the day
  // directory (and the runs directory) when this run created them.
  const entries = [directory, ...createdParents(created, directory)];
  // Started on the next turn (after the admission that is waiting for this header has been answered,
  // while the first model call is out), awaited at close: an fsync that starts after the entry was made covers it.
  // The spare's own name goes first, and the next run's spare is made, both off the admission's path.
  const entriesDurable = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => {
      try {
        if (spareName !== undefined) unlinkQuietly(spareName);
        makeSpare(directory, deps.isAlive);
      } catch {
        // a spare is only a head start for the next run: its trouble is never this run's
      }
      return Promise.all(entries.map((entry) => syncDirectorySoon(entry)));
    })
    .then(() => undefined);
  entriesDurable.catch(() => undefined); // reported by close, which awaits it
  return createRunWriter(fd, path, header, entriesDurable, deps);
}

interface MadeFile {
  fd: number;
  /** The first directory level mkdir made for it, if any. */
  created: string | undefined;
  /** The spare's name, still linked to the run's file until the next turn. */
  spareName?: string;
}

/** The run's file made at admission, its header written (a file that cannot take its header is removed). */
function createAndWrite(path: string, directory: string, line: string): MadeFile {
  const made = createFile(path, directory);
  try {
    writeLine(made.fd, line);
  } catch (error) {
    // A run without its header is unreadable; remove it. The write error is the one worth reporting.
    closeQuietly(made.fd);
    unlinkQuietly(path);
    throw error;
  }
  return made;
}

/**
 * 'ax': append-only, and fail if the file exists, so two runs can never write into one chain. The
 * day directory is made on the first run of the day (mkdir returns the first level it created).
 */
function createFile(path: string, directory: string): MadeFile {
  try {
    return { fd: openSync(path, 'ax', PRIVATE_FILE_MODE), created: undefined };
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  const created = mkdirSync(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  return { fd: openSync(path, 'ax', PRIVATE_FILE_MODE), created };
}

/** The directories whose entries changed when `created` (and everything below it, down to `directory`) was made. */
function createdParents(created: string | undefined, directory: string): string[] {
  if (created === undefined) return [];
  const parents: string[] = [];
  for (let level = directory; ; level = dirname(level)) {
    parents.push(dirname(level));
    if (level === created || dirname(level) === level) return parents;
  }
}

function createRunWriter(fd: number, path: string, header: RunHeader, entriesDurable: Promise<void>, deps: RunWriterDeps): RunWriter {
  const attempts: AttemptRecord[] = [];
  let failure: { cause: unknown } | undefined;
  let closing: Promise<{ ledgerLine: Promise<void> }> | undefined;

  function appendNow(list: readonly AttemptFields[]): Promise<AttemptRecord>[] {
    // After a failed write the file may end in part of a line: chaining more onto it would bury it mid-file.
    if (failure !== undefined) {
      const error = new Error(`Run ${header.runId}: an earlier append failed, so its trace cannot be continued.`, failure);
      return list.map(() => Promise.reject(error));
    }
    const outcomes: ({ record: AttemptRecord } | { error: unknown })[] = [];
    const sealedRecords: AttemptRecord[] = [];
    let previous: AttemptRecord | RunHeader = attempts.at(-1) ?? header;
    let text = '';
    for (const fields of list) {
      try {
        const { record, line } = sealAttemptLine(previous, fields, attempts.length + sealedRecords.length, deps.key);
        sealedRecords.push(record);
        previous = record;
        text += `${line}\n`;
        outcomes.push({ record });
      } catch (error) {
        outcomes.push({ error });
      }
    }
    if (sealedRecords.length > 0) {
      try {
        writeText(fd, text);
      } catch (error) {
        failure = { cause: error };
        return list.map(() => Promise.reject(error));
      }
      attempts.push(...sealedRecords);
    }
    return outcomes.map((outcome) => ('record' in outcome ? Promise.resolve(outcome.record) : Promise.reject(outcome.error)));
  }

  async function closeNow(): Promise<{ ledgerLine: Promise<void> }> {
    try {
      // The file's records; its directory entries have been on their way since the file was made.
      try {
        await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
      } finally {
        closeQuietly(fd);
      }
      await entriesDurable;
    } finally {
      // Until here the run is in flight; closed without a finish record, it can no longer finish: interrupted.
      endWriting(path);
    }
    // Only now, with the run durable, may the ledger say how it ended. Queued before this returns.
    if (failure !== undefined || !attempts.some((attempt) => attempt.stage === 'finish')) return { ledgerLine: Promise.resolve() };
    const last = attempts.at(-1) ?? header;
    const ledgerLine = deps.ledger
      .append({ type: 'run', runId: header.runId, records: attempts.length + 1, lastHash: last.hash })
      .then(
        () => undefined,
        (error: unknown) => {
          try {
            deps.onLedgerError(error, header.runId);
          } catch {
            // the sink's own failure must not become an unhandled rejection of a close nobody awaits
          }
        },
      );
    return { ledgerLine };
  }

  // Each caller gets its own rejection; the chain goes on from the last record written.
  const appendAll = (list: readonly AttemptFields[]): Promise<AttemptRecord>[] => {
    if (closing !== undefined) return list.map(() => Promise.reject(new Error(`Run ${header.runId} is closed; nothing more can be appended.`)));
    return appendNow(list);
  };

  const startClosing = (): Promise<{ ledgerLine: Promise<void> }> => (closing ??= closeNow());

  return {
    header,
    attempts,
    append: (fields) => appendAll([fields])[0] as Promise<AttemptRecord>,
    appendAll,
    close: () => startClosing().then(({ ledgerLine }) => ledgerLine),
    closeDurable: () => startClosing().then(() => undefined),
  };
}

/** Every byte of the line and its newline, in one write(2) unless the kernel takes less. */
function writeLine(fd: number, line: string): void {
  writeText(fd, `${line}\n`);
}

/** Every byte of whole lines, in one write(2) unless the kernel takes less. */
function writeText(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    const written = writeSync(fd, bytes, offset, bytes.length - offset);
    if (written === 0) throw new Error('Writing a trace record made no progress (is the disk full?).');
    offset += written;
  }
}

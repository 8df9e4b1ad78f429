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
 * Admission makes no file of its own when it can help it: creating a file (allocating its inode) was
 * the costliest step of admission on ext4, 0.4-0.6 ms measured in place, so each run's file is made
 * ahead, while the previous run's first model call is out, as a spare `.spare-<pid>-<hex>` in the
 * same day directory. Admission writes the header into the spare and links it to the run's name
 * (link(2) fails if the name exists, as the 'ax' open does), so the run's name appears with its
 * header already in it; the spare's own name goes on the next turn. Readers see only `.jsonl` names.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, linkSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runIdDate } from '../service/run-id.js';
import type { AttemptRecord, RunHeader } from '../../types/attempt.js';
import { errorCode } from '../../utils/durable-file.js';
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE } from '../../utils/private-files.js';
import { syncDirectorySoon } from './directory-sync.js';
import type { RunLedger } from './run-ledger.js';
import { beginWriting, endWriting } from './run-liveness.js';
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
  const { fd, created, spareName } = spare === undefined ? createAndWrite(path, directory, line) : linkSpare(spare, path, directory, line);
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
 * The header goes into the spare, then the spare is linked to the run's name, so the name never
 * names a file without its header. A name that exists fails the link as it fails the 'ax' open.
 */
function linkSpare(spare: SpareFile, path: string, directory: string, line: string): MadeFile {
  try {
    writeLine(spare.fd, line);
    linkSync(spare.path, path);
  } catch (error) {
    // The spare now holds a header of its own, or cannot be linked: it is never used again.
    closeQuietly(spare.fd);
    unlinkQuietly(spare.path);
    const code = errorCode(error);
    if (code === 'EEXIST') throw error;
    // A file system without hard links gets no more spares; anything else about this spare (its
    // directory removed under it, say) is this spare's problem. Either way the file is made as usual.
    if (NO_HARD_LINKS.has(code ?? '')) noSpares.add(directory);
    return createAndWrite(path, directory, line);
  }
  return { fd: spare.fd, created: undefined, spareName: spare.path };
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

/** An empty file made ahead in a day directory, for the next run started there. */
interface SpareFile {
  directory: string;
  path: string;
  fd: number;
}

const SPARE_PREFIX = '.spare-';

/** A spare file's name (rlm's own scratch, not a run): what is counted as a day's files leaves it out. */
export function isSpareName(name: string): boolean {
  return name.startsWith(SPARE_PREFIX);
}

/** This process's one spare (runs mostly start in one day directory); a spare is used once. */
let spareFile: SpareFile | undefined;
let removeSpareAtExit = false;
/** What link(2) answers where a file system has no hard links (FAT, some network file systems). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'EXDEV', 'ENOSYS']);
/** Directories where a spare could not be linked (no hard links there): their runs make their own files. */
const noSpares = new Set<string>();

function takeSpare(directory: string): SpareFile | undefined {
  const spare = spareFile;
  if (spare?.directory !== directory) return undefined;
  spareFile = undefined;
  return spare;
}

/**
 * A spare for the next run in `directory`, replacing one made for another directory. Not being able
 * to make one only means the next admission creates its file itself. The spare's name is removed
 * when the process exits; one left by a process killed or crashed is an empty file no reader looks
 * at (only `.jsonl` names are runs), removed by the next process to make a spare in that directory.
 */
function makeSpare(directory: string, isAlive: ((pid: number) => boolean) | undefined): void {
  if (spareFile?.directory === directory || noSpares.has(directory)) return;
  dropSpare();
  if (isAlive !== undefined) removeAbandonedSpares(directory, isAlive);
  const path = join(directory, `${SPARE_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    spareFile = { directory, path, fd: openSync(path, 'ax', PRIVATE_FILE_MODE) };
  } catch {
    return;
  }
  if (!removeSpareAtExit) {
    removeSpareAtExit = true;
    process.once('exit', dropSpare);
  }
}

/** Day directories this process has looked through for spares of processes gone (once each). */
const tidied = new Set<string>();

/** In the background: a name this removes is never linked to a run, since only its (gone) maker would link it. */
function removeAbandonedSpares(directory: string, isAlive: (pid: number) => boolean): void {
  if (tidied.has(directory)) return;
  tidied.add(directory);
  readdir(directory).then(
    (names) => {
      for (const name of names) {
        const pid = isSpareName(name) ? Number(name.slice(SPARE_PREFIX.length).split('-')[0]) : Number.NaN;
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)) unlink(join(directory, name)).catch(() => undefined);
      }
    },
    () => undefined,
  );
}

function dropSpare(): void {
  const spare = spareFile;
  spareFile = undefined;
  if (spare === undefined) return;
  closeQuietly(spare.fd);
  unlinkQuietly(spare.path);
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

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or not ours to remove
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closing can only fail on a descriptor already gone; the data's fate was decided by fdatasync
  }
}

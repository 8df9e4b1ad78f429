/**
 * Runs on disk, append-only: `<dataDir>/runs/<YYYY-MM-DD>/<runId>.jsonl`, one record per line, the
 * header first (run-writer.ts), every record sealed under `<dataDir>/trace-key` (trace-seal.ts),
 * and one line per finished run in `<dataDir>/trace-ledger.jsonl` (run-ledger.ts). The day
 * directory comes from the run id, so listing newest first is a walk over sorted names that reads
 * only the files on the page (run-listing.ts); verify-traces checks it all (trace-verify.ts).
 */
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AttemptRecord, RunHeader, RunTrace } from '../../types/attempt.js';
import { createLedgerIndex } from './ledger-index.js';
import { createRunLedger, type LedgerRunLine } from './run-ledger.js';
import { listRuns } from './run-listing.js';
import { isInterrupted, processLiveness, type Liveness } from './run-liveness.js';
import { nextStartSeq } from './run-order.js';
import { startRunFile, type AttemptFields, type RunWriter } from './run-writer.js';
import { isSpareName } from './spare-files.js';
import { dayDirectories, directoryNames, readTextIfExists, runFilePath, TRACE_SUFFIX } from './trace-directory.js';
import { readTraceFile } from './trace-file.js';
import { ensureTraceKey } from './trace-key.js';
import { verifyTraces, type VerifyReport } from './trace-verify.js';

export { readTraceFile };
export type { RunWriter, AttemptFields };
export type { IncompleteRun, VerifyProblem, VerifyReport } from './trace-verify.js';

export interface TraceStoreOptions {
  dataDir: string;
  /** 0 = keep forever. */
  retentionDays: number;
  now?: () => number;
  /** This process, and how to tell whether another is alive (processLiveness() by default). */
  liveness?: Liveness;
  /** A finished run's ledger line could not be written (the run itself is durable); nothing by default. */
  onLedgerError?: (error: unknown, runId: string) => void;
}

/** The store records the writer's pid, its start sequence, the ledger head and the seal itself. */
type HeaderFields = Omit<RunHeader, 'type' | 'prevHash' | 'hash' | 'pid'>;

/** A run as read back, with what its ledger line adds. */
export interface StoredRun extends RunTrace {
  /**
   * The ledger records that the run finished, with more records than its file now holds: its
   * last records were cut off after it finished (it reads as interrupted).
   */
  truncated?: { records: number; held: number };
}

export interface TraceStore {
  readonly dataDir: string;
  startRun(header: HeaderFields): Promise<RunWriter>;
  get(runId: string): Promise<StoredRun | undefined>;
  /** Newest first (by start time, run-order.ts); `before` is a run id cursor: only runs that started before it are listed. */
  list(options: { limit: number; before?: string }): Promise<{ runs: StoredRun[]; next: string | null }>;
  verifyAll(): Promise<VerifyReport>;
  /**
   * Resolves when every run writer this store handed out that is closing has closed: its file
   * durable and its ledger line written. A server stopping waits for it, so that a run whose
   * client left just before is not cut off mid-write (nor its folder removed under it).
   */
  settle(): Promise<void>;
  /** Deletes day directories older than retentionDays, each recorded in the ledger first; returns how many files went. */
  prune(): Promise<number>;
}

const DAY_MS = 86_400_000;

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const configured = env.RLM_DATA_DIR;
  return configured !== undefined && configured !== '' ? configured : join(homedir(), '.rlm');
}

export function createTraceStore(options: TraceStoreOptions): TraceStore {
  const { dataDir, retentionDays } = options;
  if (!Number.isFinite(retentionDays) || retentionDays < 0) {
    throw new RangeError(`retentionDays must be 0 (keep forever) or a positive number of days, got ${retentionDays}.`);
  }
  const now = options.now ?? Date.now;
  const liveness = options.liveness ?? processLiveness();
  const onLedgerError = options.onLedgerError ?? (() => undefined);
  const runsDir = join(dataDir, 'runs');
  let key: Promise<Uint8Array> | undefined;
  const keyOf = (): Promise<Uint8Array> => {
    key ??= ensureTraceKey(dataDir).catch((error: unknown) => {
      key = undefined; // try again next time
      throw error;
    });
    return key;
  };
  const ledger = createRunLedger({ dataDir, key: keyOf, now, liveness });
  /** Writers' closes in flight (see settle). */
  const closings = new Set<Promise<void>>();
  const ledgerIndex = createLedgerIndex(ledger.path);
  let pruning: Promise<number> | undefined;

  const readRun = async (runId: string): Promise<StoredRun | undefined> => {
    const path = runFilePath(runsDir, runId);
    if (path === undefined) return undefined;
    const text = await readTextIfExists(path);
    if (text === undefined) return undefined;
    const [header, ...rest] = readTraceFile(text).records;
    if (header?.type !== 'run') return undefined;
    const attempts = rest.filter((record): record is AttemptRecord => record.type === 'attempt');
    if (attempts.some((attempt) => attempt.stage === 'finish')) return { header, attempts };
    // No finish record: still being written, or never to finish. The ledger knows the runs that did finish.
    const finished: LedgerRunLine | undefined = await ledgerIndex.finishedRun(runId);
    if (finished !== undefined) return { header, attempts, interrupted: true, truncated: { records: finished.records, held: attempts.length + 1 } };
    return isInterrupted(header, path, liveness) ? { header, attempts, interrupted: true } : { header, attempts };
  };

  return {
    dataDir,
    async startRun(header) {
      // Taken at once, before anything is awaited, so runs keep the order they were started in.
      const startSeq = nextStartSeq();
      if (runFilePath(runsDir, header.runId) === undefined) {
        throw new TypeError(`Cannot store run ${JSON.stringify(header.runId)}: not a run id (make one with newRunId).`);
      }
      const sealKey = await keyOf();
      const ledgerHead = await ledger.head();
      const writer = await startRunFile(runsDir, { ...header, pid: liveness.pid, startSeq, ledgerHead }, { key: sealKey, ledger, onLedgerError, isAlive: (pid) => liveness.isAlive(pid) });
      const close = (): Promise<void> => {
        const closing = writer.close();
        closings.add(closing);
        void closing.then(
          () => closings.delete(closing),
          () => closings.delete(closing),
        );
        return closing;
      };
      return {
        ...writer,
        header: writer.header,
        attempts: writer.attempts,
        close,
        closeDurable() {
          // The whole close (the ledger line too) is what settle waits for.
          void close();
          return writer.closeDurable();
        },
      };
    },
    async settle() {
      while (closings.size > 0) await Promise.allSettled([...closings]);
    },
    get: readRun,
    list: (listOptions) => listRuns(runsDir, listOptions, readRun),
    async verifyAll() {
      // This process's pruning (every command prunes as it opens) settles first, so what it removes is in the ledger,
      // and so do the ledger lines of the runs this process finished.
      await pruning?.catch(() => undefined);
      await ledger.idle();
      return verifyTraces({ dataDir, runsDir, liveness });
    },
    prune() {
      const task = prune(runsDir, retentionDays, now(), (day, files) => ledger.append({ type: 'prune', day, files }).then(() => undefined));
      pruning = task;
      return task;
    },
  };
}

async function prune(runsDir: string, retentionDays: number, now: number, record: (day: string, files: number) => Promise<void>): Promise<number> {
  if (retentionDays === 0) return 0;
  // A day is deleted only when all of it is more than retentionDays old, so no younger run goes.
  const cutoff = new Date(now - retentionDays * DAY_MS).toISOString().slice(0, 10);
  let deleted = 0;
  for (const day of await dayDirectories(runsDir)) {
    if (day >= cutoff) continue;
    const directory = join(runsDir, day);
    const files = await directoryNames(directory, 'files');
    // Recorded before it goes: a crash between the two leaves runs the ledger calls pruned, never runs missing.
    const runFiles = files.filter((name) => name.endsWith(TRACE_SUFFIX)).length;
    if (runFiles > 0) await record(day, runFiles);
    await rm(directory, { recursive: true, force: true });
    deleted += files.filter((name) => !isSpareName(name)).length;
  }
  return deleted;
}

/**
 * Runs on disk, append-only: `<dataDir>/runs/<YYYY-MM-DD>/<runId>.jsonl`, one record per line, the
 * header first. Each line goes out in one write on a file opened for appending, so a crash leaves at
 * most one torn last line, which readers skip. The day directory comes from the run id, so listing
 * newest first is a walk over sorted names that reads only the files on the page.
 */
import { open, readFile, readdir, rm, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runIdDate } from '../service/run-id.js';
import { sealAttempt, sealHeader, verifyChain } from './trace-chain.js';
import type { AttemptRecord, RunHeader, RunTrace, TraceRecord } from '../../types/attempt.js';
import { errorCode, syncDirectory, writeAll } from '../../utils/durable-file.js';
import { makePrivateDirectory, PRIVATE_FILE_MODE } from '../../utils/private-files.js';
import { beginWriting, endWriting, isInterrupted, processLiveness, type Liveness } from './run-liveness.js';
import { parseTraceLines, readTraceFile } from './trace-file.js';

export { readTraceFile };

export interface TraceStoreOptions {
  dataDir: string;
  /** 0 = keep forever. */
  retentionDays: number;
  now?: () => number;
  /** This process, and how to tell whether another is alive (processLiveness() by default). */
  liveness?: Liveness;
}

/** The store records the writer's pid itself. */
type HeaderFields = Omit<RunHeader, 'type' | 'prevHash' | 'hash' | 'pid'>;
type AttemptFields = Omit<AttemptRecord, 'type' | 'runId' | 'seq' | 'prevHash' | 'hash'>;

export interface RunWriter {
  readonly header: RunHeader;
  /** What was appended so far, in order (frozen records). */
  readonly attempts: readonly AttemptRecord[];
  /** Seals and writes one line; appends of one run are written in call order even if called concurrently. */
  append(attempt: AttemptFields): Promise<AttemptRecord>;
  /** Waits for pending appends, makes the file durable and closes it. */
  close(): Promise<void>;
}

export interface VerifyProblem {
  file: string;
  /** 1-based line in the file; 0 when the problem concerns the file as a whole. */
  line: number;
  runId: string;
  problem: string;
}

export interface VerifyReport {
  files: number;
  runs: number;
  records: number;
  tornLines: number;
  problems: VerifyProblem[];
}

export interface TraceStore {
  readonly dataDir: string;
  startRun(header: HeaderFields): Promise<RunWriter>;
  get(runId: string): Promise<RunTrace | undefined>;
  /** Newest first; `before` is a run id cursor: only runs strictly older are listed. */
  list(options: { limit: number; before?: string }): Promise<{ runs: RunTrace[]; next: string | null }>;
  verifyAll(): Promise<VerifyReport>;
  /** Deletes day directories older than retentionDays; returns how many files went. */
  prune(): Promise<number>;
}

const TRACE_SUFFIX = '.jsonl';
const DAY_DIRECTORY = /^\d{4}-\d{2}-\d{2}$/;
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
  const runsDir = join(dataDir, 'runs');
  return {
    dataDir,
    startRun: (header) => startRun(runsDir, { ...header, pid: liveness.pid }),
    get: (runId) => readRun(runsDir, runId, liveness),
    list: (listOptions) => listRuns(runsDir, listOptions, liveness),
    verifyAll: () => verifyAll(runsDir),
    prune: () => prune(runsDir, retentionDays, now()),
  };
}

async function startRun(runsDir: string, fields: HeaderFields & { pid: number }): Promise<RunWriter> {
  const day = runIdDate(fields.runId);
  // The id becomes a path: only the exact run id shape may name a file.
  if (day === undefined) throw new TypeError(`Cannot store run ${JSON.stringify(fields.runId)}: not a run id (make one with newRunId).`);
  const header = sealHeader(fields);
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
  return createRunWriter(handle, path, directory, header);
}

function createRunWriter(handle: FileHandle, path: string, directory: string, header: RunHeader): RunWriter {
  const attempts: AttemptRecord[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  let failure: { cause: unknown } | undefined;
  let closing: Promise<void> | undefined;

  async function appendNow(fields: AttemptFields): Promise<AttemptRecord> {
    // After a failed write the file may end in part of a line: chaining more onto it would bury it mid-file.
    if (failure !== undefined) {
      throw new Error(`Run ${header.runId}: an earlier append failed, so its trace cannot be continued.`, failure);
    }
    const record = sealAttempt(attempts.at(-1) ?? header, fields, attempts.length);
    try {
      await writeLine(handle, record);
    } catch (error) {
      failure = { cause: error };
      throw error;
    }
    attempts.push(record);
    return record;
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
      closing ??= (async () => {
        await queue;
        try {
          await handle.datasync();
        } finally {
          await handle.close();
          // Closed without a finish record (its write failed), the run can no longer finish: interrupted.
          endWriting(path);
        }
        await syncDirectory(directory);
      })();
      return closing;
    },
  };
}

async function writeLine(handle: FileHandle, record: TraceRecord): Promise<void> {
  await writeAll(handle, Buffer.from(`${JSON.stringify(record)}\n`, 'utf8'));
}

async function readRun(runsDir: string, runId: string, liveness: Liveness): Promise<RunTrace | undefined> {
  const day = runIdDate(runId);
  if (day === undefined) return undefined;
  return readRunFile(join(runsDir, day, `${runId}${TRACE_SUFFIX}`), liveness);
}

async function readRunFile(path: string, liveness: Liveness): Promise<RunTrace | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  const [header, ...rest] = readTraceFile(text).records;
  if (header?.type !== 'run') return undefined;
  const attempts = rest.filter((record): record is AttemptRecord => record.type === 'attempt');
  const finished = attempts.some((attempt) => attempt.stage === 'finish');
  return { header, attempts, ...(!finished && isInterrupted(header, path, liveness) ? { interrupted: true } : {}) };
}

async function listRuns(
  runsDir: string,
  options: { limit: number; before?: string },
  liveness: Liveness,
): Promise<{ runs: RunTrace[]; next: string | null }> {
  const { limit, before } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`list: limit must be a positive integer, got ${limit}.`);
  // Run ids sort by time as strings, so "older" is plain string order and any string works as a
  // cursor; a run id cursor also lets whole newer days be skipped unread.
  const beforeDay = before === undefined ? undefined : runIdDate(before);
  const days = (await directoryNames(runsDir, 'directories')).filter((name) => DAY_DIRECTORY.test(name)).sort().reverse();
  const runs: RunTrace[] = [];
  let lastRunId: string | null = null;
  for (const day of days) {
    if (beforeDay !== undefined && day > beforeDay) continue;
    const runIds = (await directoryNames(join(runsDir, day), 'files'))
      .filter((name) => name.endsWith(TRACE_SUFFIX))
      .map((name) => name.slice(0, -TRACE_SUFFIX.length))
      .filter((runId) => runIdDate(runId) === day && (before === undefined || runId < before))
      .sort()
      .reverse();
    for (const runId of runIds) {
      // A full page with more candidates behind it: the cursor is the file name, never file content.
      if (runs.length === limit) return { runs, next: lastRunId };
      const trace = await readRunFile(join(runsDir, day, `${runId}${TRACE_SUFFIX}`), liveness);
      if (trace === undefined) continue; // deleted meanwhile, or a crash before the header was whole
      runs.push(trace);
      lastRunId = runId;
    }
  }
  return { runs, next: null };
}

async function verifyAll(runsDir: string): Promise<VerifyReport> {
  const report: VerifyReport = { files: 0, runs: 0, records: 0, tornLines: 0, problems: [] };
  const days = (await directoryNames(runsDir, 'directories')).filter((name) => DAY_DIRECTORY.test(name)).sort();
  for (const day of days) {
    const names = (await directoryNames(join(runsDir, day), 'files')).filter((name) => name.endsWith(TRACE_SUFFIX)).sort();
    for (const name of names) {
      const file = join(runsDir, day, name);
      const text = await readTextIfExists(file);
      if (text === undefined) continue; // pruned while we walked
      report.files++;
      verifyFile(report, file, day, name.slice(0, -TRACE_SUFFIX.length), text);
    }
  }
  return report;
}

function verifyFile(report: VerifyReport, file: string, day: string, fileRunId: string, text: string): void {
  const { entries, torn, badLines } = parseTraceLines(text);
  const add = (line: number, runId: string, problem: string): void => {
    report.problems.push({ file, line, runId, problem });
  };
  if (torn) report.tornLines++;
  report.records += entries.length;
  for (const line of badLines) add(line, fileRunId, `line ${line} is not a trace record (unreadable, and not the last line)`);
  // Empty, or only a torn header: the process died before the run's first line was whole.
  const first = entries[0];
  if (first === undefined) return;
  report.runs++;
  const runId = first.record.runId;
  if (runId !== fileRunId || runIdDate(fileRunId) !== day) {
    add(0, runId, `the file ${day}/${fileRunId}${TRACE_SUFFIX} holds run ${runId} (renamed or moved)`);
  }
  for (const problem of verifyChain(entries.map((entry) => entry.record))) {
    add(entries[problem.index]?.line ?? 0, problem.runId, problem.problem);
  }
}

async function prune(runsDir: string, retentionDays: number, now: number): Promise<number> {
  if (retentionDays === 0) return 0;
  // A day is deleted only when all of it is more than retentionDays old, so no younger run goes.
  const cutoff = new Date(now - retentionDays * DAY_MS).toISOString().slice(0, 10);
  let deleted = 0;
  for (const day of await directoryNames(runsDir, 'directories')) {
    if (!DAY_DIRECTORY.test(day) || day >= cutoff) continue;
    const directory = join(runsDir, day);
    const files = await directoryNames(directory, 'files');
    await rm(directory, { recursive: true, force: true });
    deleted += files.length;
  }
  return deleted;
}

/** Names in a directory, of one kind; a missing directory has none. */
async function directoryNames(directory: string, kind: 'files' | 'directories'): Promise<string[]> {
  try {
    const entries = await readdir(directory, { withFileTypes: true });
    return entries.filter((entry) => (kind === 'files' ? entry.isFile() : entry.isDirectory())).map((entry) => entry.name);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}


/**
 * The ledger: `<dataDir>/trace-ledger.jsonl`, append-only, one sealed line per finished run (its id,
 * record count and last record's hash) and one per day directory retention removed. Each line
 * carries its position `n` and the previous line's hash, so the ledger is a chain of its own. A run
 * file can prove only what it still holds; the ledger remembers what there was, so a deleted run
 * file or a run cut short after it finished is found (trace-verify.ts).
 *
 * A run's line is written after the run's file is durable, and made durable itself. Appends are
 * grouped per file within the process: the lines asked for while a write is in progress go
 * together in the next one, under one lock (ledger-lock.ts, between processes), chained in order
 * after the line really last in the file, in one write and one fdatasync. One finished run alone
 * costs one fsync; runs finishing close together share theirs. A batch starts on the turn after
 * its first line was asked for (setImmediate), so the answer that made a run durable goes out
 * first, and at most one batch starts per BATCH_INTERVAL_MS: a line asked for sooner after the
 * last batch waits the rest of that interval, with every line asked for meanwhile. The small
 * file calls are synchronous (microseconds each); the fdatasync goes to the thread pool.
 */
import { closeSync, fdatasync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errorCode } from '../../utils/durable-file.js';
import { hashJson } from '../../utils/hash.js';
import { PRIVATE_FILE_MODE } from '../../utils/private-files.js';
import { syncDirectoryNow } from './directory-sync.js';
import { withLedgerLock } from './ledger-lock.js';
import type { Liveness } from './run-liveness.js';
import { checkSeals, sealOf } from './trace-seal.js';

export const LEDGER_FILE = 'trace-ledger.jsonl';

interface LedgerLineBase {
  /** The line's position in the chain: 0, 1, 2… */
  n: number;
  /** When it was written (ISO). */
  at: string;
  prevHash: string | null;
  hash: string;
  seal?: string;
}

/** A run that finished: its file then held `records` records, the last one hashing to `lastHash`. */
export interface LedgerRunLine extends LedgerLineBase {
  type: 'run';
  runId: string;
  records: number;
  lastHash: string;
}

/** Retention removed a day directory (`YYYY-MM-DD`) holding `files` run files: the runs the ledger recorded for that day are gone on purpose. */
export interface LedgerPruneLine extends LedgerLineBase {
  type: 'prune';
  day: string;
  files: number;
}

export type LedgerLine = LedgerRunLine | LedgerPruneLine;

/** The last line of the chain, as a run header records it (`ledgerHead`) when the run starts. */
export interface LedgerHead {
  n: number;
  hash: string;
}

type RunFields = Pick<LedgerRunLine, 'type' | 'runId' | 'records' | 'lastHash'>;
type PruneFields = Pick<LedgerPruneLine, 'type' | 'day' | 'files'>;

export interface RunLedger {
  readonly path: string;
  /** The last line this process knows of (read once, then kept by its own appends); null for an empty ledger. */
  head(): Promise<LedgerHead | null>;
  append(fields: RunFields | PruneFields): Promise<LedgerLine>;
  /** Resolves once no append to this ledger file is waiting or being written in this process. */
  idle(): Promise<void>;
}

export interface RunLedgerOptions {
  dataDir: string;
  /** The trace key (created on first use). */
  key: () => Promise<Uint8Array>;
  now: () => number;
  liveness: Liveness;
}

export function ledgerPath(dataDir: string): string {
  return join(dataDir, LEDGER_FILE);
}

/** A line asked for and not written yet, with what its ledger (the store that asked) knows. */
interface PendingLine {
  fields: RunFields | PruneFields;
  options: RunLedgerOptions;
  resolve(line: LedgerLine): void;
  reject(error: unknown): void;
}

/**
 * Per ledger file, process-wide (several stores may share a data directory): the lines waiting
 * for the next write, the write in progress, and the newest head seen.
 */
const waiting = new Map<string, PendingLine[]>();
const writing = new Map<string, Promise<void>>();
/** When the last batch of each ledger file started (performance.now()). */
const lastBatch = new Map<string, number>();

/**
 * At most this often a batch: a server finishing runs one after another writes its ledger a
 * few times a second, not once per run, while a run finishing alone has its line at once. A
 * power cut in that window leaves finished runs the ledger does not know (verify-traces: exit 3).
 */
export const BATCH_INTERVAL_MS = 50;
const heads = new Map<string, LedgerHead | null>();

/** How much of the file's end is read to find its last line (a line is a few hundred bytes). */
const TAIL_BYTES = 64 * 1024;

export function createRunLedger(options: RunLedgerOptions): RunLedger {
  const path = ledgerPath(options.dataDir);
  return {
    path,
    async head() {
      if (!heads.has(path)) {
        let fd: number | undefined;
        try {
          fd = openSync(path, 'r');
          remember(path, readTail(fd, fstatSync(fd).size).head);
        } catch (error) {
          if (errorCode(error) !== 'ENOENT') throw error;
          remember(path, null);
        } finally {
          if (fd !== undefined) closeSync(fd);
        }
      }
      return heads.get(path) ?? null;
    },
    append(fields) {
      return new Promise((resolve, reject) => {
        const queue = waiting.get(path) ?? [];
        queue.push({ fields, options, resolve, reject });
        waiting.set(path, queue);
        if (!writing.has(path)) writing.set(path, new Promise<void>((started) => setImmediate(started)).then(() => drain(path)));
      });
    },
    async idle() {
      for (let current = writing.get(path); current !== undefined; current = writing.get(path)) await current;
    },
  };
}

function remember(path: string, head: LedgerHead | null): void {
  const known = heads.get(path);
  if (known === undefined || (head !== null && (known === null || head.n > known.n))) heads.set(path, head);
}

/** Writes what is waiting, batch after batch, until nothing is; each caller gets its own answer. */
async function drain(path: string): Promise<void> {
  try {
    for (;;) {
      const wait = (lastBatch.get(path) ?? -Infinity) + BATCH_INTERVAL_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const batch = take(path);
      if (batch.length === 0) return;
      lastBatch.set(path, performance.now());
      try {
        const lines = await writeBatch(path, batch);
        batch.forEach((pending, index) => pending.resolve(lines[index] as LedgerLine));
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
  } finally {
    writing.delete(path);
  }
}

function take(path: string): PendingLine[] {
  const batch = waiting.get(path) ?? [];
  waiting.delete(path);
  return batch;
}

async function writeBatch(path: string, batch: readonly PendingLine[]): Promise<LedgerLine[]> {
  const first = batch[0] as PendingLine;
  const keys = await Promise.all(batch.map((pending) => pending.options.key()));
  return withLedgerLock(`${path}.lock`, first.options.liveness, async () => {
    const fd = openSync(path, 'a+', PRIVATE_FILE_MODE);
    const lines: LedgerLine[] = [];
    let created: boolean;
    try {
      const { size } = fstatSync(fd);
      created = size === 0;
      const tail = readTail(fd, size);
      let head = tail.head;
      batch.forEach(({ fields, options }, index) => {
        const { type, ...rest } = fields;
        const unsealed = { type, n: head === null ? 0 : head.n + 1, ...rest, at: new Date(options.now()).toISOString(), prevHash: head?.hash ?? null };
        const hash = hashJson(unsealed);
        const line = { ...unsealed, hash, seal: sealOf(keys[index] as Uint8Array, hash) } as LedgerLine;
        lines.push(line);
        head = { n: line.n, hash };
      });
      // A line torn by a crash mid-append is ended first, so it stays one unreadable line the chain steps over.
      const text = `${tail.endsWithNewline ? '' : '\n'}${lines.map((line) => `${JSON.stringify(line)}\n`).join('')}`;
      writeAllSync(fd, Buffer.from(text, 'utf8'));
      await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    } finally {
      closeSync(fd);
    }
    if (created) await syncDirectoryNow(first.options.dataDir);
    const last = lines.at(-1) as LedgerLine;
    remember(path, { n: last.n, hash: last.hash });
    return lines;
  });
}

function writeAllSync(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const written = writeSync(fd, bytes, offset, bytes.length - offset);
    if (written === 0) throw new Error('Writing to the trace ledger made no progress (is the disk full?).');
    offset += written;
  }
}

/**
 * The last whole ledger line in the file's end, and whether the file ends a line (a crash may have
 * torn the last). A line is a few hundred bytes: the last 4 KiB nearly always hold one; only
 * when they do not (torn or damaged lines) is the window widened to TAIL_BYTES.
 */
function readTail(fd: number, size: number): { head: LedgerHead | null; endsWithNewline: boolean } {
  if (size === 0) return { head: null, endsWithNewline: true };
  for (const window of [4096, TAIL_BYTES]) {
    const length = Math.min(size, window);
    const buffer = Buffer.alloc(length);
    const bytesRead = readSync(fd, buffer, 0, length, size - length);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const lines = text.split('\n');
    lines.pop(); // '' after the final newline, or a torn last line
    if (length < size) lines.shift(); // the window began inside a line
    for (const lineText of lines.reverse()) {
      const value = parseJson(lineText);
      if (isLedgerLine(value)) return { head: { n: value.n, hash: value.hash }, endsWithNewline: text.endsWith('\n') };
    }
    if (length === size) break;
  }
  throw new Error(`The trace ledger ${TAIL_BYTES / 1024} KiB from its end holds no readable line; it cannot be continued.`);
}

export interface LedgerReading {
  lines: { line: LedgerLine; lineNumber: number }[];
  problems: { lineNumber: number; problem: string }[];
  /** Lines that are not JSON: torn by a crash mid-append (and ended by the next append), skipped. */
  tornLines: number;
  sealed: boolean;
}

/**
 * Reads and checks the ledger's text (pure): every line hashes to its `hash`, carries a seal that
 * matches under `key` (when known), is the next `n` and chains to the line before. Torn lines are
 * stepped over: the chain must hold across them, so a removed line still shows.
 */
export function readLedger(text: string, key: Uint8Array | undefined): LedgerReading {
  const reading: LedgerReading = { lines: [], problems: [], tornLines: 0, sealed: false };
  const texts = text.split('\n');
  if (texts.at(-1) === '') texts.pop();
  let previous: LedgerLine | undefined;
  texts.forEach((lineText, index) => {
    const lineNumber = index + 1;
    const report = (problem: string): void => {
      reading.problems.push({ lineNumber, problem: `ledger line ${lineNumber}: ${problem}` });
    };
    const value = parseJson(lineText);
    if (value === undefined) {
      reading.tornLines++;
      return;
    }
    if (!isLedgerLine(value)) {
      report('is not a ledger line');
      return;
    }
    reading.lines.push({ line: value, lineNumber });
    const content = Object.fromEntries(Object.entries(value).filter(([name]) => name !== 'hash' && name !== 'seal'));
    if (hashJson(content) !== value.hash) report('hash does not match its content (changed after it was written)');
    const seals = checkSeals([value], key);
    if (seals.state === 'unsealed') report('has no seal (every ledger line is sealed)');
    else reading.sealed = true;
    for (const { problem } of seals.problems) report(problem);
    const expected = previous === undefined ? 0 : previous.n + 1;
    if (value.n !== expected) report(`is entry ${value.n}, expected ${expected} (entries before it are missing, extra or out of order)`);
    if (value.prevHash !== (previous?.hash ?? null)) report('prevHash is not the previous entry\'s hash (an entry was removed, inserted or rewritten before it)');
    previous = value;
  });
  return reading;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // a torn line: the caller counts it
  }
}

function isLedgerLine(value: unknown): value is LedgerLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const line = value as Record<string, unknown>;
  const base =
    Number.isInteger(line.n) && typeof line.at === 'string' && typeof line.hash === 'string' && (line.prevHash === null || typeof line.prevHash === 'string');
  if (!base) return false;
  if (line.type === 'run') return typeof line.runId === 'string' && Number.isInteger(line.records) && typeof line.lastHash === 'string';
  return line.type === 'prune' && typeof line.day === 'string' && Number.isInteger(line.files);
}

/**
 * The ledger: `<dataDir>/trace-ledger.jsonl`, append-only, one sealed line per finished run (its id,
 * record count and last record's hash) and one per day directory retention removed. Each line
 * carries its position `n` and the previous line's hash, so the ledger is a chain of its own. A run
 * file can prove only what it still holds; the ledger remembers what there was, so a deleted run
 * file or a run cut short after it finished is found (trace-verify.ts).
 *
 * A run's line is written after the run's file is durable, and made durable itself (one fsync per
 * finished run). Appends are serialized per file within the process and locked between processes
 * (ledger-lock.ts), and each reads the line really last in the file before chaining to it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory, writeAll } from '../../utils/durable-file.js';
import { hashJson } from '../../utils/hash.js';
import { PRIVATE_FILE_MODE } from '../../utils/private-files.js';
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

/** Per ledger file, process-wide: the queue of appends, and the newest head seen. Several stores may share a data directory. */
const queues = new Map<string, Promise<unknown>>();
const heads = new Map<string, LedgerHead | null>();

/** How much of the file's end is read to find its last line (a line is a few hundred bytes). */
const TAIL_BYTES = 64 * 1024;

export function createRunLedger(options: RunLedgerOptions): RunLedger {
  const { dataDir, liveness } = options;
  const path = ledgerPath(dataDir);

  const remember = (head: LedgerHead | null): void => {
    const known = heads.get(path);
    if (known === undefined || (head !== null && (known === null || head.n > known.n))) heads.set(path, head);
  };

  async function appendNow(fields: RunFields | PruneFields): Promise<LedgerLine> {
    const key = await options.key();
    return withLedgerLock(`${path}.lock`, liveness, async () => {
      const handle = await open(path, 'a+', PRIVATE_FILE_MODE);
      let line: LedgerLine;
      let created: boolean;
      try {
        const { size } = await handle.stat();
        created = size === 0;
        const tail = await readTail(handle, size);
        const { type, ...rest } = fields;
        const unsealed = { type, n: tail.head === null ? 0 : tail.head.n + 1, ...rest, at: new Date(options.now()).toISOString(), prevHash: tail.head?.hash ?? null };
        const hash = hashJson(unsealed);
        line = { ...unsealed, hash, seal: sealOf(key, hash) } as LedgerLine;
        // A line torn by a crash mid-append is ended first, so it stays one unreadable line the chain steps over.
        await writeAll(handle, Buffer.from(`${tail.endsWithNewline ? '' : '\n'}${JSON.stringify(line)}\n`, 'utf8'));
        await handle.datasync();
      } finally {
        await handle.close();
      }
      if (created) await syncDirectory(dataDir);
      remember({ n: line.n, hash: line.hash });
      return line;
    });
  }

  return {
    path,
    async head() {
      if (!heads.has(path)) {
        let handle: FileHandle | undefined;
        try {
          handle = await open(path, 'r');
          remember((await readTail(handle, (await handle.stat()).size)).head);
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
          remember(null);
        } finally {
          await handle?.close();
        }
      }
      return heads.get(path) ?? null;
    },
    append(fields) {
      const task = (queues.get(path) ?? Promise.resolve()).then(() => appendNow(fields));
      // Each caller gets its own rejection; the queue itself keeps going.
      queues.set(path, task.catch(() => undefined));
      return task;
    },
  };
}

/** The last whole ledger line in the file's end, and whether the file ends a line (a crash may have torn the last). */
async function readTail(handle: FileHandle, size: number): Promise<{ head: LedgerHead | null; endsWithNewline: boolean }> {
  if (size === 0) return { head: null, endsWithNewline: true };
  const length = Math.min(size, TAIL_BYTES);
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, size - length);
  const text = buffer.subarray(0, bytesRead).toString('utf8');
  const lines = text.split('\n');
  lines.pop(); // '' after the final newline, or a torn last line
  if (length < size) lines.shift(); // the window began inside a line
  for (const lineText of lines.reverse()) {
    const value = parseJson(lineText);
    if (isLedgerLine(value)) return { head: { n: value.n, hash: value.hash }, endsWithNewline: text.endsWith('\n') };
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

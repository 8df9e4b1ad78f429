/**
 * Which runs the ledger records as finished, for reading a run's status: a run without a finish
 * record that the ledger records did finish was cut short afterwards, and is not running whatever
 * its writer's pid says. The ledger is read incrementally (only what was appended since the last
 * look) and only when a run without a finish record is read, which is rare. This is for display;
 * verify-traces checks the ledger's chain and seals itself.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { isMissing } from './trace-directory.js';
import type { LedgerRunLine } from './run-ledger.js';

export interface LedgerIndex {
  /** The ledger's line for a finished run, if it has one. */
  finishedRun(runId: string): Promise<LedgerRunLine | undefined>;
}

export function createLedgerIndex(path: string): LedgerIndex {
  const runs = new Map<string, LedgerRunLine>();
  let offset = 0;
  let reading: Promise<void> | undefined;

  async function readNew(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'r');
      const { size } = await handle.stat();
      if (size < offset) {
        // Shorter than what was read: replaced or cut; start over (verify-traces says what happened).
        runs.clear();
        offset = 0;
      }
      if (size === offset) return;
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end === -1) return; // no whole line yet
      for (const line of text.slice(0, end).split('\n')) {
        const entry = parse(line);
        if (entry !== undefined) runs.set(entry.runId, entry);
      }
      offset += Buffer.byteLength(text.slice(0, end + 1), 'utf8');
    } catch (error) {
      if (!isMissing(error)) throw error;
    } finally {
      await handle?.close();
    }
  }

  return {
    async finishedRun(runId) {
      reading ??= readNew().finally(() => (reading = undefined));
      await reading;
      return runs.get(runId);
    },
  };
}

function parse(line: string): LedgerRunLine | undefined {
  try {
    const value = JSON.parse(line) as Partial<LedgerRunLine> | null;
    return value?.type === 'run' && typeof value.runId === 'string' && typeof value.records === 'number' ? (value as LedgerRunLine) : undefined;
  } catch {
    return undefined; // a torn line; verify-traces counts it
  }
}

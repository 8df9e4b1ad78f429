/** Reading a trace file's text (pure): its records, a torn last line, and damaged lines. */
import type { TraceRecord } from '../../types/attempt.js';

/**
 * The records of a trace file's text. The last line may be torn by a crash mid-write: if it is not
 * JSON it is skipped and `torn` is set. Any other line that is not a record is listed in `badLines`
 * (1-based): that is damage, not a crash.
 */
export function readTraceFile(text: string): { records: TraceRecord[]; torn: boolean; badLines: number[] } {
  const { entries, torn, badLines } = parseTraceLines(text);
  return { records: entries.map((entry) => entry.record), torn, badLines };
}

export interface TraceLine {
  record: TraceRecord;
  /** 1-based line number in the file. */
  line: number;
}

export function parseTraceLines(text: string): { entries: TraceLine[]; torn: boolean; badLines: number[] } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop(); // the newline that ends the last line, not an empty line
  const entries: TraceLine[] = [];
  const badLines: number[] = [];
  let torn = false;
  lines.forEach((lineText, index) => {
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch {
      // Not swallowed: reported as torn (a prefix of a line is never valid JSON) or as a bad line.
      if (line === lines.length) torn = true;
      else badLines.push(line);
      return;
    }
    // Valid JSON that is not a record cannot come from a crash, even on the last line.
    if (isTraceRecord(value)) entries.push({ record: value, line });
    else badLines.push(line);
  });
  return { entries, torn, badLines };
}

function isTraceRecord(value: unknown): value is TraceRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.runId !== 'string' || typeof record.hash !== 'string') return false;
  if (record.type === 'run') return record.prevHash === null;
  return (
    record.type === 'attempt' &&
    typeof record.prevHash === 'string' &&
    typeof record.seq === 'number' &&
    typeof record.attemptId === 'string'
  );
}

/**
 * How runs and their attempts read in the terminal (`rlm ask`'s timeline, `rlm runs`, `rlm show`):
 * pure functions from records to text, so every command says the same thing the same way.
 */
import { lastUserText } from '../orchestrator/loop/conversation-text.js';
import type { RunSummary } from '../orchestrator/loop/types.js';
import type { AttemptRecord, RunHeader } from '../types/attempt.js';
import type { OpenAIChatMessage } from '../types/openai.js';

/** The last user message of a stored request, or '' when there is none (or the record is damaged). */
export function questionOf(header: RunHeader): string {
  const messages = header.request['messages'];
  if (!Array.isArray(messages)) return '';
  const readable = messages.filter((message): message is OpenAIChatMessage => typeof message === 'object' && message !== null);
  return lastUserText(readable);
}

/** One line, at most `width` characters: whitespace collapsed, the cut marked with "...". */
export function shorten(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 3)).trimEnd()}...`;
}

/** "2026-11-24 01:33:42" (UTC) from an ISO time; the text as given when it is not one. */
export function utcTime(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString().slice(0, 19).replace('T', ' ');
}

export function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The model called (and, with several backends, on which), or the check's or decision's name. */
export function attemptLabel(attempt: AttemptRecord): string {
  if (attempt.model !== null) return attempt.backend !== undefined ? `${attempt.model} on ${attempt.backend}` : attempt.model;
  return attempt.name ?? '-';
}

/** What the attempt came to, in a few words ("REJECTED, 2 issues", "draft (tier 1)"); errors are shown apart. */
export function attemptOutcome(attempt: AttemptRecord): string {
  const cached = attempt.cacheHit ? ', from cache' : '';
  const issues = plural(attempt.issues.length, 'issue');
  switch (attempt.stage) {
    case 'retrieve': {
      if (attempt.error !== null) return 'failed';
      const chunks = attempt.output?.data?.['chunks'];
      const count = Array.isArray(chunks) ? chunks.length : 0;
      const best: unknown = Array.isArray(chunks) ? (chunks[0] as { score?: unknown } | undefined)?.score : undefined;
      return `${plural(count, 'chunk')} from index ${attempt.name ?? '?'}${typeof best === 'number' ? `, best score ${best.toFixed(2)}` : ''}`;
    }
    case 'plan': {
      if (attempt.error !== null) return 'unreadable, going on without a plan';
      const checks = attempt.output?.data?.['checks'];
      return `${plural(Array.isArray(checks) ? checks.length : 0, 'check')}${cached}`;
    }
    case 'generate':
      return attempt.error !== null ? 'failed' : `draft (tier ${attempt.tier})${cached}`;
    case 'check':
      return attempt.verdict === 'APPROVED' ? 'passed' : `failed, ${issues}`;
    case 'verify':
      if (attempt.verdict === 'APPROVED') return `APPROVED${cached}`;
      return `REJECTED, ${issues}${attempt.error !== null ? ' (unreadable verdict)' : ''}${cached}`;
    case 'revise':
      return attempt.error !== null ? 'no revision' : `revised${cached}`;
    case 'decision':
      return attempt.output?.content ?? '';
    case 'finish':
      return attempt.name ?? '';
  }
}

/** The lines under an attempt: its issues, then its error. */
export function attemptDetails(attempt: AttemptRecord, indent: string, width = Number.POSITIVE_INFINITY): string[] {
  const lines = attempt.issues.map((issue) => `${indent}- ${shorten(issue, width)}`);
  if (attempt.error !== null) lines.push(`${indent}! ${shorten(attempt.error, width)}`);
  return lines;
}

/**
 * A run's status in words: the summary's, except that an interrupted run the ledger records as
 * finished is "truncated" (its last records were cut off after it finished).
 */
export function runStatusText(status: RunSummary['status'], run: { truncated?: unknown }): string {
  return status === 'interrupted' && run.truncated !== undefined ? 'truncated' : status;
}

/** "approved yes, confidence 0.74, 5 attempts, not escalated, 1.2 s". */
export function summaryText(summary: RunSummary): string {
  const status = summary.status === 'completed' ? '' : `${summary.status}, `;
  return (
    `${status}approved ${summary.approved ? 'yes' : 'no'}, confidence ${summary.confidence}, ${plural(summary.attempts, 'attempt')}, ` +
    `${summary.escalated ? 'escalated' : 'not escalated'}, ${seconds(summary.durationMs)}`
  );
}

/** Rows of cells as aligned columns; `right` names the columns aligned to the right (numbers). */
export function formatTable(rows: readonly string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => {
        if (column === row.length - 1 && !right.has(column)) return cell; // no trailing spaces
        return right.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0);
      })
      .join('  ')
      .trimEnd(),
  );
}

/** `rlm runs [--limit N] [--before RUN_ID]`: recent runs, newest first, a page at a time. */
import { join } from 'node:path';
import { summarizeRun } from '../orchestrator/loop/run-summary.js';
import type { StoredRun } from '../orchestrator/traces/trace-store.js';
import type { CliIo } from './io.js';
import { openApp } from './open-app.js';
import { formatTable, questionOf, runStatusText, shorten, utcTime } from './trace-text.js';
import { UsageError } from './usage-error.js';

export const RUNS_FLAGS: ReadonlySet<string> = new Set(['--limit', '--before']);

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;
const QUESTION_WIDTH = 60;

export async function runsCommand(flags: Map<string, string>, io: CliIo): Promise<number> {
  const limit = parseLimit(flags.get('--limit'));
  const before = flags.get('--before');
  const app = await openApp(flags, io, RUNS_FLAGS);
  const page = await app.pipeline.traces.list({ limit, ...(before !== undefined ? { before } : {}) });

  if (flags.has('--json')) {
    io.stdout(`${JSON.stringify({ runs: page.runs.map(listEntry), next: page.next }, null, 2)}\n`);
    return 0;
  }
  if (page.runs.length === 0) {
    io.stdout(`${before === undefined ? 'No runs yet' : `No runs before ${before}`} in ${join(app.config.dataDir, 'runs')}.\n`);
    return 0;
  }
  const header = ['RUN', 'STARTED (UTC)', 'MODEL', 'STATUS', 'APPROVED', 'CONFIDENCE', 'ATTEMPTS', 'QUESTION'];
  const rows = page.runs.map((trace) => {
    const entry = listEntry(trace);
    return [
      entry.runId,
      utcTime(entry.startedAt),
      entry.model === entry.profile ? entry.model : `${entry.model} (${entry.profile})`,
      runStatusText(entry.status, trace),
      entry.approved ? 'yes' : 'no',
      entry.confidence.toFixed(2),
      String(entry.attempts),
      shorten(entry.question, QUESTION_WIDTH),
    ];
  });
  const lines = formatTable([header, ...rows], new Set([5, 6]));
  if (page.next !== null) lines.push('', `more: rlm runs --before ${page.next}${flags.has('--limit') ? ` --limit ${limit}` : ''}`);
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got "${text}"`);
  }
  return limit;
}

/** The run's summary with what the list shows beside it (the same shape as GET /v1/rlm/runs). */
function listEntry(trace: StoredRun) {
  const { header } = trace;
  return {
    ...summarizeRun(trace),
    ...(trace.truncated !== undefined ? { truncated: trace.truncated } : {}),
    profile: header.profile,
    model: header.requestedModel,
    startedAt: header.startedAt,
    question: questionOf(header),
  };
}

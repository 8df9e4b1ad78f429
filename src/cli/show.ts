/** `rlm show <run-id>`: one run as recorded: what was asked, every attempt in order, the answer and the verdict. */
import { summarizeRun } from '../orchestrator/loop/run-summary.js';
import type { StoredRun } from '../orchestrator/traces/trace-store.js';
import type { AttemptRecord, RunTrace } from '../types/attempt.js';
import type { CliIo } from './io.js';
import { openApp } from './open-app.js';
import { attemptDetails, attemptLabel, attemptOutcome, formatTable, questionOf, summaryText, utcTime } from './trace-text.js';
import { UsageError } from './usage-error.js';

export async function showCommand(flags: Map<string, string>, runId: string | undefined, io: CliIo): Promise<number> {
  if (runId === undefined) throw new UsageError('rlm show needs a run id, e.g. rlm show run-20261124T013342Z-k3v9x0qa (rlm runs lists them)');
  const app = await openApp(flags, io);
  const trace = await app.pipeline.traces.get(runId);
  if (trace === undefined) {
    io.stderr(`rlm: no run with id "${runId}" in ${app.config.dataDir} (rlm runs lists the recent ones).\n`);
    return 1;
  }
  const summary = summarizeRun(trace);
  if (flags.has('--json')) {
    const truncated = trace.truncated !== undefined ? { truncated: trace.truncated } : {};
    io.stdout(`${JSON.stringify({ summary, ...truncated, header: trace.header, attempts: trace.attempts }, null, 2)}\n`);
    return 0;
  }
  const answer = summary.answer;
  const calls = (answer?.toolCalls ?? []).map((call) => `(calls ${call.name} with ${call.arguments})`);
  const lines = [
    ...headerLines(trace),
    '',
    ...timelineLines(trace.attempts),
    '',
    'answer:',
    answer === null ? '  (none)' : [answer.content, ...calls].filter((part) => part !== '').join('\n'),
    '',
    summaryText(summary),
    ...statusNote(summary.status, trace),
    `models ${summary.models.join(', ') || 'none'}; tokens ${summary.usage.prompt_tokens} in, ${summary.usage.completion_tokens} out`,
    ...(summary.issues.length > 0 ? ['unresolved issues:', ...summary.issues.map((issue) => `  - ${issue}`)] : []),
  ];
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

function headerLines(trace: RunTrace): string[] {
  const { header } = trace;
  const model = header.requestedModel === header.profile ? header.requestedModel : `${header.requestedModel} (profile ${header.profile})`;
  const question = questionOf(header).split('\n');
  return [
    `run       ${header.runId}`,
    `model     ${model}`,
    `started   ${utcTime(header.startedAt)} UTC`,
    `question  ${question[0] ?? ''}`,
    ...question.slice(1).map((line) => `          ${line}`),
  ];
}

const INDENT = ' '.repeat(8);

const INTERRUPTED_NOTE = 'interrupted: the process running it stopped (a crash or a kill) before it finished; it will not finish.';

/** What "interrupted" means here: a run cut off by a crash, or one whose records were cut off after it finished. */
function statusNote(status: string, trace: StoredRun): string[] {
  if (status !== 'interrupted') return [];
  if (trace.truncated === undefined) return [INTERRUPTED_NOTE];
  const { records, held } = trace.truncated;
  return [
    `truncated: the ledger records that this run finished with ${records} records; its file now holds ${held}. ` +
      'Its last records were cut off after it finished (rlm verify-traces reports it).',
  ];
}

/** One row per attempt; issues and errors indented beneath it. */
function timelineLines(attempts: readonly AttemptRecord[]): string[] {
  const header = ['SEQ', 'STAGE', 'TIER', 'MODEL/NAME', 'MS', 'TOKENS', 'RESULT'];
  const rows = attempts.map((attempt) => [
    String(attempt.seq),
    attempt.stage,
    String(attempt.tier),
    attemptLabel(attempt),
    String(Math.round(attempt.durationMs)),
    attempt.model === null ? '' : `${attempt.tokens.prompt}+${attempt.tokens.completion}`,
    attemptOutcome(attempt),
  ]);
  const table = formatTable([header, ...rows], new Set([0, 2, 4, 5])).map((line) => `  ${line}`);
  const lines = [table[0] as string];
  attempts.forEach((attempt, index) => lines.push(table[index + 1] as string, ...attemptDetails(attempt, INDENT)));
  return lines;
}

/**
 * `rlm ask "question" [--profile NAME]`: one pipeline run in this process, no server. The stages
 * go by on stderr as they are recorded, the answer goes to stdout, so `rlm ask … > answer.txt`
 * keeps only the answer. Exit 0 approved, 3 answered but not approved, 1 failed, 130 on Ctrl-C.
 */
import { parseChatRequest } from '../api/chat/chat-request.js';
import type { ProgressEvent, RunSummary } from '../orchestrator/loop/types.js';
import type { AppDeps } from '../server/context.js';
import type { Profile } from '../types/profile.js';
import { RlmError } from '../utils/errors.js';
import type { CliIo } from './io.js';
import { openApp } from './open-app.js';
import { attemptDetails, attemptLabel, attemptOutcome, summaryText } from './trace-text.js';
import { UsageError } from './usage-error.js';

export const ASK_FLAGS: ReadonlySet<string> = new Set(['--profile']);

/** Exit status for an answer the verifier never approved: distinct from success and from failure. */
export const EXIT_UNAPPROVED = 3;
export const EXIT_INTERRUPTED = 130;

/** Issues and errors in the live timeline are cut to this many characters (`rlm show` has them whole). */
const DETAIL_WIDTH = 120;

export async function askCommand(flags: Map<string, string>, words: readonly string[], io: CliIo): Promise<number> {
  const question = words.join(' ').trim();
  if (question === '') throw new UsageError('rlm ask needs a question, e.g. rlm ask "What is the capital of France?" [--profile NAME]');
  const app = await openApp(flags, io, ASK_FLAGS);
  const controller = new AbortController();
  io.onSignal('SIGINT', () => {
    if (controller.signal.aborted) return;
    io.stderr('\nrlm: stopping the run...\n');
    controller.abort();
  });
  try {
    return await ask(app, question, flags, io, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) {
      io.stderr('rlm: stopped before the run began.\n');
      return EXIT_INTERRUPTED;
    }
    throw error;
  }
}

async function ask(app: AppDeps, question: string, flags: Map<string, string>, io: CliIo, signal: AbortSignal): Promise<number> {
  const { pipeline } = app;
  const profileName = flags.get('--profile') ?? (await pipeline.currentConfig(signal)).config.defaultProfile;
  const request = parseChatRequest({ model: profileName, messages: [{ role: 'user', content: question }] });
  const profile = await pipeline.resolveModel(profileName, signal);
  if (profile === undefined) {
    const names = Object.keys((await pipeline.currentConfig(signal)).config.profiles);
    throw new UsageError(`there is no profile "${profileName}". Profiles: ${names.join(', ')}; or rlm/<an installed Ollama model>. See rlm models.`);
  }
  await pipeline.checkProfileModels(profile, signal);

  const runId = pipeline.newRunId();
  io.stderr(`rlm: asking ${profile.name}: ${roles(profile)}\n`);
  const startedAt = app.now();
  const labelWidth = Math.max(16, ...[profile.planner, profile.generator, profile.verifier, ...profile.ladder].map((name) => name.length));
  const onProgress = (event: ProgressEvent): void => io.stderr(timelineLines(event, startedAt, labelWidth).join(''));

  let summary: RunSummary;
  try {
    ({ summary } = await pipeline.run({ runId, profile, requestedModel: request.model, request, signal, onProgress }));
  } catch (error) {
    const recorded = (await pipeline.traces.get(runId).catch(() => undefined)) !== undefined;
    const see = recorded ? ` (see: rlm show ${runId})` : '';
    if (signal.aborted) {
      io.stderr(`rlm: stopped; ${recorded ? `run ${runId} is recorded as aborted${see}` : 'nothing was recorded'}.\n`);
      return EXIT_INTERRUPTED;
    }
    if (!(error instanceof RlmError)) throw error;
    io.stderr(`rlm: ${error.message}${see}\n`);
    return 1;
  }

  const answer = summary.answer?.content ?? '';
  if (flags.has('--json')) io.stdout(`${JSON.stringify({ answer, summary }, null, 2)}\n`);
  else io.stdout(answer.endsWith('\n') ? answer : `${answer}\n`);
  const unresolved = summary.issues.map((issue) => `  - ${issue}\n`).join('');
  io.stderr(`\n${summaryText(summary)}\n${unresolved ? `unresolved issues:\n${unresolved}` : ''}run ${runId}; see: rlm show ${runId}\n`);
  return summary.approved ? 0 : EXIT_UNAPPROVED;
}

function roles(profile: Profile): string {
  const ladder = profile.ladder.length > 0 ? `, then ${profile.ladder.join(', then ')}` : '';
  return `planner ${profile.planner}, generator ${profile.generator}${ladder}, verifier ${profile.verifier}`;
}

/** "   1.9s  verify    qwen2.5:0.5b        380 ms  REJECTED, 1 issue", then its issues indented. */
function timelineLines(event: ProgressEvent, startedAt: number, labelWidth: number): string[] {
  const { attempt } = event;
  const elapsed = Math.max(0, Date.parse(attempt.startedAt) + attempt.durationMs - startedAt);
  const took = attempt.model !== null || attempt.durationMs > 0 ? `${Math.round(attempt.durationMs)} ms` : '';
  const line = [
    `${(elapsed / 1000).toFixed(1)}s`.padStart(7),
    attempt.stage.padEnd(8),
    attemptLabel(attempt).padEnd(labelWidth),
    took.padStart(8),
    attemptOutcome(attempt),
  ].join('  ');
  const indent = ' '.repeat(7 + 2 + 8 + 2);
  return [`${line.trimEnd()}\n`, ...attemptDetails(attempt, indent, DETAIL_WIDTH).map((detail) => `${detail}\n`)];
}

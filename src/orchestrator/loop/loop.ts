/**
 * The loop: plan -> generate -> verify -> revise -> escalate, recorded attempt by attempt.
 * Pseudocode and every policy knob: docs/pipeline.md. The run's answer, approval and confidence
 * are derived from its attempts afterwards (run-summary.ts), never kept on the side.
 */
import { ClientAbortedError, RlmError } from '../../utils/errors.js';
import { hashJson } from '../../utils/hash.js';
import { bestDraft, canRevise, nextTier, tierModel } from './escalate.js';
import { generateDraft } from './generate.js';
import { planStage, type Plan } from './plan.js';
import { retrieveContext } from './retrieve.js';
import { FIRST_TRY, retryProfile, type RetryPlan } from './retry.js';
import { reviseDraft } from './revise.js';
import { chooseRevisionBase, type JudgedDraft } from './revision-base.js';
import { withoutOwnNotes } from './own-notes.js';
import { createRunContext, noModelCall, record, recordDecision, writeRecorded, type RecordedAttempt, type RunContext } from './run-context.js';
import { computeConfidence } from './confidence.js';
import { summarizeRun } from './run-summary.js';
import type { RunWriter } from '../traces/trace-store.js';
import type { PipelineDeps, PipelineRequest, PipelineResult, RunRequest } from './types.js';
import { verifyDraft } from './verify.js';

/** 422: every tier was rejected and the profile says to fail rather than answer unapproved. */
export class PipelineRejectedError extends RlmError {
  /** The issues the last tier left unresolved. */
  readonly issues: readonly string[];

  constructor(runId: string, issues: readonly string[]) {
    super(
      `No tier produced an approved answer (run ${runId}). Last issues: ${issues.join(' | ').replace(/\.$/, '') || 'none recorded'}. ` +
        'Set "onExhausted": "best" in the profile to receive the best unapproved answer instead.',
      { status: 422, type: 'invalid_request_error', code: 'pipeline_rejected' },
    );
    this.issues = [...issues];
  }
}

/** Writes the run's header, the request as received: from here on the run exists (`rlm runs`, the runs API). */
export function startRunTrace(deps: Pick<PipelineDeps, 'traces' | 'now'>, input: RunRequest): Promise<RunWriter> {
  return deps.traces.startRun({
    runId: input.runId,
    startedAt: new Date(deps.now()).toISOString(),
    profile: input.profile.name,
    requestedModel: input.requestedModel,
    request: { ...input.request },
    requestHash: hashJson(input.request),
  });
}

/** Runs the loop into a trace startRunTrace began; the trace is finished and closed whatever happens. */
export async function runPipeline(deps: PipelineDeps, input: PipelineRequest, writer: RunWriter): Promise<PipelineResult> {
  const retry = input.retry ?? FIRST_TRY;
  // The models see the conversation without rlm's own notes (own-notes.ts); the trace keeps it as received.
  const request = { ...input.request, messages: withoutOwnNotes(input.request.messages) };
  const run = createRunContext(deps, { ...input, request, profile: retryProfile(input.profile, retry) }, writer);
  try {
    const answer = await loop(run, retry);
    await finish(run, 'completed', answer.attemptId);
  } catch (error) {
    const aborted = input.signal.aborted || error instanceof ClientAbortedError;
    await finish(run, aborted ? 'aborted' : 'failed', null, aborted ? 'the client went away' : (error as Error).message).catch((recordError: unknown) =>
      deps.logger.error('trace_write_failed', { run_id: input.runId, error: recordError }),
    );
    // The response waits for the run's records to be durable; its ledger line follows (settle waits for it).
    await writer.closeDurable();
    throw error;
  }
  // Every record is in the file (finish wrote them); the summary is made while the disk flushes them.
  const durable = writer.closeDurable();
  const trace = { header: writer.header, attempts: [...writer.attempts] };
  const summary = summarizeRun(trace);
  await durable;
  return { trace, summary };
}

/** Finishes, as aborted, a run that never started: its client left while it waited for a slot. */
export async function abandonRun(deps: PipelineDeps, input: PipelineRequest, writer: RunWriter, reason: string): Promise<void> {
  try {
    await finish(createRunContext(deps, input, writer), 'aborted', null, reason);
  } finally {
    await writer.closeDurable();
  }
}

/** Returns the attempt whose draft is the answer; throws PipelineRejectedError under the "error" policy. */
async function loop(run: RunContext, retry: RetryPlan): Promise<RecordedAttempt> {
  const { profile } = run.input;
  if (retry.number > 0) await recordRetry(run, retry);
  const context = await retrieveContext(run);
  const plan = await planStage(run, context);
  let tier = 0;
  let previousIssues: string[] = [...retry.previousIssues];
  for (;;) {
    const { best, revisions } = await runTier(run, tier, plan, context, previousIssues);
    if (best.outcome.approved) return best.attempt;
    previousIssues = best.outcome.issues;

    const next = nextTier(profile, tier);
    if (next === undefined) return exhausted(run, previousIssues);
    await recordDecision(run, tier, 'escalate', `escalate: tier ${tier} rejected after ${revisions} revision${revisions === 1 ? '' : 's'}; next ${tierModel(profile, next)} (tier ${next})`, {
      from: tier,
      to: next,
      model: tierModel(profile, next),
      issues: previousIssues,
    });
    tier = next;
  }
}

/**
 * One tier: a fresh draft, then, while the best draft so far is rejected and the policy allows,
 * a revision of it. A rejected revision replaces its draft as the base only when it is not worse;
 * revising stops early when the next revise call would be one the run already made.
 */
async function runTier(run: RunContext, tier: number, plan: Plan | null, context: string, previousIssues: string[]): Promise<{ best: JudgedDraft; revisions: number }> {
  const { profile } = run.input;
  const generated = await generateDraft(run, tier, tierModel(profile, tier), plan, previousIssues, context);
  let base: JudgedDraft = { ...generated, outcome: await verifyDraft(run, generated.attempt, generated.draft, plan, context) };
  let revisions = 0;
  while (!base.outcome.approved && canRevise(profile, revisions)) {
    const revised = await reviseDraft(run, base.attempt, base.draft, base.outcome.issues);
    if (revised.kind === 'repeated') {
      const { attemptId } = revised.earlier;
      await recordDecision(run, tier, 'revision_repeated', `revise: stopping at tier ${tier}, the next revision would repeat ${attemptId} exactly`, {
        tier,
        base: base.attempt.attemptId,
        repeats: attemptId,
        revisions,
        reason: 'the same model, prompt and options were already sent in this run, and would answer the same',
      });
      break;
    }
    revisions++;
    if (revised.kind === 'unchanged') continue;
    const judged: JudgedDraft = { attempt: revised.attempt, draft: revised.draft, outcome: await verifyDraft(run, revised.attempt, revised.draft, plan, context) };
    base = judged.outcome.approved ? judged : await chooseRevisionBase(run, base, judged);
  }
  return { best: base, revisions };
}

/** The first attempt of a retry: which retry, after which run, with which seeds (retry.ts). */
async function recordRetry(run: RunContext, retry: RetryPlan): Promise<void> {
  const seeds = Object.fromEntries(Object.entries(run.input.profile.stages).map(([stage, options]) => [stage, options.seed]));
  const after = retry.after;
  const why = after === null ? '' : after.approved ? `, as run ${after.runId}, which was approved` : `: run ${after.runId} ended unapproved`;
  await recordDecision(run, 0, 'retry', `retry ${retry.number} of this request${why}; seeds +${retry.number}, the generator told its ${retry.previousIssues.length} unresolved issue${retry.previousIssues.length === 1 ? '' : 's'}`, {
    retry: retry.number,
    after: after?.runId ?? null,
    afterApproved: after?.approved ?? null,
    seeds,
    previousIssues: retry.previousIssues,
  });
}

async function exhausted(run: RunContext, issues: string[]): Promise<RecordedAttempt> {
  const { profile, runId } = run.input;
  const best = profile.onExhausted === 'best' ? bestDraft(run.attempts) : undefined;
  await recordDecision(
    run,
    profile.ladder.length,
    'ladder_exhausted',
    best ? `exhausted: no tier approved; answering with the best draft, unapproved` : 'exhausted: no tier approved',
    { policy: profile.onExhausted, answerAttemptId: best?.attemptId ?? null, issues },
  );
  if (best === undefined) throw new PipelineRejectedError(runId, issues);
  return best;
}

async function finish(run: RunContext, status: 'completed' | 'aborted' | 'failed', answerAttemptId: string | null, reason?: string): Promise<void> {
  // The confidence as the client gets it, recorded with the calibration that produced it, so the
  // run keeps its number when the calibration is refitted later.
  let confidence: Record<string, unknown> | undefined;
  if (status === 'completed' && answerAttemptId !== null) {
    const raw = computeConfidence(run.attempts, answerAttemptId).value;
    const calibrated = run.deps.calibrate?.(run.input.profile.name, raw);
    confidence = { raw, value: calibrated?.value ?? raw, calibration: calibrated?.calibration ?? null };
  }
  await record(run, {
    ...noModelCall(run),
    attemptId: run.deps.newId('att'),
    parentAttemptId: answerAttemptId,
    stage: 'finish',
    tier: 0,
    name: status,
    inputHash: '',
    output: { content: status, data: { status, answerAttemptId, ...(reason ? { reason } : {}), ...(confidence ? { confidence } : {}) } },
    verdict: null,
    issues: [],
    error: status === 'completed' ? null : (reason ?? status),
  });
  // The finish is the last record: every record of the run goes into the file now, before it is closed.
  await writeRecorded(run);
}

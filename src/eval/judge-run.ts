/**
 * A pipeline run's result for an eval task: whether its answer is right, and, for each verify
 * attempt, whether the verdict was right about the draft it judged (each draft scored against the
 * task's truth), which gives the verifier's false-approval and false-rejection rates.
 */
import type { PipelineResult } from '../orchestrator/loop/types.js';
import type { TaskResult, VerdictJudgement } from './report.js';
import { scoreAnswer } from './scorers.js';
import type { EvalTask } from './task.js';

export function judgePipelineRun(task: EvalTask, profile: string, result: PipelineResult, wallMs: number): TaskResult {
  const { attempts } = result.trace;
  const { summary } = result;
  const drafts = new Map(attempts.filter((attempt) => attempt.stage === 'generate' || attempt.stage === 'revise').map((attempt) => [attempt.attemptId, attempt]));
  const verdicts: VerdictJudgement[] = [];
  for (const attempt of attempts) {
    if (attempt.stage !== 'verify' || attempt.verdict === null || attempt.parentAttemptId === null) continue;
    const draft = drafts.get(attempt.parentAttemptId);
    if (draft === undefined) continue;
    verdicts.push({ approved: attempt.verdict === 'APPROVED', draftCorrect: scoreAnswer(task, draft.output?.content ?? '').correct });
  }
  const answer = summary.answer?.content ?? '';
  return {
    taskId: task.id,
    suite: task.suite,
    targetKind: 'profile',
    target: profile,
    correct: summary.status === 'completed' && scoreAnswer(task, answer).correct,
    // The raw score: what a calibration is fitted on, whether or not one is in force now.
    confidence: summary.status === 'completed' ? summary.rawConfidence : null,
    approved: summary.approved,
    escalated: summary.escalated,
    modelCalls: attempts.filter((attempt) => attempt.model !== null && !attempt.cacheHit).length,
    tokens: summary.usage.total_tokens,
    wallMs,
    verdicts,
    ...(summary.status === 'completed' ? {} : { error: `run ${summary.runId} ended ${summary.status}` }),
  };
}

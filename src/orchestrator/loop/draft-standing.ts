/**
 * How a judged draft ranks against another, derived from the attempts that judged it: a draft that
 * passed every deterministic check beats one that failed a check; then fewer issues; then, when
 * both verdicts have a probability, the one the verifier thought likelier right. Used for the base
 * of the next revision (revision-base.ts) and for the best draft of an exhausted ladder.
 */
import type { RecordedAttempt } from './run-context.js';
import { approvalProbability } from './verdict.js';

export interface DraftStanding {
  /** Every deterministic check of the draft passed and a verifier judged it. */
  passedChecks: boolean;
  /** The failed checks' issues, else the last verdict's; a draft never judged ranks last. */
  issues: number;
  /** How likely the verifier thought the draft right (verdict.ts approvalProbability), or null. */
  approval: number | null;
}

const NEVER_JUDGED = Number.MAX_SAFE_INTEGER;

export function draftStanding(attempts: readonly RecordedAttempt[], draftAttemptId: string): DraftStanding {
  const judging = attempts.filter((attempt) => attempt.parentAttemptId === draftAttemptId);
  const failed = judging.filter((attempt) => attempt.stage === 'check' && attempt.verdict !== 'APPROVED');
  if (failed.length > 0) return { passedChecks: false, issues: failed.reduce((sum, check) => sum + check.issues.length, 0), approval: null };
  const verdict = judging.findLast((attempt) => attempt.stage === 'verify');
  if (verdict === undefined) return { passedChecks: false, issues: NEVER_JUDGED, approval: null };
  return { passedChecks: true, issues: verdict.issues.length, approval: approvalProbability(verdict) };
}

/** Positive when `left` ranks above `right`, negative below, 0 when neither does (the caller breaks the tie). */
export function compareStanding(left: DraftStanding, right: DraftStanding): number {
  if (left.passedChecks !== right.passedChecks) return left.passedChecks ? 1 : -1;
  if (left.issues !== right.issues) return right.issues - left.issues;
  if (left.approval !== null && right.approval !== null) return left.approval - right.approval;
  return 0;
}

/** Why `better` ranks above `worse`, in a few words ("1 issue against 3"); '' when they tie. */
export function standingDifference(better: DraftStanding, worse: DraftStanding): string {
  if (worse.issues === NEVER_JUDGED && better.issues !== NEVER_JUDGED) return 'the other was never judged';
  if (better.passedChecks !== worse.passedChecks) return 'the other failed a deterministic check';
  if (better.issues !== worse.issues) return `${issueCount(better.issues)} against ${issueCount(worse.issues)}`;
  if (better.approval !== null && worse.approval !== null && better.approval !== worse.approval) {
    return `as many issues, approval probability ${better.approval.toFixed(3)} against ${worse.approval.toFixed(3)}`;
  }
  return '';
}

function issueCount(count: number): string {
  return count === 1 ? '1 issue' : `${count} issues`;
}

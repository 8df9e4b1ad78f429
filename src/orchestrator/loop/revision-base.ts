/**
 * The base of the next revision. A revision the verifier rejects can be worse than the draft it
 * revised (more issues, a check its parent passed); revising it would build on the worse of the
 * two. So the better one (draft-standing.ts; a tie keeps the newer) is the base of the next
 * revision and the tier's best, and the choice is recorded as a `revision_base` decision naming
 * both attempts and why.
 */
import type { Draft } from '../checks/checks.js';
import { compareStanding, draftStanding, standingDifference } from './draft-standing.js';
import { recordDecision, type RecordedAttempt, type RunContext } from './run-context.js';
import type { VerifyOutcome } from './verify.js';

/** A draft with the verdict on it. */
export interface JudgedDraft {
  attempt: RecordedAttempt;
  draft: Draft;
  outcome: VerifyOutcome;
}

export async function chooseRevisionBase(run: RunContext, parent: JudgedDraft, revision: JudgedDraft): Promise<JudgedDraft> {
  const attempts = run.attempts;
  const parentStanding = draftStanding(attempts, parent.attempt.attemptId);
  const revisionStanding = draftStanding(attempts, revision.attempt.attemptId);
  const keepParent = compareStanding(parentStanding, revisionStanding) > 0;
  const [parentId, revisionId] = [parent.attempt.attemptId, revision.attempt.attemptId];
  const reason = keepParent
    ? `the revision is worse: ${standingDifference(parentStanding, revisionStanding)}`
    : standingDifference(revisionStanding, parentStanding) || 'as good as its draft, and newer';
  const content = keepParent
    ? `revise: keeping ${parentId} as the base, its revision ${revisionId} is worse (${standingDifference(parentStanding, revisionStanding)})`
    : `revise: ${revisionId} is the new base (${reason})`;
  await recordDecision(run, revision.attempt.tier, 'revision_base', content, {
    base: keepParent ? parentId : revisionId,
    parent: parentId,
    revision: revisionId,
    reason,
    standings: { [parentId]: parentStanding, [revisionId]: revisionStanding },
  });
  return keepParent ? parent : revision;
}

/**
 * Escalation policy as plain predicates over the profile and the attempts, so the loop reads as
 * the policy and the policy can be tested without a model.
 */
import type { AttemptRecord } from '../../types/attempt.js';
import type { Profile } from '../../types/profile.js';

/** Tier 0 is the profile's generator; tier n ≥ 1 is ladder[n - 1]. */
export function tierModel(profile: Profile, tier: number): string {
  return tier === 0 ? profile.generator : (profile.ladder[tier - 1] as string);
}

/** Another revision at this tier is allowed while fewer than maxRevisions were made. */
export function canRevise(profile: Profile, revisionsAtTier: number): boolean {
  return revisionsAtTier < profile.maxRevisions;
}

/** The next tier up the ladder, or undefined when the ladder is exhausted. */
export function nextTier(profile: Profile, tier: number): number | undefined {
  return tier < profile.ladder.length ? tier + 1 : undefined;
}

/**
 * The draft to answer with when no tier got approval ("best" policy): a draft that passed every
 * deterministic check beats one that failed a check; then fewer reviewer issues; then the later
 * (higher-tier, more revised) draft.
 */
export function bestDraft(attempts: readonly AttemptRecord[]): AttemptRecord | undefined {
  const drafts = attempts.filter((attempt) => (attempt.stage === 'generate' || attempt.stage === 'revise') && attempt.output !== null && attempt.error === null);
  let best: { attempt: AttemptRecord; score: [number, number, number] } | undefined;
  drafts.forEach((draft, order) => {
    const children = attempts.filter((attempt) => attempt.parentAttemptId === draft.attemptId);
    const checksPassed = children.filter((child) => child.stage === 'check').every((check) => check.verdict === 'APPROVED') ? 1 : 0;
    const verdict = children.filter((child) => child.stage === 'verify').at(-1);
    const issues = verdict?.issues.length ?? Number.MAX_SAFE_INTEGER / 2;
    const score: [number, number, number] = [checksPassed, -issues, order];
    if (best === undefined || compare(score, best.score) > 0) best = { attempt: draft, score };
  });
  return best?.attempt;
}

function compare(left: readonly number[], right: readonly number[]): number {
  for (let index = 0; index < left.length; index++) {
    const difference = (left[index] as number) - (right[index] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

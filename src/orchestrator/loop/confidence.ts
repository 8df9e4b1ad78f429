/**
 * The run's raw confidence score: a pure function of its attempts, in (0, 1), kept apart from
 * approval so that a client can tell "approved after a struggle" from "approved at once". It is an
 * evidence sum on the log-odds scale, each term a signal that the answer is right; `rlm eval
 * --calibrate` maps it to the observed probability of being right (calibration.ts), and without a
 * calibration it is reported as it is.
 *
 *   answer     = the attempt a `finish` attempt names in output.data.answerAttemptId, else the last
 *                `generate` or `revise` attempt; none -> value 0, approved false
 *   checks     = `check` attempts whose parentAttemptId is answer.attemptId
 *   verdict    = the LAST `verify` attempt whose parentAttemptId is answer.attemptId
 *   approved   = verdict exists AND verdict.verdict = APPROVED AND every check's verdict = APPROVED
 *   q          = how sure the verifier was of the verdict it gave: verdict.verdictProbability when a
 *                number in [0, 1], else DEFAULT_VERDICT_PROBABILITY (0.75); for a REJECTED verdict
 *                the model wrote as APPROVED (output.data.statedVerdict) the probability recorded is
 *                the APPROVED token's, so q = 1 - it; q is at least 0.5 (a greedy verdict is the
 *                likelier of two tokens, so less is a reading, not the verifier's doubt)
 *   sureness       = logit(min(q, 0.99)) - logit(0.75)  (the verdict's own log-odds, above the default)
 *   verdictLogOdds = approved            -> APPROVED_LOG_ODDS + sureness     (2.0)
 *                    verdict REJECTED    -> REJECTED_LOG_ODDS - sureness     (-0.5)
 *                    no verdict at all   -> NO_VERDICT_LOG_ODDS                              (-2.5)
 *   tierLogOdds    = TIER_LOG_ODDS × answer.tier      (0.6: a larger model's answer is likelier right)
 *   checkLogOdds   = CHECK_LOG_ODDS × min(2, checks passed, not counting empty_answer)   (0.25)
 *   agreement      = another draft of the run, from a separate generate call (another tier) or its
 *                    revisions, with the same text as the answer, whitespace and case aside
 *   agreeLogOdds   = agreement ? AGREEMENT_LOG_ODDS : 0                                      (2.5)
 *   value          = round(logistic(sum of the terms), 3 decimals)
 *
 * Revisions and escalations are not penalties in themselves: the policy benchmark showed that
 * answers escalated to the larger model were right more often than tier-0 answers, and the old
 * factors (0.93 per revision, 0.9 per escalation) ranked them below. An unapproved answer gets a
 * score that reflects how often such answers are right (about 0.4 at tier 0 without logprobs, more
 * from a higher tier), not the 0.02 it used to get although most of them were right.
 */
import type { RecordedAttempt } from './run-context.js';

export const CONFIDENCE_CONSTANTS = Object.freeze({
  /** The verifier's confidence in its verdict when Ollama returned no logprobs. */
  DEFAULT_VERDICT_PROBABILITY: 0.75,
  APPROVED_LOG_ODDS: 2.0,
  REJECTED_LOG_ODDS: -0.5,
  /** q above this is counted as this: a token probability of 0.9999 says no more than 0.99. */
  MAX_VERDICT_PROBABILITY: 0.99,
  /** No verifier verdict: a deterministic check failed, so no model judged the answer. */
  NO_VERDICT_LOG_ODDS: -2.5,
  TIER_LOG_ODDS: 0.6,
  CHECK_LOG_ODDS: 0.25,
  MAX_COUNTED_CHECKS: 2,
  /**
   * Two separate drafts writing the same answer: right answers agree far more often than wrong ones,
   * which scatter (with tiers right half and nine times in ten, and wrong answers spread over a few
   * values, agreeing is about 50 times likelier from right drafts: log 50 is 3.9; 2.5 is cautious).
   */
  AGREEMENT_LOG_ODDS: 2.5,
  DECIMALS: 3,
} as const);

/** Passing this check only says the answer is not empty, which is no evidence. */
const UNCOUNTED_CHECK = 'empty_answer';

export interface ConfidenceBreakdown {
  /** The raw score, rounded to CONFIDENCE_CONSTANTS.DECIMALS decimals. */
  value: number;
  approved: boolean;
  answerAttemptId: string | null;
  /** The sum of the terms below, before the logistic. */
  logOdds: number;
  /** How sure the verifier was of its verdict on the answer, or null without logprobs or verdict. */
  verdictProbability: number | null;
  checksPassed: number;
  /** The answer's tier (0 = the generator). */
  tier: number;
  /** Another independent draft of the run wrote the same answer. */
  agreement: boolean;
  revisions: number;
  escalations: number;
}

export function findAnswerAttempt<T extends RecordedAttempt>(attempts: readonly T[], answerAttemptId?: string): T | undefined {
  if (answerAttemptId !== undefined) {
    const given = attempts.find((attempt) => attempt.attemptId === answerAttemptId);
    if (given !== undefined) return given;
  }
  const finish = attempts.findLast((attempt) => attempt.stage === 'finish');
  const namedId = finish?.output?.data?.answerAttemptId;
  if (typeof namedId === 'string') {
    const named = attempts.find((attempt) => attempt.attemptId === namedId);
    if (named !== undefined) return named;
  }
  return attempts.findLast((attempt) => attempt.stage === 'generate' || attempt.stage === 'revise');
}

/** `answerAttemptId`: the answer before its finish record names it (the loop, finishing a run). */
export function computeConfidence(attempts: readonly RecordedAttempt[], answerAttemptId?: string): ConfidenceBreakdown {
  const constants = CONFIDENCE_CONSTANTS;
  const revisions = attempts.filter((attempt) => attempt.stage === 'revise').length;
  const escalations = attempts.filter((attempt) => attempt.stage === 'generate' && attempt.tier > 0).length;
  const answer = findAnswerAttempt(attempts, answerAttemptId);
  if (answer === undefined) {
    return { value: 0, approved: false, answerAttemptId: null, logOdds: -Infinity, verdictProbability: null, checksPassed: 0, tier: 0, agreement: false, revisions, escalations };
  }

  const judging = attempts.filter((attempt) => attempt.parentAttemptId === answer.attemptId);
  const checks = judging.filter((attempt) => attempt.stage === 'check');
  const verdict = judging.findLast((attempt) => attempt.stage === 'verify');
  const approved = verdict?.verdict === 'APPROVED' && checks.every((check) => check.verdict === 'APPROVED');

  const recorded = verdict?.verdictProbability;
  const stated = typeof recorded === 'number' && recorded >= 0 && recorded <= 1 ? recorded : null;
  const readOtherwise = verdict !== undefined && verdict.output?.data?.['statedVerdict'] !== undefined && verdict.output.data['statedVerdict'] !== verdict.verdict;
  const probability = stated !== null && readOtherwise ? 1 - stated : stated;
  // The verdict a model decodes greedily is the likelier of two tokens, so q below 0.5 only comes
  // from a verdict read otherwise than written; it is counted as a toss-up, never as evidence.
  const q = Math.max(0.5, probability ?? constants.DEFAULT_VERDICT_PROBABILITY);
  const sureness = logit(Math.min(q, constants.MAX_VERDICT_PROBABILITY)) - logit(constants.DEFAULT_VERDICT_PROBABILITY);
  let logOdds: number = constants.NO_VERDICT_LOG_ODDS;
  if (approved) logOdds = constants.APPROVED_LOG_ODDS + sureness;
  else if (verdict?.verdict === 'REJECTED') logOdds = constants.REJECTED_LOG_ODDS - sureness;

  const checksPassed = checks.filter((check) => check.verdict === 'APPROVED' && check.name !== UNCOUNTED_CHECK).length;
  const agreement = agreesWithAnotherDraft(attempts, answer);
  logOdds += constants.TIER_LOG_ODDS * answer.tier;
  logOdds += constants.CHECK_LOG_ODDS * Math.min(constants.MAX_COUNTED_CHECKS, checksPassed);
  if (agreement) logOdds += constants.AGREEMENT_LOG_ODDS;

  const scale = 10 ** constants.DECIMALS;
  const value = Math.round(logistic(logOdds) * scale) / scale;
  return { value, approved, answerAttemptId: answer.attemptId, logOdds, verdictProbability: probability, checksPassed, tier: answer.tier, agreement, revisions, escalations };
}

function logit(probability: number): number {
  return Math.log(probability / (1 - probability));
}

function logistic(logOdds: number): number {
  return 1 / (1 + Math.exp(-logOdds));
}

/**
 * Whether a draft from another tier (a separate generate call and its revisions) wrote the same
 * answer. Revisions of the answer's own draft are not independent of it, so they do not count.
 */
function agreesWithAnotherDraft(attempts: readonly RecordedAttempt[], answer: RecordedAttempt): boolean {
  const text = comparable(answer);
  if (text === '') return false;
  return attempts.some(
    (attempt) => (attempt.stage === 'generate' || attempt.stage === 'revise') && attempt.tier !== answer.tier && attempt.error === null && comparable(attempt) === text,
  );
}

function comparable(attempt: RecordedAttempt): string {
  const content = attempt.output?.content ?? '';
  const calls = (attempt.output?.toolCalls ?? []).map((call) => `${call.name}(${call.arguments})`).join(';');
  return `${content}${calls}`.replace(/\s+/g, ' ').trim().toLowerCase();
}

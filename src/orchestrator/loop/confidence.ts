/**
 * The run's confidence: a pure function of its attempts, in [0, 1], kept apart from approval so a
 * client can tell "approved after a struggle" from "approved at once".
 *
 *   answer        = the attempt a `finish` attempt names in output.data.answerAttemptId, else the
 *                   last `generate` or `revise` attempt; none -> value 0, approved false
 *   checks        = `check` attempts whose parentAttemptId is answer.attemptId
 *   verdict       = the LAST `verify` attempt whose parentAttemptId is answer.attemptId
 *   approved      = verdict exists AND verdict.verdict = APPROVED AND every check's verdict = APPROVED
 *   q             = verdict.verdictProbability when a number in [0, 1], else DEFAULT_VERDICT_PROBABILITY (0.75);
 *                   for a REJECTED verdict the model wrote as APPROVED (output.data.statedVerdict: it
 *                   listed issues, or approved below minApprovalProbability) the probability recorded
 *                   is the APPROVED token's, so q = 1 - it
 *   base          = approved                     -> APPROVED_BASE + APPROVED_PROBABILITY_WEIGHT * q   (0.5 + 0.4q)
 *                   verdict.verdict = REJECTED   -> REJECTED_PROBABILITY_WEIGHT * (1 - q)           (0.3(1 - q))
 *                   otherwise (no verifier ran)  -> NO_VERDICT_BASE                                (0.05)
 *   checksPassed  = passed checks, not counting `empty_answer`
 *   checkBonus    = approved ? min(CHECK_BONUS_MAX, CHECK_BONUS_EACH * checksPassed) : 0     (0.1, 0.05)
 *   revisions     = `revise` attempts in the whole run
 *   escalations   = `generate` attempts with tier > 0
 *   value         = round(clamp01((base + checkBonus) * REVISION_FACTOR^revisions * ESCALATION_FACTOR^escalations), DECIMALS)
 *                   (0.93, 0.9, 3 decimals)
 *
 * "Otherwise" also covers a verifier that approved a draft a check failed, and a verify attempt
 * that recorded no verdict: neither is an approval, and neither is a judgement by the verifier of
 * how wrong the draft is.
 */
import type { AttemptRecord } from '../../types/attempt.js';

export const CONFIDENCE_CONSTANTS = Object.freeze({
  /** The verifier's confidence in its verdict when Ollama returned no logprobs. */
  DEFAULT_VERDICT_PROBABILITY: 0.75,
  APPROVED_BASE: 0.5,
  APPROVED_PROBABILITY_WEIGHT: 0.4,
  REJECTED_PROBABILITY_WEIGHT: 0.3,
  /** No verifier verdict: the deterministic checks failed, so no model judged the answer. */
  NO_VERDICT_BASE: 0.05,
  CHECK_BONUS_EACH: 0.05,
  CHECK_BONUS_MAX: 0.1,
  /** Each revision of the run: an answer that needed fixing is less certain than one that did not. */
  REVISION_FACTOR: 0.93,
  /** Each escalation to a stronger tier: the weaker generator could not do it. */
  ESCALATION_FACTOR: 0.9,
  DECIMALS: 3,
} as const);

/** Passing this check only says the answer is not empty, which earns no bonus. */
const UNCOUNTED_CHECK = 'empty_answer';

export interface ConfidenceBreakdown {
  /** The confidence, rounded to CONFIDENCE_CONSTANTS.DECIMALS decimals. */
  value: number;
  approved: boolean;
  answerAttemptId: string | null;
  base: number;
  verdictProbability: number | null;
  checksPassed: number;
  checkBonus: number;
  revisions: number;
  escalations: number;
}

export function findAnswerAttempt(attempts: readonly AttemptRecord[]): AttemptRecord | undefined {
  const finish = attempts.findLast((attempt) => attempt.stage === 'finish');
  const namedId = finish?.output?.data?.answerAttemptId;
  if (typeof namedId === 'string') {
    const named = attempts.find((attempt) => attempt.attemptId === namedId);
    if (named !== undefined) return named;
  }
  return attempts.findLast((attempt) => attempt.stage === 'generate' || attempt.stage === 'revise');
}

export function computeConfidence(attempts: readonly AttemptRecord[]): ConfidenceBreakdown {
  const constants = CONFIDENCE_CONSTANTS;
  const revisions = attempts.filter((attempt) => attempt.stage === 'revise').length;
  const escalations = attempts.filter((attempt) => attempt.stage === 'generate' && attempt.tier > 0).length;
  const answer = findAnswerAttempt(attempts);
  if (answer === undefined) {
    return { value: 0, approved: false, answerAttemptId: null, base: 0, verdictProbability: null, checksPassed: 0, checkBonus: 0, revisions, escalations };
  }

  const judging = attempts.filter((attempt) => attempt.parentAttemptId === answer.attemptId);
  const checks = judging.filter((attempt) => attempt.stage === 'check');
  const verdict = judging.findLast((attempt) => attempt.stage === 'verify');
  const approved = verdict?.verdict === 'APPROVED' && checks.every((check) => check.verdict === 'APPROVED');

  const recorded = verdict?.verdictProbability;
  const stated = typeof recorded === 'number' && recorded >= 0 && recorded <= 1 ? recorded : null;
  const readOtherwise = verdict !== undefined && verdict.output?.data?.['statedVerdict'] !== undefined && verdict.output.data['statedVerdict'] !== verdict.verdict;
  const probability = stated !== null && readOtherwise ? 1 - stated : stated;
  const q = probability ?? constants.DEFAULT_VERDICT_PROBABILITY;
  let base: number = constants.NO_VERDICT_BASE;
  if (approved) base = constants.APPROVED_BASE + constants.APPROVED_PROBABILITY_WEIGHT * q;
  else if (verdict?.verdict === 'REJECTED') base = constants.REJECTED_PROBABILITY_WEIGHT * (1 - q);

  const checksPassed = checks.filter((check) => check.verdict === 'APPROVED' && check.name !== UNCOUNTED_CHECK).length;
  const checkBonus = approved ? Math.min(constants.CHECK_BONUS_MAX, constants.CHECK_BONUS_EACH * checksPassed) : 0;
  const raw = (base + checkBonus) * constants.REVISION_FACTOR ** revisions * constants.ESCALATION_FACTOR ** escalations;
  const scale = 10 ** constants.DECIMALS;
  const value = Math.round(Math.min(1, Math.max(0, raw)) * scale) / scale;

  return {
    value,
    approved,
    answerAttemptId: answer.attemptId,
    base,
    verdictProbability: probability,
    checksPassed,
    checkBonus,
    revisions,
    escalations,
  };
}

import { describe, expect, it } from 'vitest';
import { CONFIDENCE_CONSTANTS, computeConfidence, findAnswerAttempt } from '../../src/orchestrator/loop/confidence.js';
import type { AttemptRecord, Stage, Verdict } from '../../src/types/attempt.js';

/** Builds a run's attempts in order; each helper returns the attempt's id for later parents. */
function runBuilder() {
  const attempts: AttemptRecord[] = [];
  const add = (stage: Stage, fields: Partial<AttemptRecord> = {}): string => {
    const seq = attempts.length;
    const attemptId = `att_${seq}`;
    attempts.push({
      type: 'attempt',
      runId: 'run_1',
      attemptId,
      seq,
      parentAttemptId: null,
      stage,
      tier: 0,
      model: null,
      name: null,
      promptName: null,
      promptHash: null,
      inputHash: `input_${seq}`,
      output: { content: '' },
      verdict: null,
      issues: [],
      verdictProbability: null,
      tokens: { prompt: 0, completion: 0 },
      durations: null,
      startedAt: '2025-01-01T00:00:00.000Z',
      durationMs: 0,
      cacheHit: false,
      error: null,
      prevHash: '',
      hash: '',
      ...fields,
    });
    return attemptId;
  };
  return {
    attempts,
    draft: (stage: 'generate' | 'revise' = 'generate', tier = 0, parentAttemptId: string | null = null, content = '') =>
      add(stage, { tier, parentAttemptId, output: { content } }),
    check: (draftId: string, name: string, verdict: Verdict) => add('check', { parentAttemptId: draftId, name, verdict }),
    verify: (draftId: string, verdict: Verdict, verdictProbability: number | null = null) => add('verify', { parentAttemptId: draftId, verdict, verdictProbability }),
    finish: (answerAttemptId: string) => add('finish', { output: { content: 'completed', data: { status: 'completed', answerAttemptId } } }),
  };
}

/** A draft that passed empty_answer plus `checks` more checks, then the verifier's verdict. */
function judgedDraft(run: ReturnType<typeof runBuilder>, draftId: string, verdict: Verdict, probability: number | null = null, checks = 0): void {
  run.check(draftId, 'empty_answer', 'APPROVED');
  for (let index = 0; index < checks; index++) run.check(draftId, `check_${index}`, 'APPROVED');
  run.verify(draftId, verdict, probability);
}

describe('computeConfidence', () => {
  it('is 0 and unapproved without a draft', () => {
    expect(computeConfidence([])).toMatchObject({ value: 0, approved: false, answerAttemptId: null, verdictProbability: null, checksPassed: 0, revisions: 0, escalations: 0 });
  });

  it('approved the first time without logprobs: logistic(2.0) = 0.881; empty_answer is no evidence', () => {
    const run = runBuilder();
    const draft = run.draft();
    judgedDraft(run, draft, 'APPROVED');
    run.finish(draft);
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.881, approved: true, answerAttemptId: draft, checksPassed: 0, logOdds: 2 });
  });

  it('checks passed add 0.25 each, at most two', () => {
    const once = runBuilder();
    judgedDraft(once, once.draft(), 'APPROVED', null, 1);
    expect(computeConfidence(once.attempts)).toMatchObject({ value: 0.905, checksPassed: 1 });
    const thrice = runBuilder();
    judgedDraft(thrice, thrice.draft(), 'APPROVED', null, 3);
    expect(computeConfidence(thrice.attempts)).toMatchObject({ value: 0.924, checksPassed: 3 });
  });

  it("a surer verdict moves the score by the verdict's own log-odds above 0.75's, counted up to 0.99", () => {
    const sure = runBuilder();
    judgedDraft(sure, sure.draft(), 'APPROVED', 1);
    // 2 + logit(0.99) - logit(0.75) = 5.496
    expect(computeConfidence(sure.attempts)).toMatchObject({ value: 0.996, verdictProbability: 1 });
    const unsure = runBuilder();
    judgedDraft(unsure, unsure.draft(), 'APPROVED', 0.5);
    // 2 + 0 - logit(0.75) = 0.901
    expect(computeConfidence(unsure.attempts).value).toBe(0.711);
    const invalid = runBuilder();
    judgedDraft(invalid, invalid.draft(), 'APPROVED', 1.5);
    expect(computeConfidence(invalid.attempts)).toMatchObject({ value: 0.881, verdictProbability: null });
  });

  it('rejected by the verifier: about 0.38 without logprobs, less the surer the rejection', () => {
    const run = runBuilder();
    judgedDraft(run, run.draft(), 'REJECTED', 0.9, 2);
    // -0.5 - (logit(0.9) - logit(0.75)) + 2 × 0.25 = -ln 3
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.25, approved: false, checksPassed: 2 });
    const defaulted = runBuilder();
    judgedDraft(defaulted, defaulted.draft(), 'REJECTED');
    expect(computeConfidence(defaulted.attempts).value).toBe(0.378);
  });

  it('checks failed without a verifier: logistic(-2.5) = 0.076', () => {
    const run = runBuilder();
    const draft = run.draft();
    run.check(draft, 'empty_answer', 'APPROVED');
    run.check(draft, 'json_object', 'REJECTED');
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.076, approved: false, checksPassed: 0 });
  });

  it('a verifier approval does not outweigh a failed check', () => {
    const run = runBuilder();
    const draft = run.draft();
    run.check(draft, 'json_object', 'REJECTED');
    run.verify(draft, 'APPROVED', 0.99);
    expect(computeConfidence(run.attempts)).toMatchObject({ approved: false, value: 0.076 });
  });

  it('a revision is not a penalty in itself: rejected, revised, approved scores as approved at once', () => {
    const run = runBuilder();
    const first = run.draft();
    judgedDraft(run, first, 'REJECTED');
    const revised = run.draft('revise', 0, first);
    judgedDraft(run, revised, 'APPROVED');
    run.finish(revised);
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.881, approved: true, answerAttemptId: revised, revisions: 1, escalations: 0 });
  });

  it('an answer from a higher tier scores higher: 0.6 log-odds a tier', () => {
    const run = runBuilder();
    const first = run.draft();
    judgedDraft(run, first, 'REJECTED');
    const second = run.draft('revise', 0, first);
    judgedDraft(run, second, 'REJECTED');
    const escalated = run.draft('generate', 1);
    judgedDraft(run, escalated, 'APPROVED');
    run.finish(escalated);
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.931, approved: true, tier: 1, revisions: 1, escalations: 1 });
    const unapproved = runBuilder();
    judgedDraft(unapproved, unapproved.draft('generate', 1), 'REJECTED');
    expect(computeConfidence(unapproved.attempts).value).toBe(0.525);
  });

  it('agreement: another tier wrote the same answer, whitespace and case aside', () => {
    const run = runBuilder();
    const low = run.draft('generate', 0, null, 'Paris');
    judgedDraft(run, low, 'REJECTED');
    const high = run.draft('generate', 1, null, ' paris\n');
    judgedDraft(run, high, 'APPROVED');
    run.finish(high);
    // 2.0 + 0.6 + 2.5 = 5.1
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.994, agreement: true });
    const ownRevision = runBuilder();
    const draft = ownRevision.draft('generate', 0, null, 'Paris');
    judgedDraft(ownRevision, draft, 'REJECTED');
    const revised = ownRevision.draft('revise', 0, draft, 'Paris');
    judgedDraft(ownRevision, revised, 'APPROVED');
    ownRevision.finish(revised);
    expect(computeConfidence(ownRevision.attempts)).toMatchObject({ value: 0.881, agreement: false });
  });

  it('takes the verdict of the last verify attempt of the answer', () => {
    const run = runBuilder();
    const draft = run.draft();
    run.verify(draft, 'REJECTED');
    run.verify(draft, 'APPROVED');
    expect(computeConfidence(run.attempts)).toMatchObject({ approved: true, value: 0.881 });
  });

  it('ignores verdicts about other drafts', () => {
    const run = runBuilder();
    const first = run.draft();
    judgedDraft(run, first, 'APPROVED');
    run.draft('revise', 0, first);
    expect(computeConfidence(run.attempts)).toMatchObject({ approved: false, value: 0.076 });
  });

  it('the answer named by finish beats the last draft', () => {
    const run = runBuilder();
    const approvedDraft = run.draft();
    judgedDraft(run, approvedDraft, 'APPROVED');
    const later = run.draft('generate', 1);
    judgedDraft(run, later, 'REJECTED');
    run.finish(approvedDraft);
    expect(findAnswerAttempt(run.attempts)?.attemptId).toBe(approvedDraft);
    expect(computeConfidence(run.attempts)).toMatchObject({ approved: true, answerAttemptId: approvedDraft, value: 0.881 });
  });

  it('falls back to the last draft when finish names no attempt of the run', () => {
    const run = runBuilder();
    run.draft();
    const last = run.draft('revise');
    run.finish('att_missing');
    expect(findAnswerAttempt(run.attempts)?.attemptId).toBe(last);
  });

  it('is monotonic in the evidence: a surer approval never lowers it, a surer rejection never raises it', () => {
    for (const tier of [0, 1, 2]) {
      let approvedBefore = -Infinity;
      let rejectedBefore = Infinity;
      for (const probability of [0, 0.3, 0.5, 0.75, 0.9, 1]) {
        const approved = runBuilder();
        judgedDraft(approved, approved.draft('generate', tier), 'APPROVED', probability, 1);
        const rejected = runBuilder();
        judgedDraft(rejected, rejected.draft('generate', tier), 'REJECTED', probability, 1);
        const up = computeConfidence(approved.attempts).value;
        const down = computeConfidence(rejected.attempts).value;
        expect(up).toBeGreaterThanOrEqual(approvedBefore);
        expect(down).toBeLessThanOrEqual(rejectedBefore);
        // A verdict token is the likelier of the two when the verifier decodes greedily.
        if (probability >= 0.5) expect(up).toBeGreaterThan(down);
        for (const value of [up, down]) expect(value > 0 && value < 1).toBe(true);
        approvedBefore = up;
        rejectedBefore = down;
      }
    }
  });

  it('is pure: same attempts, same answer, nothing mutated', () => {
    const run = runBuilder();
    judgedDraft(run, run.draft(), 'APPROVED', 0.6, 2);
    const frozen = Object.freeze(run.attempts.map((attempt) => Object.freeze({ ...attempt })));
    expect(computeConfidence(frozen)).toEqual(computeConfidence(frozen));
  });

  it('names every constant the formula uses', () => {
    expect(CONFIDENCE_CONSTANTS).toMatchObject({
      DEFAULT_VERDICT_PROBABILITY: 0.75,
      APPROVED_LOG_ODDS: 2,
      REJECTED_LOG_ODDS: -0.5,
      MAX_VERDICT_PROBABILITY: 0.99,
      NO_VERDICT_LOG_ODDS: -2.5,
      TIER_LOG_ODDS: 0.6,
      CHECK_LOG_ODDS: 0.25,
      MAX_COUNTED_CHECKS: 2,
      AGREEMENT_LOG_ODDS: 2.5,
      DECIMALS: 3,
    });
    expect(Object.isFrozen(CONFIDENCE_CONSTANTS)).toBe(true);
  });
});

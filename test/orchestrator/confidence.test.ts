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
    draft: (stage: 'generate' | 'revise' = 'generate', tier = 0, parentAttemptId: string | null = null) => add(stage, { tier, parentAttemptId }),
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
    expect(computeConfidence([])).toEqual({
      value: 0,
      approved: false,
      answerAttemptId: null,
      base: 0,
      verdictProbability: null,
      checksPassed: 0,
      checkBonus: 0,
      revisions: 0,
      escalations: 0,
    });
  });

  it('approved the first time: 0.8, empty_answer earns no bonus', () => {
    const run = runBuilder();
    const draft = run.draft();
    judgedDraft(run, draft, 'APPROVED');
    run.finish(draft);
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.8, approved: true, answerAttemptId: draft, checksPassed: 0, checkBonus: 0 });
  });

  it('approved the first time with checks passed: 0.8 plus 0.05 a check, at most 0.1', () => {
    const once = runBuilder();
    judgedDraft(once, once.draft(), 'APPROVED', null, 1);
    expect(computeConfidence(once.attempts)).toMatchObject({ value: 0.85, checksPassed: 1, checkBonus: 0.05 });
    const thrice = runBuilder();
    judgedDraft(thrice, thrice.draft(), 'APPROVED', null, 3);
    expect(computeConfidence(thrice.attempts)).toMatchObject({ value: 0.9, checksPassed: 3, checkBonus: 0.1 });
  });

  it('uses the verdict probability', () => {
    const sure = runBuilder();
    judgedDraft(sure, sure.draft(), 'APPROVED', 1);
    expect(computeConfidence(sure.attempts)).toMatchObject({ value: 0.9, verdictProbability: 1, base: 0.9 });
    const unsure = runBuilder();
    judgedDraft(unsure, unsure.draft(), 'APPROVED', 0.5);
    expect(computeConfidence(unsure.attempts).value).toBe(0.7);
    const invalid = runBuilder();
    judgedDraft(invalid, invalid.draft(), 'APPROVED', 1.5);
    expect(computeConfidence(invalid.attempts)).toMatchObject({ value: 0.8, verdictProbability: null });
  });

  it('rejected by the verifier: 0.3 × (1 − q), no bonus', () => {
    const run = runBuilder();
    judgedDraft(run, run.draft(), 'REJECTED', 0.9, 2);
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.03, approved: false, checksPassed: 2, checkBonus: 0 });
    const defaulted = runBuilder();
    judgedDraft(defaulted, defaulted.draft(), 'REJECTED');
    expect(computeConfidence(defaulted.attempts).value).toBe(0.075);
  });

  it('checks failed without a verifier: 0.05', () => {
    const run = runBuilder();
    const draft = run.draft();
    run.check(draft, 'empty_answer', 'APPROVED');
    run.check(draft, 'json_object', 'REJECTED');
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.05, approved: false, base: 0.05, checksPassed: 0 });
  });

  it('a verifier approval does not outweigh a failed check', () => {
    const run = runBuilder();
    const draft = run.draft();
    run.check(draft, 'json_object', 'REJECTED');
    run.verify(draft, 'APPROVED', 0.99);
    expect(computeConfidence(run.attempts)).toMatchObject({ approved: false, value: 0.05 });
  });

  it('rejected, revised, approved: 0.8 × 0.93', () => {
    const run = runBuilder();
    const first = run.draft();
    judgedDraft(run, first, 'REJECTED');
    const revised = run.draft('revise', 0, first);
    judgedDraft(run, revised, 'APPROVED');
    run.finish(revised);
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.744, approved: true, answerAttemptId: revised, revisions: 1, escalations: 0 });
  });

  it('escalated: 0.8 × 0.93² × 0.9 after two failed revisions on tier 0', () => {
    const run = runBuilder();
    const first = run.draft();
    judgedDraft(run, first, 'REJECTED');
    const second = run.draft('revise', 0, first);
    judgedDraft(run, second, 'REJECTED');
    const third = run.draft('revise', 0, second);
    judgedDraft(run, third, 'REJECTED');
    const escalated = run.draft('generate', 1);
    judgedDraft(run, escalated, 'APPROVED');
    run.finish(escalated);
    expect(computeConfidence(run.attempts)).toMatchObject({ value: 0.623, approved: true, revisions: 2, escalations: 1 });
  });

  it('takes the verdict of the last verify attempt of the answer', () => {
    const run = runBuilder();
    const draft = run.draft();
    run.verify(draft, 'REJECTED');
    run.verify(draft, 'APPROVED');
    expect(computeConfidence(run.attempts)).toMatchObject({ approved: true, value: 0.8 });
  });

  it('ignores verdicts about other drafts', () => {
    const run = runBuilder();
    const first = run.draft();
    judgedDraft(run, first, 'APPROVED');
    run.draft('revise', 0, first);
    expect(computeConfidence(run.attempts)).toMatchObject({ approved: false, value: 0.047 });
  });

  it('the answer named by finish beats the last draft', () => {
    const run = runBuilder();
    const approvedDraft = run.draft();
    judgedDraft(run, approvedDraft, 'APPROVED');
    const later = run.draft('generate', 1);
    judgedDraft(run, later, 'REJECTED');
    run.finish(approvedDraft);
    expect(findAnswerAttempt(run.attempts)?.attemptId).toBe(approvedDraft);
    expect(computeConfidence(run.attempts)).toMatchObject({ approved: true, answerAttemptId: approvedDraft, value: 0.72 });
  });

  it('falls back to the last draft when finish names no attempt of the run', () => {
    const run = runBuilder();
    run.draft();
    const last = run.draft('revise');
    run.finish('att_missing');
    expect(findAnswerAttempt(run.attempts)?.attemptId).toBe(last);
  });

  it('is monotonic: more revisions never raise the confidence', () => {
    for (const probability of [null, 0, 0.3, 0.75, 1]) {
      for (const finalVerdict of ['APPROVED', 'REJECTED'] as const) {
        let previous = Infinity;
        for (let revisions = 0; revisions <= 6; revisions++) {
          const run = runBuilder();
          let draft = run.draft();
          for (let index = 0; index < revisions; index++) {
            judgedDraft(run, draft, 'REJECTED');
            draft = run.draft('revise', 0, draft);
          }
          judgedDraft(run, draft, finalVerdict, probability, 1);
          const { value } = computeConfidence(run.attempts);
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
          expect(value).toBeLessThanOrEqual(previous);
          previous = value;
        }
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
      APPROVED_BASE: 0.5,
      APPROVED_PROBABILITY_WEIGHT: 0.4,
      REJECTED_PROBABILITY_WEIGHT: 0.3,
      NO_VERDICT_BASE: 0.05,
      CHECK_BONUS_EACH: 0.05,
      CHECK_BONUS_MAX: 0.1,
      REVISION_FACTOR: 0.93,
      ESCALATION_FACTOR: 0.9,
      DECIMALS: 3,
    });
    expect(Object.isFrozen(CONFIDENCE_CONSTANTS)).toBe(true);
  });
});

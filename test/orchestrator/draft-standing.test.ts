import { describe, expect, it } from 'vitest';
import { compareStanding, draftStanding, standingDifference } from '../../src/orchestrator/loop/draft-standing.js';
import { bestDraft } from '../../src/orchestrator/loop/escalate.js';
import type { AttemptRecord, Stage } from '../../src/types/attempt.js';

function attempt(seq: number, stage: Stage, fields: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    type: 'attempt',
    runId: 'run_1',
    attemptId: `att_${seq}`,
    seq,
    parentAttemptId: null,
    stage,
    tier: 0,
    model: null,
    name: null,
    promptName: null,
    promptHash: null,
    inputHash: `input_${seq}`,
    output: { content: `draft ${seq}` },
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
  };
}

const check = (seq: number, parent: string, passed: boolean, issues: string[] = []) =>
  attempt(seq, 'check', { parentAttemptId: parent, verdict: passed ? 'APPROVED' : 'REJECTED', issues });
const verify = (seq: number, parent: string, issues: string[], probability: number | null = null, data?: Record<string, unknown>) =>
  attempt(seq, 'verify', { parentAttemptId: parent, verdict: 'REJECTED', issues, verdictProbability: probability, output: { content: '{}', ...(data ? { data } : {}) } });

describe('draftStanding', () => {
  it('reads the checks, the last verdict and its approval probability', () => {
    const attempts = [attempt(0, 'generate'), check(1, 'att_0', true), verify(2, 'att_0', ['a', 'b'], 0.9)];
    expect(draftStanding(attempts, 'att_0')).toEqual({ passedChecks: true, issues: 2, approval: expect.closeTo(0.1, 10) });
  });

  it('an approval read as a rejection keeps its probability as the approval probability', () => {
    const attempts = [attempt(0, 'generate'), verify(1, 'att_0', ['below the knob'], 0.41, { statedVerdict: 'APPROVED' })];
    expect(draftStanding(attempts, 'att_0').approval).toBeCloseTo(0.41, 10);
  });

  it('a failed check counts its issues; a draft never judged ranks below everything', () => {
    const attempts = [attempt(0, 'generate'), check(1, 'att_0', false, ['x', 'y', 'z']), attempt(2, 'revise')];
    const failed = draftStanding(attempts, 'att_0');
    const never = draftStanding(attempts, 'att_2');
    expect(failed).toEqual({ passedChecks: false, issues: 3, approval: null });
    expect(compareStanding(failed, never)).toBeGreaterThan(0);
    expect(standingDifference(failed, never)).toBe('the other was never judged');
  });
});

describe('compareStanding', () => {
  const standing = (passedChecks: boolean, issues: number, approval: number | null) => ({ passedChecks, issues, approval });
  it.each([
    [standing(true, 3, null), standing(false, 1, null), 'the other failed a deterministic check'],
    [standing(true, 1, 0.1), standing(true, 2, 0.9), '1 issue against 2 issues'],
    [standing(true, 1, 0.4), standing(true, 1, 0.1), 'as many issues, approval probability 0.400 against 0.100'],
  ])('%j ranks above %j (%s)', (better, worse, why) => {
    expect(compareStanding(better, worse)).toBeGreaterThan(0);
    expect(compareStanding(worse, better)).toBeLessThan(0);
    expect(standingDifference(better, worse)).toBe(why);
  });

  it('ties when only one verdict has a probability', () => {
    expect(compareStanding(standing(true, 1, 0.9), standing(true, 1, null))).toBe(0);
  });
});

describe('bestDraft', () => {
  it('the best standing, and of equals the later draft', () => {
    const attempts = [
      attempt(0, 'generate'),
      verify(1, 'att_0', ['a']),
      attempt(2, 'revise', { parentAttemptId: 'att_0' }),
      verify(3, 'att_2', ['a', 'b']),
      attempt(4, 'generate', { tier: 1 }),
      verify(5, 'att_4', ['c']),
    ];
    expect(bestDraft(attempts)?.attemptId).toBe('att_4');
    expect(bestDraft(attempts.slice(0, 4))?.attemptId).toBe('att_0');
  });

  it('between tiers with as many issues, the higher tier wins over a likelier-right verdict below it', () => {
    // A rejection's chance of being right (1 - p) says little; the larger model usually is right.
    const attempts = [attempt(0, 'generate'), verify(1, 'att_0', ['a'], 0.55), attempt(2, 'generate', { tier: 1 }), verify(3, 'att_2', ['b'], 0.99)];
    expect(bestDraft(attempts)?.attemptId).toBe('att_2');
  });

  it('within a tier with as many issues, the likelier right wins', () => {
    const attempts = [attempt(0, 'generate'), verify(1, 'att_0', ['a'], 0.55), attempt(2, 'revise', { parentAttemptId: 'att_0' }), verify(3, 'att_2', ['b'], 0.99)];
    expect(bestDraft(attempts)?.attemptId).toBe('att_0');
  });
});


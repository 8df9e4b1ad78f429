import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGE_OPTIONS } from '../../src/orchestrator/profiles/profile-config.js';
import { createRetryMemory, FIRST_TRY, retryKey, retryProfile } from '../../src/orchestrator/loop/retry.js';
import type { Profile } from '../../src/types/profile.js';

describe('createRetryMemory', () => {
  const key = retryKey('rlm', 'hash-1');

  it('a request never seen is a first try; after an unapproved run, the next is retry n + 1 told its issues', () => {
    const memory = createRetryMemory();
    expect(memory.planFor(key)).toEqual(FIRST_TRY);
    memory.remember(key, FIRST_TRY, { runId: 'run-1', approved: false, issues: ['Wrong city.'] });
    const second = memory.planFor(key);
    expect(second).toEqual({ number: 1, previousIssues: ['Wrong city.'], after: { runId: 'run-1', approved: false } });
    memory.remember(key, second, { runId: 'run-2', approved: false, issues: ['Still wrong.'] });
    expect(memory.planFor(key)).toMatchObject({ number: 2, previousIssues: ['Still wrong.'] });
  });

  it('after an approved run its plan is repeated, so its calls are the cached ones', () => {
    const memory = createRetryMemory();
    const plan = { number: 3, previousIssues: ['x'], after: { runId: 'run-3', approved: false } };
    memory.remember(key, plan, { runId: 'run-4', approved: true, issues: [] });
    expect(memory.planFor(key)).toEqual({ number: 3, previousIssues: ['x'], after: { runId: 'run-4', approved: true } });
  });

  it('keys by profile and request, and holds at most maxEntries, dropping the oldest', () => {
    const memory = createRetryMemory(2);
    for (const name of ['a', 'b', 'c']) memory.remember(retryKey(name, 'hash-1'), FIRST_TRY, { runId: name, approved: false, issues: [] });
    expect(memory.size).toBe(2);
    expect(memory.planFor(retryKey('a', 'hash-1'))).toEqual(FIRST_TRY);
    expect(memory.planFor(retryKey('c', 'hash-1')).number).toBe(1);
    expect(memory.planFor(retryKey('c', 'hash-2'))).toEqual(FIRST_TRY);
  });
});

describe('retryProfile', () => {
  const profile = { name: 'rlm', stages: { ...DEFAULT_STAGE_OPTIONS, verify: { ...DEFAULT_STAGE_OPTIONS.verify, seed: -1 } } } as unknown as Profile;
  it('moves each fixed seed by the retry number and leaves a random (negative) seed alone', () => {
    const retried = retryProfile(profile, { number: 2, previousIssues: [], after: null });
    expect(retried.stages.generate.seed).toBe(DEFAULT_STAGE_OPTIONS.generate.seed + 2);
    expect(retried.stages.verify.seed).toBe(-1);
    expect(retried.stages.generate.temperature).toBe(DEFAULT_STAGE_OPTIONS.generate.temperature);
    expect(profile.stages.generate.seed).toBe(DEFAULT_STAGE_OPTIONS.generate.seed);
  });
  it('a first try keeps the profile as it is', () => {
    expect(retryProfile(profile, FIRST_TRY)).toBe(profile);
  });
});

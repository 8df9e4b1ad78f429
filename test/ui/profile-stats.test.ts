import { describe, expect, it } from 'vitest';
import { median, profileStats } from '../../src/api/rlm/profile-stats.js';
import type { AttemptRecord, RunTrace } from '../../src/types/attempt.js';

const started = '2026-12-03T10:00:00.000Z';
function attempt(seq: number, fields: Partial<AttemptRecord>): AttemptRecord {
  return {
    type: 'attempt', runId: 'r', attemptId: `a${seq}`, seq, parentAttemptId: null, stage: 'generate', tier: 0, model: 'm', name: null, promptName: null, promptHash: null,
    inputHash: '', output: { content: 'x' }, verdict: null, issues: [], verdictProbability: null, tokens: { prompt: 1, completion: 1 }, durations: null,
    startedAt: started, durationMs: 100, cacheHit: false, error: null, prevHash: '', hash: '', ...fields,
  };
}
function run(profile: string, verdict: 'APPROVED' | 'REJECTED', options: { escalated?: boolean; finish?: string } = {}): RunTrace {
  const draft = attempt(0, { tier: options.escalated ? 1 : 0 });
  const attempts = [draft, attempt(1, { stage: 'verify', parentAttemptId: 'a0', verdict, output: { content: '' } })];
  if (options.finish !== undefined) attempts.push(attempt(2, { stage: 'finish', model: null, name: options.finish, output: { content: '' } }));
  return { header: { type: 'run', runId: 'r', startedAt: started, profile, requestedModel: profile, request: {}, requestHash: '', prevHash: null, hash: '' }, attempts };
}

describe('profileStats', () => {
  it('counts approval and escalation over finished runs, with the median calls and time', () => {
    const stats = profileStats([
      run('rlm', 'APPROVED', { finish: 'completed' }),
      run('rlm', 'REJECTED', { finish: 'completed', escalated: true }),
      run('rlm', 'APPROVED'),
      run('other', 'APPROVED', { finish: 'failed' }),
    ]);
    expect(stats['rlm']).toEqual({ runs: 3, completed: 2, approvalRate: 0.5, escalationRate: 0.5, medianCalls: 2, medianMs: 100 });
    expect(stats['other']).toEqual({ runs: 1, completed: 0, approvalRate: null, escalationRate: null, medianCalls: null, medianMs: null });
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    expect([median([]), median([3, 1, 2]), median([4, 1, 3, 2])]).toEqual([null, 2, 2.5]);
  });
});

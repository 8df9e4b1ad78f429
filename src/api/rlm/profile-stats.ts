/**
 * Per-profile figures over the recent runs, for the web page's models and profiles view: how many
 * finished runs were approved and escalated, and the median model calls and time. Pure.
 */
import { summarizeRun } from '../../orchestrator/loop/run-summary.js';
import type { RunTrace } from '../../types/attempt.js';

export interface ProfileStats {
  runs: number;
  completed: number;
  approvalRate: number | null;
  escalationRate: number | null;
  medianCalls: number | null;
  medianMs: number | null;
}

export function profileStats(traces: readonly RunTrace[]): Record<string, ProfileStats> {
  const groups = new Map<string, RunTrace[]>();
  for (const trace of traces) {
    const group = groups.get(trace.header.profile);
    if (group === undefined) groups.set(trace.header.profile, [trace]);
    else group.push(trace);
  }
  const result: Record<string, ProfileStats> = {};
  for (const [profile, runs] of groups) {
    const completed = runs.map((trace) => ({ trace, summary: summarizeRun(trace) })).filter(({ summary }) => summary.status === 'completed');
    const share = (count: number): number | null => (completed.length === 0 ? null : count / completed.length);
    result[profile] = {
      runs: runs.length,
      completed: completed.length,
      approvalRate: share(completed.filter(({ summary }) => summary.approved).length),
      escalationRate: share(completed.filter(({ summary }) => summary.escalated).length),
      medianCalls: median(completed.map(({ trace }) => trace.attempts.filter((attempt) => attempt.model !== null && !attempt.cacheHit).length)),
      medianMs: median(completed.map(({ summary }) => summary.durationMs)),
    };
  }
  return result;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

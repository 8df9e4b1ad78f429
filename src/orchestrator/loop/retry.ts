/**
 * A retry: the same request, under the same profile, after its last run ended unapproved (an
 * editor's "regenerate"). At temperature 0 with the profile's seed every call of that run would be
 * the same again, answered by the call cache or by Ollama alike, so a retry changes its calls:
 *
 * - every stage's seed is the profile's plus the retry number, so no call shares a cache key with
 *   the last run's and the trace says which retry it was;
 * - the generator is told what the last run left unresolved, as an escalated tier is told what the
 *   tier below got wrong: a different prompt, so even a greedy (temperature 0) model, for which the
 *   seed changes nothing, writes a different draft.
 *
 * Temperature stays as the profile sets it: a sampled generate call (temperature > 0) is never
 * cached, so an approved retry could not be answered from the cache when asked again, and runs
 * would stop being reproducible. A run that ends approved keeps its plan, so the same request
 * afterwards repeats that run's calls and is served from the cache.
 */
import type { Profile, StageName, StageOptions } from '../../types/profile.js';

export interface RetryPlan {
  /** 0 for a request seen for the first time, or last answered with approval at its first try. */
  number: number;
  /** What the last unapproved run left unresolved, for the generator. */
  previousIssues: string[];
  /** The run this plan follows, and whether it ended approved (then its plan is repeated). */
  after: { runId: string; approved: boolean } | null;
}

export const FIRST_TRY: RetryPlan = Object.freeze({ number: 0, previousIssues: [], after: null }) as RetryPlan;

/** The profile a retry runs with: each fixed seed moved by the retry number (a negative seed is Ollama's random one, left alone). */
export function retryProfile(profile: Profile, plan: RetryPlan): Profile {
  if (plan.number === 0) return profile;
  const stages = {} as Record<StageName, StageOptions>;
  for (const [name, options] of Object.entries(profile.stages) as [StageName, StageOptions][]) {
    stages[name] = { ...options, seed: options.seed >= 0 ? options.seed + plan.number : options.seed };
  }
  return { ...profile, stages };
}

/** How a run ended, as far as retries care: approved or not, and what it left unresolved. */
export interface RunEnding {
  runId: string;
  approved: boolean;
  issues: readonly string[];
}

/** The last ending of each request, in memory: what decides whether the next identical request is a retry. */
export interface RetryMemory {
  /** The plan for a run of this request (retryKey) starting now. */
  planFor(key: string): RetryPlan;
  /** Records how a run that followed `plan` ended. Aborted and failed runs are not recorded. */
  remember(key: string, plan: RetryPlan, ending: RunEnding): void;
  readonly size: number;
}

/** Requests are told apart by profile and request hash (the run header's `requestHash`). */
export function retryKey(profileName: string, requestHash: string): string {
  return `${profileName}\n${requestHash}`;
}

export function createRetryMemory(maxEntries = 1000): RetryMemory {
  // A Map iterates in insertion order: re-inserting on write makes the first key the oldest.
  const endings = new Map<string, { plan: RetryPlan; ending: RunEnding }>();
  return {
    planFor(key) {
      const last = endings.get(key);
      if (last === undefined) return FIRST_TRY;
      const after = { runId: last.ending.runId, approved: last.ending.approved };
      if (last.ending.approved) return { number: last.plan.number, previousIssues: [...last.plan.previousIssues], after };
      return { number: last.plan.number + 1, previousIssues: [...last.ending.issues], after };
    },
    remember(key, plan, ending) {
      endings.delete(key);
      endings.set(key, { plan, ending: { ...ending, issues: [...ending.issues] } });
      while (endings.size > maxEntries) endings.delete(endings.keys().next().value as string);
    },
    get size() {
      return endings.size;
    },
  };
}

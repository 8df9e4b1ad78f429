/** Pipeline profiles and the rlm.config.json file that holds them. */
import type { BackendConfig } from './backend.js';

export type PlanPolicy = 'always' | 'auto' | 'never';
/** When every tier is exhausted: answer with the best draft flagged unapproved, or fail. */
export type ExhaustedPolicy = 'best' | 'error';
/** How an unapproved text answer leaves: with a short marked note of its unresolved issues after it, or bare. */
export type UnapprovedTextPolicy = 'note' | 'bare';
/** How an unapproved answer that must parse (JSON mode, a schema) leaves: a 422, or bare (marked only in `rlm` and the headers). */
export type UnapprovedStructuredPolicy = 'error' | 'bare';

/** Ollama options for one stage's calls. */
export interface StageOptions {
  temperature: number;
  seed: number;
  /** null = the server's --num-ctx (so a model is never reloaded for another size); 0 = Ollama's default. */
  num_ctx: number | null;
  /** -1 = unbounded. */
  num_predict: number;
  /** Ollama keep_alive: "5m", or seconds; null = Ollama's default. */
  keep_alive: string | number | null;
}

export type StageName = 'plan' | 'generate' | 'verify' | 'revise';

export interface Profile {
  name: string;
  planner: string;
  /** Tier 0's generator; it also revises its own drafts. */
  generator: string;
  verifier: string;
  /** Models above the generator, tried in order after maxRevisions rejections at a tier. */
  ladder: string[];
  /** Revisions at one tier before escalating (0 = escalate at the first rejection). */
  maxRevisions: number;
  plan: PlanPolicy;
  onExhausted: ExhaustedPolicy;
  /** Under onExhausted "best": how a text answer that was never approved is marked for the client. */
  unapprovedText: UnapprovedTextPolicy;
  /** Under onExhausted "best": what happens to a never-approved answer whose content must parse. */
  unapprovedStructured: UnapprovedStructuredPolicy;
  /**
   * An APPROVED verdict whose verdict-token probability is below this counts as a rejection for
   * revising and escalating; null turns the check off (the default until `rlm eval` can tune it).
   */
  minApprovalProbability: number | null;
  /** Stream stage progress as reasoning_content deltas. */
  progress: boolean;
  stages: Record<StageName, StageOptions>;
  /** A retrieval index whose chunks ground this profile's runs, or null. */
  index: string | null;
  /** Chunks retrieved per run when `index` is set. */
  k: number;
}

export interface PipelineSettings {
  /** Runs executing at once; more wait in the queue. */
  maxConcurrentRuns: number;
  /** Runs waiting; beyond it the answer is 429 with Retry-After. */
  maxQueuedRuns: number;
  /** The in-memory cache of identical deterministic model calls. */
  cache: { enabled: boolean; maxEntries: number };
  /** Trace files older than this many days are deleted (0 keeps them forever). */
  retentionDays: number;
}

export interface RlmConfigFile {
  defaultProfile: string;
  profiles: Record<string, Profile>;
  settings: PipelineSettings;
  /** The model servers behind rlm (`backends`), or null: the one --ollama-host. */
  backends: BackendConfig[] | null;
  /** Where it came from: a file path, or "derived from installed models". */
  source: string;
}

/** The pipeline's working contracts: what a run is given, what it may touch, what it returns. */
import type { Retrieval } from '../../index/retrieval.js';
import type { ModelCatalog } from '../../llm/model-catalog.js';
import type { OllamaClient } from '../../llm/ollama-client.js';
import type { PromptSet } from '../../prompts/load.js';
import type { AttemptRecord, RunTrace } from '../../types/attempt.js';
import type { OpenAIChatCompletionRequest } from '../../types/openai.js';
import type { Profile } from '../../types/profile.js';
import type { Logger } from '../../utils/logger.js';
import type { CallCache } from '../service/call-cache.js';
import type { RetryPlan } from './retry.js';
import type { TraceStore } from '../traces/trace-store.js';

/** The world a run touches, injected so tests run with fakes and fixed clocks. */
export interface PipelineDeps {
  ollama: OllamaClient;
  models: ModelCatalog;
  prompts: PromptSet;
  traces: TraceStore;
  /** Absent when the cache is turned off. */
  cache: CallCache | undefined;
  /** Searches the local indexes a profile may name. */
  retrieval: Retrieval;
  logger: Logger;
  /** The server's --num-ctx, for stages whose options leave num_ctx to it. */
  numCtx: number;
  now: () => number;
  newId: (prefix: string) => string;
}

/** One short line of progress ("verify: REJECTED, 2 issues"), for streaming and the CLI timeline. */
export interface ProgressEvent {
  stage: AttemptRecord['stage'];
  text: string;
  attempt: AttemptRecord;
}

/** What a run is asked to do: known, and recorded, as soon as it is admitted. */
export interface RunRequest {
  runId: string;
  profile: Profile;
  /** The model id the client asked for. */
  requestedModel: string;
  request: OpenAIChatCompletionRequest;
  /** Absent or number 0: a first try. A retry of a request whose last run ended unapproved (retry.ts). */
  retry?: RetryPlan;
}

export interface PipelineRequest extends RunRequest {
  signal: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface PipelineResult {
  trace: RunTrace;
  summary: RunSummary;
}

/** Everything the client is told about a run, derived from its attempts. */
export interface RunSummary {
  runId: string;
  /** A finish record's status; else `running`, or `interrupted` when its process is gone. */
  status: 'completed' | 'aborted' | 'failed' | 'running' | 'interrupted';
  answer: { content: string; toolCalls: { name: string; arguments: string }[] } | null;
  approved: boolean;
  confidence: number;
  attempts: number;
  escalated: boolean;
  /** Distinct models called, in order of first use. */
  models: string[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** The last issues that kept the answer from approval (empty when approved). */
  issues: string[];
  durationMs: number;
}

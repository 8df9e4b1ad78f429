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
  /**
   * The profile's stored calibration (`rlm eval --calibrate`) applied to a raw confidence score;
   * undefined when the profile has none. Injected by the server, which reads the data directory.
   */
  calibrate?: (profile: string, rawConfidence: number) => CalibratedConfidence | undefined;
  /**
   * With several backends: the failovers of this run's calls not yet recorded (a call that failed
   * before any output and was retried on another backend), taken by the stage call that made them.
   */
  failovers?: { take(): RecordedFailover[] };
  /** With several backends: the backend that answered this run's latest call (its calls are one at a time), taken by the stage call that made it. */
  answeredBy?: { take(): string | undefined };
}

/** One failover as a run records it: which backend failed, how, and where the call went next. */
export interface RecordedFailover {
  from: string;
  to: string;
  error: string;
  /** performance.now() when it happened, for the failed attempt's duration. */
  at: number;
}

/** Which eval fitted a calibration: recorded in the run it calibrated, and reported with the number. */
export interface CalibrationRef {
  fittedAt: string;
  /** Answers it was fitted on. */
  answers: number;
  /** sha256 of the eval's task list. */
  taskHash: string;
  /** The models the profile used when it was fitted. */
  models: string[];
}

export interface CalibratedConfidence {
  value: number;
  calibration: CalibrationRef;
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
  /** The calibrated probability of being right when the profile has a calibration, else the raw score. */
  confidence: number;
  /** The raw score (confidence.ts), what calibration maps. */
  rawConfidence: number;
  /** The calibration that produced `confidence`, or null: the raw score reported as it is. */
  calibration: CalibrationRef | null;
  attempts: number;
  escalated: boolean;
  /** Distinct models called, in order of first use. */
  models: string[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** The last issues that kept the answer from approval (empty when approved). */
  issues: string[];
  durationMs: number;
}

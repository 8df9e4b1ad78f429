/**
 * The pipeline's records. A run is its header plus its list of frozen attempts, one per model
 * call, deterministic check or decision; everything else (answer, approval, confidence, totals)
 * is derived from the list. Each record carries `prevHash` and `hash` (SHA-256 over its canonical
 * JSON without `hash`), chaining it to the record before it in its run, so a changed record is
 * detectable.
 */

export type Stage =
  | 'retrieve' // the index chunks that ground the run (no model call but the query's embedding)
  | 'plan' // the planner's strategy and acceptance checks
  | 'generate' // a draft from the tier's generator (tier > 0: an escalation)
  | 'check' // one deterministic check of a draft (no model)
  | 'verify' // the verifier model's APPROVED / REJECTED
  | 'revise' // a surgical revision of a rejected draft
  | 'decision' // a policy decision with no model call (plan_skipped, escalate, revision_base, revision_repeated, retry, ladder_exhausted)
  | 'finish'; // the run's end: completed, aborted or failed

export type Verdict = 'APPROVED' | 'REJECTED';

export interface DraftToolCall {
  name: string;
  /** The arguments exactly as the model produced them (a JSON string when it came from a model). */
  arguments: string;
}

/** What a model call produced (think blocks already stripped), or what a decision/check concluded. */
export interface AttemptOutput {
  content: string;
  toolCalls?: DraftToolCall[];
  /** Structured data: the parsed plan, the check's detail, the finish status. */
  data?: Record<string, unknown>;
}

export interface AttemptTokens {
  prompt: number;
  completion: number;
}

/** Ollama's durations for the call, in nanoseconds (absent for checks, decisions and cache hits). */
export interface AttemptDurations {
  total_ns: number;
  load_ns: number;
  prompt_eval_ns: number;
  eval_ns: number;
}

export interface AttemptRecord {
  type: 'attempt';
  runId: string;
  attemptId: string;
  /** 0, 1, 2… in the run. */
  seq: number;
  /** The attempt this one reacts to (the draft a check or verify judged, the draft a revision fixed). */
  parentAttemptId: string | null;
  stage: Stage;
  /** Escalation tier: 0 is the profile's generator, 1… the ladder above it. */
  tier: number;
  /** The model called, or null for checks and decisions. */
  model: string | null;
  /**
   * With several backends (rlm.config.json `backends`): the one that answered this call, or, for a
   * call that failed there and was retried elsewhere, the one that failed. Absent otherwise.
   */
  backend?: string;
  /** For checks and decisions: which one ("json_schema", "plan_skipped", "escalate"…). */
  name: string | null;
  promptName: string | null;
  promptHash: string | null;
  /** SHA-256 of the canonical model request (model, messages, options, format, tools), or of the check's input. */
  inputHash: string;
  output: AttemptOutput | null;
  verdict: Verdict | null;
  issues: string[];
  /** Probability the verifier gave its verdict token, where Ollama returned logprobs. */
  verdictProbability: number | null;
  tokens: AttemptTokens;
  durations: AttemptDurations | null;
  /** ISO time the attempt started. */
  startedAt: string;
  durationMs: number;
  cacheHit: boolean;
  /** What went wrong, for an attempt that failed (an unreadable verifier answer, an upstream error). */
  error: string | null;
  prevHash: string;
  hash: string;
}

export type RunStatus = 'completed' | 'aborted' | 'failed';

/** The first record of a run: what was asked, by whom, under which profile. */
export interface RunHeader {
  type: 'run';
  runId: string;
  startedAt: string;
  profile: string;
  /** The model id the client asked for (a virtual model). */
  requestedModel: string;
  /** The client's request, as received (after validation), so nothing a user sent is lost. */
  request: Record<string, unknown>;
  /** SHA-256 of the canonical request. */
  requestHash: string;
  /**
   * The id of the process that writes the run, so a reader can tell a run in flight from one a
   * crash cut off. Absent in traces written before it was recorded.
   */
  pid?: number;
  prevHash: null;
  hash: string;
}

export type TraceRecord = RunHeader | AttemptRecord;

/** A whole run as read back: header plus attempts in order. */
export interface RunTrace {
  header: RunHeader;
  attempts: AttemptRecord[];
  /**
   * Derived when read, never stored: the run has no finish record and the process that wrote it
   * is gone (a crash, a kill), so it will never finish.
   */
  interrupted?: boolean;
}

/**
 * One model call of a stage, start to record: builds the native request from the stage's options,
 * never sends a call the run already made (the earlier answer stands), answers it from the cache
 * when an identical deterministic call was made before, strips any
 * `<think>` block so no chain of thought leaks into drafts, and appends the frozen attempt —
 * failed calls included — before returning.
 */
import type { Prompt } from '../../prompts/load.js';
import type { DraftToolCall, Stage, Verdict } from '../../types/attempt.js';
import type { OllamaChatRequest, OllamaFormat, OllamaLogprob, OllamaMessage, OllamaToolDefinition } from '../../types/ollama.js';
import type { StageOptions } from '../../types/profile.js';
import { hashJson } from '../../utils/hash.js';
import { startTimer } from '../../utils/timer.js';
import { callCacheKey, isDeterministic, type CachedCall } from '../service/call-cache.js';
import { record, type RecordedAttempt, type RunContext } from './run-context.js';

export interface StageCall {
  stage: Extract<Stage, 'plan' | 'generate' | 'verify' | 'revise'>;
  tier: number;
  model: string;
  prompt: Prompt;
  messages: OllamaMessage[];
  options: StageOptions;
  parentAttemptId: string | null;
  format?: OllamaFormat;
  tools?: OllamaToolDefinition[];
  logprobs?: boolean;
}

/** What the stage reads out of the model's answer, to be stored in the attempt. */
export interface Interpretation {
  verdict?: Verdict | null;
  issues?: string[];
  data?: Record<string, unknown>;
  verdictProbability?: number | null;
  /** The answer could not be used (an unreadable plan or verdict). */
  error?: string | null;
}

export interface StageResult {
  attempt: RecordedAttempt;
  content: string;
  toolCalls: DraftToolCall[];
}

/**
 * `logprobs` come with a live call only; an answer from the cache brings instead the verdict
 * probability recorded when the call was made (`recordedProbability`).
 */
/** An answer not asked of the model now: from the call cache, or from an identical call earlier in the run. */
interface StoredAnswer {
  content: string;
  toolCalls: DraftToolCall[];
  verdictProbability: number | null;
}

export type Interpreter = (answer: { content: string; toolCalls: DraftToolCall[]; logprobs: OllamaLogprob[]; recordedProbability?: number | null }) => Interpretation;

/** A stage call with its native request built and its identity hashed, not made yet. */
export interface PreparedCall {
  call: StageCall;
  request: OllamaChatRequest;
  /** SHA-256 of the canonical request (model, messages, options, format, tools, think, logprobs). */
  inputHash: string;
}

const MODEL_STAGES: ReadonlySet<Stage> = new Set(['plan', 'generate', 'verify', 'revise']);

export async function prepareStageCall(run: RunContext, call: StageCall): Promise<PreparedCall> {
  const request = await buildRequest(run, call);
  const { stream: _stream, ...identity } = request;
  return { call, request, inputHash: hashJson(identity) };
}

/** The attempt of this run that already made exactly this call and got an answer, if any. */
export function earlierCall(run: RunContext, inputHash: string): RecordedAttempt | undefined {
  return run.attempts.find((attempt) => MODEL_STAGES.has(attempt.stage) && attempt.inputHash === inputHash && attempt.output !== null);
}

export async function callStage(run: RunContext, call: StageCall, interpret: Interpreter = () => ({})): Promise<StageResult> {
  return makeCall(run, await prepareStageCall(run, call), interpret);
}

/**
 * Makes a prepared call. A call this run already made is never sent again: its answer is the
 * earlier attempt's (recorded with `cacheHit` and `output.data.repeatOf`), which is what the same
 * model, prompt and seed would answer; stages that must not reuse one check earlierCall first.
 */
export async function makeCall(run: RunContext, prepared: PreparedCall, interpret: Interpreter = () => ({})): Promise<StageResult> {
  const { deps, input } = run;
  const { call, request, inputHash } = prepared;
  const startedAt = new Date(deps.now()).toISOString();
  const elapsed = startTimer();
  const sentAt = performance.now();
  const base = {
    parentAttemptId: call.parentAttemptId,
    stage: call.stage,
    tier: call.tier,
    model: call.model,
    name: null,
    promptName: call.prompt.name,
    promptHash: call.prompt.hash,
    inputHash,
    startedAt,
  };
  const answerStored = async (stored: StoredAnswer, data: Record<string, unknown> | undefined): Promise<StageResult> => {
    const reading = interpret({ content: stored.content, toolCalls: stored.toolCalls, logprobs: [], recordedProbability: stored.verdictProbability });
    const withData = data === undefined ? reading : { ...reading, data: { ...reading.data, ...data } };
    const attempt = await record(run, {
      ...base,
      attemptId: deps.newId('att'),
      ...outputFields(stored.content, stored.toolCalls, withData, reading.verdictProbability ?? null),
      tokens: { prompt: 0, completion: 0 },
      durations: null,
      durationMs: round(elapsed()),
      cacheHit: true,
    });
    return { attempt, content: stored.content, toolCalls: stored.toolCalls };
  };

  const earlier = earlierCall(run, inputHash);
  if (earlier?.output) {
    const stored = { content: earlier.output.content, toolCalls: earlier.output.toolCalls ?? [], verdictProbability: earlier.verdictProbability };
    return answerStored(stored, { repeatOf: earlier.attemptId });
  }

  // Keyed by the model's digest too, so a model re-pulled under the same name is asked afresh.
  const cacheKey = deps.cache !== undefined && isDeterministic(call.options) ? await callCacheKey(deps.models, call.model, inputHash, input.signal) : undefined;
  const hit = cacheKey !== undefined ? deps.cache?.get(cacheKey) : undefined;
  if (hit !== undefined) return answerStored(hit, undefined);

  // A call its backend failed before answering and the pool retried elsewhere keeps both attempts:
  // the failed one (which backend, what happened) before the one that answered.
  const recordFailovers = async (): Promise<void> => {
    for (const failover of deps.failovers?.take() ?? []) {
      await record(run, {
        ...base,
        attemptId: deps.newId('att'),
        backend: failover.from,
        output: null,
        verdict: null,
        issues: [],
        verdictProbability: null,
        tokens: { prompt: 0, completion: 0 },
        durations: null,
        durationMs: round(Math.max(0, failover.at - sentAt)),
        cacheHit: false,
        error: `The backend ${failover.from} failed before answering (${failover.error}); the call was retried on ${failover.to}.`,
      });
    }
  };

  let response;
  try {
    response = await deps.ollama.chat(request, input.signal);
  } catch (error) {
    await recordFailovers();
    await record(run, {
      ...base,
      attemptId: deps.newId('att'),
      output: null,
      verdict: null,
      issues: [],
      verdictProbability: null,
      tokens: { prompt: 0, completion: 0 },
      durations: null,
      durationMs: round(elapsed()),
      cacheHit: false,
      error: (error as Error).message,
    });
    throw error;
  }

  await recordFailovers();
  const backend = deps.answeredBy?.take();
  const content = stripThinking(response.message.content);
  const toolCalls = (response.message.tool_calls ?? []).map((toolCall) => ({
    name: toolCall.function.name,
    arguments: JSON.stringify(toolCall.function.arguments ?? {}),
  }));
  const reading = interpret({ content, toolCalls, logprobs: response.logprobs ?? [] });
  const tokens = { prompt: response.prompt_eval_count ?? 0, completion: response.eval_count ?? 0 };
  const attempt = await record(run, {
    ...base,
    attemptId: deps.newId('att'),
    ...(backend !== undefined && { backend }),
    ...outputFields(content, toolCalls, reading, reading.verdictProbability ?? null),
    tokens,
    durations: {
      total_ns: response.total_duration ?? 0,
      load_ns: response.load_duration ?? 0,
      prompt_eval_ns: response.prompt_eval_duration ?? 0,
      eval_ns: response.eval_duration ?? 0,
    },
    durationMs: round(elapsed()),
    cacheHit: false,
  });
  if (cacheKey !== undefined) {
    const entry: CachedCall = { content, toolCalls, verdictProbability: reading.verdictProbability ?? null, tokens };
    deps.cache?.set(cacheKey, entry);
  }
  return { attempt, content, toolCalls };
}

function outputFields(content: string, toolCalls: DraftToolCall[], reading: Interpretation, verdictProbability: number | null) {
  return {
    output: {
      content,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(reading.data !== undefined ? { data: reading.data } : {}),
    },
    verdict: reading.verdict ?? null,
    issues: reading.issues ?? [],
    verdictProbability,
    error: reading.error ?? null,
  };
}

async function buildRequest(run: RunContext, call: StageCall): Promise<OllamaChatRequest> {
  const { options } = call;
  const numCtx = options.num_ctx ?? run.deps.numCtx;
  const request: OllamaChatRequest = {
    model: call.model,
    messages: call.messages,
    stream: true,
    options: {
      temperature: options.temperature,
      seed: options.seed,
      ...(numCtx > 0 ? { num_ctx: numCtx } : {}),
      num_predict: options.num_predict,
    },
  };
  if (call.format !== undefined) request.format = call.format;
  if (call.tools !== undefined && call.tools.length > 0) request.tools = call.tools;
  if (options.keep_alive !== null) request.keep_alive = options.keep_alive;
  // A verdict's probability is a refinement: a backend without logprobs is asked without them.
  if (call.logprobs && !run.deps.models.lacks(call.model).includes('logprobs')) request.logprobs = true;
  // Stages must not think out loud: `think: false` where the model can think (sending it to
  // other models is refused by some Ollama versions); stripThinking catches inline blocks.
  const capabilities = await run.deps.models.capabilities(call.model, run.input.signal).catch(() => undefined);
  if (capabilities?.includes('thinking')) request.think = false;
  return request;
}

/** Removes `<think>…</think>` blocks (and an unterminated one, which is all thinking) from a model's text. */
export function stripThinking(text: string): string {
  const closed = text.replace(/<think>[\s\S]*?<\/think>\s*/g, '');
  const open = closed.indexOf('<think>');
  return (open >= 0 ? closed.slice(0, open) : closed).trim();
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

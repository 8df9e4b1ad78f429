/**
 * The objects of a native answer rlm writes itself (a pipeline run): a chat chunk carries
 * `message`, a generate chunk `response` and a top-level `thinking`; intermediate chunks hold only
 * model, created_at, the text and `done: false`, and the final one adds `done_reason` and Ollama's
 * metrics, each omitted when zero as Go's `omitempty` does (docs/reference/ollama-protocol.md §3.3, §4.2).
 */
import type { ServerResponse } from 'node:http';
import type { AttemptRecord } from '../../types/attempt.js';
import type { OllamaMetrics, OllamaToolCall } from '../../types/ollama.js';
import { NATIVE_JSON } from './native-errors.js';

export interface ChunkFields {
  content?: string;
  thinking?: string;
  toolCalls?: OllamaToolCall[];
}

export interface FinalFields {
  content: string;
  thinking?: string;
  toolCalls?: OllamaToolCall[];
  doneReason: string;
  metrics: OllamaMetrics;
  /** rlm's run summary, an extra key that Ollama clients ignore. */
  rlm: Record<string, unknown>;
}

/** How one endpoint's objects look: /api/chat's or /api/generate's. */
export interface NativeShape {
  chunk(fields: ChunkFields): object;
  final(fields: FinalFields): object;
}

/**
 * RFC 3339 in UTC with the fraction's trailing zeros trimmed, as Go's RFC3339Nano prints
 * `created_at` ("2025-10-17T23:14:07.414Z", "2025-10-17T23:14:07Z").
 */
export function ollamaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

export function chatShape(model: string, now: () => number): NativeShape {
  const message = (fields: ChunkFields): Record<string, unknown> => ({
    role: 'assistant',
    content: fields.content ?? '',
    ...(fields.thinking ? { thinking: fields.thinking } : {}),
    ...(fields.toolCalls && fields.toolCalls.length > 0 ? { tool_calls: fields.toolCalls } : {}),
  });
  return {
    chunk: (fields) => ({ model, created_at: ollamaTime(now()), message: message(fields), done: false }),
    final: (fields) => ({
      model,
      created_at: ollamaTime(now()),
      message: message(fields),
      done: true,
      done_reason: fields.doneReason,
      ...withoutZeros(fields.metrics),
      rlm: fields.rlm,
    }),
  };
}

export function generateShape(model: string, now: () => number): NativeShape {
  return {
    chunk: (fields) => ({
      model,
      created_at: ollamaTime(now()),
      response: fields.content ?? '',
      ...(fields.thinking ? { thinking: fields.thinking } : {}),
      done: false,
    }),
    final: (fields) => ({
      model,
      created_at: ollamaTime(now()),
      response: fields.content,
      ...(fields.thinking ? { thinking: fields.thinking } : {}),
      done: true,
      done_reason: fields.doneReason,
      ...withoutZeros(fields.metrics),
      ...(fields.toolCalls && fields.toolCalls.length > 0 ? { tool_calls: fields.toolCalls } : {}),
      rlm: fields.rlm,
    }),
  };
}

/** Ollama's counts and durations summed over every model call of a run (a cache hit adds nothing). */
export function runMetrics(attempts: readonly AttemptRecord[]): OllamaMetrics {
  const sum = (value: (attempt: AttemptRecord) => number): number => attempts.reduce((total, attempt) => total + value(attempt), 0);
  return {
    total_duration: sum((attempt) => attempt.durations?.total_ns ?? 0),
    load_duration: sum((attempt) => attempt.durations?.load_ns ?? 0),
    prompt_eval_count: sum((attempt) => attempt.tokens.prompt),
    prompt_eval_duration: sum((attempt) => attempt.durations?.prompt_eval_ns ?? 0),
    eval_count: sum((attempt) => attempt.tokens.completion),
    eval_duration: sum((attempt) => attempt.durations?.eval_ns ?? 0),
  };
}

function withoutZeros(metrics: OllamaMetrics): OllamaMetrics {
  return Object.fromEntries(Object.entries(metrics).filter(([, value]) => typeof value === 'number' && value !== 0)) as OllamaMetrics;
}

/** A native JSON answer, with Ollama's content type. */
export function sendNativeJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': NATIVE_JSON, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
